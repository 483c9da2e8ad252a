// Numbered schema migrations keyed on PRAGMA user_version. Append only: a
// released migration is never edited, a change is a new entry.
#include "storage/sqlite_store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <array>

namespace usersvc {

namespace {
const std::array<const char*, 6> kMigrations = {
    // 1: users and sessions.
    R"sql(
    CREATE TABLE users (
        id            TEXT PRIMARY KEY,
        username      TEXT NOT NULL UNIQUE,
        email         TEXT NOT NULL UNIQUE,
        full_name     TEXT NOT NULL DEFAULT '',
        password_hash TEXT NOT NULL,
        avatar        TEXT NOT NULL DEFAULT '',
        cover_image   TEXT NOT NULL DEFAULT '',
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE sessions (
        id             TEXT PRIMARY KEY,
        user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        refresh_hash   TEXT NOT NULL UNIQUE,
        created_at     INTEGER NOT NULL,
        last_used_at   INTEGER NOT NULL,
        expires_at     INTEGER NOT NULL,
        revoked_at     INTEGER,
        user_agent     TEXT NOT NULL DEFAULT '',
        client_address TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX sessions_by_user ON sessions(user_id, revoked_at);
    )sql",
    // 2: refresh rotation with reuse detection, subscriptions, watch history,
    // and indexes for "is this image still referenced".
    R"sql(
    ALTER TABLE sessions ADD COLUMN previous_refresh_hash TEXT;
    ALTER TABLE sessions ADD COLUMN rotated_at INTEGER;
    ALTER TABLE sessions ADD COLUMN replay_sealed BLOB;
    CREATE TABLE retired_refresh_tokens (
        refresh_hash TEXT PRIMARY KEY,
        session_id   TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        retired_at   INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX retired_by_session ON retired_refresh_tokens(session_id);
    CREATE TABLE subscriptions (
        subscriber_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        channel_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at    INTEGER NOT NULL,
        PRIMARY KEY (subscriber_id, channel_id)
    ) WITHOUT ROWID;
    CREATE INDEX subscriptions_by_channel ON subscriptions(channel_id, subscriber_id);
    CREATE TABLE watch_history (
        user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        video_id   TEXT NOT NULL,
        watched_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, video_id)
    ) WITHOUT ROWID;
    CREATE INDEX watch_history_newest ON watch_history(user_id, watched_at DESC);
    CREATE INDEX users_by_avatar ON users(avatar) WHERE avatar <> '';
    CREATE INDEX users_by_cover ON users(cover_image) WHERE cover_image <> '';
    )sql",
    // 3: subscriptions get an ObjectId-shaped id (lists return subscription
    // records, as chai-backend's forks do): the creation second, then random bytes.
    R"sql(
    ALTER TABLE subscriptions ADD COLUMN id TEXT;
    UPDATE subscriptions SET id = printf('%08x', created_at / 1000) || lower(hex(randomblob(8)));
    CREATE UNIQUE INDEX subscriptions_by_id ON subscriptions(id);
    )sql",
    // 4: indexes for the session purge (expired, revoked, sealed replay answers
    // past their interval), so it never scans the table.
    R"sql(
    CREATE INDEX sessions_by_expiry ON sessions(expires_at);
    CREATE INDEX sessions_revoked ON sessions(revoked_at) WHERE revoked_at IS NOT NULL;
    CREATE INDEX sessions_replay ON sessions(rotated_at) WHERE replay_sealed IS NOT NULL;
    )sql",
    // 5: the console's prefix search (UserQuery::prefix): usernames and
    // e-mails are stored lowercased and indexed already; names by lower().
    R"sql(
    CREATE INDEX users_by_name_prefix ON users(lower(full_name));
    )sql",
    // 6: the outbox (domain/outbox.hpp). No foreign key to users: a message
    // about a deleted account stays in the mailbox until it is pruned.
    R"sql(
    CREATE TABLE outbox (
        id              TEXT PRIMARY KEY,
        channel         TEXT NOT NULL,
        recipient       TEXT NOT NULL,
        subject         TEXT NOT NULL,
        kind            TEXT NOT NULL,
        user_id         TEXT NOT NULL DEFAULT '',
        content         BLOB NOT NULL,
        status          TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        lease_owner     TEXT,
        lease_until     INTEGER,
        last_error      TEXT NOT NULL DEFAULT '',
        created_at      INTEGER NOT NULL,
        finished_at     INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'queued';
    CREATE INDEX outbox_by_recipient ON outbox(recipient, id);
    CREATE INDEX outbox_finished ON outbox(finished_at) WHERE status <> 'queued';
    )sql",
};
} // namespace

int latestSchemaVersion() {
    return static_cast<int>(kMigrations.size());
}

void migrate(SQLite::Database& db) {
    auto version = [&] { return db.execAndGet("PRAGMA user_version").getInt(); };
    if (version() >= latestSchemaVersion()) return;
    // IMMEDIATE: two processes opening a new store at once migrate one after the other.
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    for (int v = version(); v < latestSchemaVersion(); ++v) {
        db.exec(kMigrations[static_cast<std::size_t>(v)]);
        db.exec("PRAGMA user_version = " + std::to_string(v + 1));
    }
    tx.commit();
}

} // namespace usersvc
