#include "storage/pg_schema.hpp"

#include "domain/error.hpp"

#include <array>
#include <string>

namespace usersvc {

namespace {
// Any fixed number, the same in every instance: the advisory lock that
// serialises migrations across all of them.
constexpr long long kMigrationLock = 0x75736572737663; // "usersvc"

const std::array<const char*, 5> kMigrations = {
    // 1: what SQLite's migrations 1-4 built, in one step (PostgreSQL stores
    // start at this schema). Times are milliseconds since the epoch.
    R"sql(
    CREATE TABLE users (
        id            TEXT COLLATE "C" PRIMARY KEY, -- ObjectId hex: ordered bytewise, as on SQLite
        username      TEXT NOT NULL UNIQUE,
        email         TEXT NOT NULL UNIQUE,
        full_name     TEXT NOT NULL DEFAULT '',
        password_hash TEXT NOT NULL,
        avatar        TEXT NOT NULL DEFAULT '',
        cover_image   TEXT NOT NULL DEFAULT '',
        created_at    BIGINT NOT NULL,
        updated_at    BIGINT NOT NULL
    );
    CREATE INDEX users_by_avatar ON users(avatar) WHERE avatar <> '';
    CREATE INDEX users_by_cover ON users(cover_image) WHERE cover_image <> '';
    CREATE TABLE sessions (
        id                    TEXT PRIMARY KEY,
        user_id               TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        refresh_hash          TEXT NOT NULL UNIQUE,
        created_at            BIGINT NOT NULL,
        last_used_at          BIGINT NOT NULL,
        expires_at            BIGINT NOT NULL,
        revoked_at            BIGINT,
        user_agent            TEXT NOT NULL DEFAULT '',
        client_address        TEXT NOT NULL DEFAULT '',
        previous_refresh_hash TEXT,
        rotated_at            BIGINT,
        replay_sealed         BYTEA
    );
    CREATE INDEX sessions_by_user ON sessions(user_id, revoked_at);
    CREATE INDEX sessions_by_expiry ON sessions(expires_at);
    CREATE INDEX sessions_revoked ON sessions(revoked_at) WHERE revoked_at IS NOT NULL;
    CREATE INDEX sessions_replay ON sessions(rotated_at) WHERE replay_sealed IS NOT NULL;
    CREATE TABLE retired_refresh_tokens (
        refresh_hash TEXT PRIMARY KEY,
        session_id   TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        retired_at   BIGINT NOT NULL
    );
    CREATE INDEX retired_by_session ON retired_refresh_tokens(session_id);
    CREATE TABLE subscriptions (
        id            TEXT NOT NULL UNIQUE,
        subscriber_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        channel_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at    BIGINT NOT NULL,
        PRIMARY KEY (subscriber_id, channel_id)
    );
    CREATE INDEX subscriptions_by_channel ON subscriptions(channel_id, subscriber_id);
    CREATE TABLE watch_history (
        user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        video_id   TEXT NOT NULL,
        watched_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, video_id)
    );
    CREATE INDEX watch_history_newest ON watch_history(user_id, watched_at DESC);
    )sql",
    // 2: images live in the database, so every instance serves every image
    // (SQLite keeps them as files in DATA_DIR/media).
    R"sql(
    CREATE TABLE images (
        reference  TEXT COLLATE "C" PRIMARY KEY, -- "3f/3f9a...c1.png", as in media URLs
        content    BYTEA NOT NULL,
        created_at BIGINT NOT NULL
    );
    )sql",
    // 3: failed-attempt windows of the login limiter, shared by the instances
    // (one process keeps them in memory).
    R"sql(
    CREATE TABLE login_attempts (
        key          TEXT COLLATE "C" PRIMARY KEY, -- "i:" identifier, "a:" address, "c:" conflicts
        window_start BIGINT NOT NULL,
        failures     INTEGER NOT NULL
    );
    CREATE INDEX login_attempts_by_start ON login_attempts(window_start);
    )sql",
    // 4: the console's prefix search (UserQuery::prefix), compared bytewise so
    // that a range is exactly "starts with" whatever the database's collation.
    R"sql(
    CREATE INDEX users_by_username_prefix ON users((username COLLATE "C"));
    CREATE INDEX users_by_email_prefix ON users((email COLLATE "C"));
    CREATE INDEX users_by_name_prefix ON users((lower(full_name) COLLATE "C"));
    )sql",
    // 5: the outbox, as SQLite's migration 6. Claims lock rows with FOR
    // UPDATE SKIP LOCKED, so instances never take one message twice.
    R"sql(
    CREATE TABLE outbox (
        id              TEXT COLLATE "C" PRIMARY KEY,
        channel         TEXT NOT NULL,
        recipient       TEXT COLLATE "C" NOT NULL,
        subject         TEXT NOT NULL,
        kind            TEXT NOT NULL,
        user_id         TEXT NOT NULL DEFAULT '',
        content         BYTEA NOT NULL,
        status          TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        lease_owner     TEXT,
        lease_until     BIGINT,
        last_error      TEXT NOT NULL DEFAULT '',
        created_at      BIGINT NOT NULL,
        finished_at     BIGINT
    );
    CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'queued';
    CREATE INDEX outbox_by_recipient ON outbox(recipient, id);
    CREATE INDEX outbox_finished ON outbox(finished_at) WHERE status <> 'queued';
    )sql",
};

constexpr const char* kVersionTable =
    "CREATE TABLE IF NOT EXISTS usersvc_schema (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)";

int versionIn(pqxx::transaction_base& tx) {
    auto exists = tx.exec1("SELECT to_regclass('usersvc_schema') IS NOT NULL")[0].as<bool>();
    if (!exists) return 0;
    auto row = tx.exec1("SELECT coalesce(max(version), 0) FROM usersvc_schema");
    return row[0].as<int>();
}
} // namespace

int pgLatestSchemaVersion() {
    return static_cast<int>(kMigrations.size());
}

int pgSchemaVersion(pqxx::connection& connection) {
    pqxx::read_transaction tx(connection);
    return versionIn(tx);
}

void pgMigrate(pqxx::connection& connection) {
    // Cheap when up to date, as at every start but the first.
    int found = pgSchemaVersion(connection);
    if (found == pgLatestSchemaVersion()) return;
    pqxx::work tx(connection);
    // Held to the end of this transaction: instances starting together take
    // turns, and the ones after the first find the schema made.
    tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")");
    tx.exec(kVersionTable);
    found = versionIn(tx);
    if (found > pgLatestSchemaVersion())
        throw Error(Code::Invalid, "the database holds schema version " + std::to_string(found) +
                                       ", newer than this usersvc knows (" + std::to_string(pgLatestSchemaVersion()) +
                                       "); use a newer usersvc");
    for (int v = found; v < pgLatestSchemaVersion(); ++v) {
        tx.exec(kMigrations[static_cast<std::size_t>(v)]);
        tx.exec("INSERT INTO usersvc_schema (version, applied_at) VALUES (" + std::to_string(v + 1) +
                ", (extract(epoch from clock_timestamp()) * 1000)::bigint)");
    }
    tx.commit();
}

} // namespace usersvc
