// The Fastify reference of scripts/bench (issue 15, target 6): one Node.js
// process doing what usersvc does for a healthcheck and a getUser, over
// usersvc's own store, so requests per CPU-second compare like for like.
//   node fastify_reference.js DATA_DIR PORT_FILE
// Reads DATA_DIR/usersvc.db (read-only, WAL) and the JWT secret DATA_DIR/secret,
// binds 127.0.0.1:0, writes the port to PORT_FILE and serves until killed.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const Database = require('better-sqlite3');
const fastify = require('fastify')({ logger: false });

const [dataDir, portFile] = process.argv.slice(2);
const db = new Database(path.join(dataDir, 'usersvc.db'), { readonly: true, fileMustExist: true });
const secret = fs.readFileSync(path.join(dataDir, 'secret'), 'utf8').trim();

// The statements usersvc runs, prepared once as usersvc prepares them per connection.
const schemaCheck = db.prepare(
  "SELECT (SELECT user_version FROM pragma_user_version) AS version, (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('users', 'sessions', 'retired_refresh_tokens', 'subscriptions', 'watch_history')) AS tables");
const userOfSession = db.prepare(
  'SELECT u.id, u.username, u.email, u.full_name, u.avatar, u.cover_image, u.created_at, u.updated_at' +
  ' FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ? AND s.revoked_at IS NULL AND s.expires_at > ?');

function envelope(reply, statusCode, data, message) {
  reply.code(statusCode).header('cache-control', 'no-store').send({ statusCode, data, message, success: statusCode < 400 });
}

// HS256 as usersvc signs it: header.payload.signature in base64url.
function verifyAccessToken(header) {
  if (!header || !header.startsWith('Bearer ')) return null;
  const parts = header.slice(7).split('.');
  if (parts.length !== 3) return null;
  const expected = crypto.createHmac('sha256', secret).update(parts[0] + '.' + parts[1]).digest();
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
  const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) return null;
  return claims;
}

fastify.get('/api/v1/healthcheck', (request, reply) => {
  const row = schemaCheck.get();
  if (row.tables !== 5) return envelope(reply, 503, null, 'Store unavailable');
  envelope(reply, 200, { status: 'ok' }, 'OK');
});

fastify.get('/api/v1/users/getUser', (request, reply) => {
  const claims = verifyAccessToken(request.headers.authorization);
  if (!claims) return envelope(reply, 401, null, 'Unauthorized');
  const u = userOfSession.get(claims.sid, Date.now());
  if (!u || u.id !== claims.sub) return envelope(reply, 401, null, 'Session expired or logged out');
  const iso = (ms) => new Date(ms).toISOString();
  envelope(reply, 200, {
    _id: u.id, username: u.username, email: u.email, fullName: u.full_name,
    Avatar: u.avatar, CoverImg: u.cover_image, avatar: u.avatar, coverImage: u.cover_image,
    createdAt: iso(u.created_at), updatedAt: iso(u.updated_at),
  }, 'User fetched successfully');
});

fastify.listen({ host: '127.0.0.1', port: 0 }).then(() => {
  fs.writeFileSync(portFile, `${fastify.server.address().port}\n`);
});
