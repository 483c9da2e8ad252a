// PgStore: the sessions table (and the retired refresh tokens of each):
// creation, lookup, revocation, refresh rotation, listing.
#include "storage/pg_internal.hpp"

namespace usersvc {

namespace {
std::optional<SessionRecord> firstSession(const pqxx::result& rows) {
    if (rows.empty()) return std::nullopt;
    return readSession(rows[0]);
}
} // namespace

void PgStore::createSession(const SessionRecord& s) {
    pgGuarded([&] {
        runAlone(*this,
            "INSERT INTO sessions (id, user_id, refresh_hash, created_at, last_used_at, expires_at, user_agent,"
            " client_address) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            s.id, s.userId, s.refreshHash, s.createdAtMs, s.lastUsedAtMs, s.expiresAtMs, s.userAgent, s.clientAddress);
    });
}

std::optional<SessionRecord> PgStore::findSession(const std::string& sessionId) {
    return pgGuarded([&] {
        return firstSession(
            runAlone(*this, std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE id = $1", sessionId));
    });
}

std::optional<SessionRecord> PgStore::findSessionByRefreshHash(const std::string& refreshHash) {
    return pgGuarded([&] {
        return firstSession(runAlone(
            *this, std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE refresh_hash = $1", refreshHash));
    });
}

std::optional<UserRecord> PgStore::findUserOfActiveSession(const std::string& sessionId, std::int64_t nowMs) {
    return pgGuarded([&]() -> std::optional<UserRecord> {
        auto rows = runAlone(*this,
            std::string("SELECT ") + kUserColumns +
                " FROM sessions s JOIN users u ON u.id = s.user_id"
                " WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2",
            sessionId, nowMs);
        if (rows.empty()) return std::nullopt;
        return readUser(rows[0]);
    });
}

bool PgStore::revokeSession(const std::string& sessionId, std::int64_t nowMs) {
    return pgGuarded([&] {
        return runAlone(
                   *this, "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", nowMs, sessionId)
                   .affected_rows() > 0;
    });
}

int PgStore::revokeUserSessions(const std::string& userId, std::int64_t nowMs, const std::string& keepSessionId) {
    return pgGuarded([&] {
        return static_cast<int>(runAlone(*this,
            "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND id <> $3", nowMs, userId,
            keepSessionId)
                                    .affected_rows());
    });
}

bool PgStore::rotateRefresh(const std::string& sessionId, const std::string& oldHash, const SessionRecord& next) {
    return pgGuarded([&] {
        // The UPDATE's condition on the hash it replaces decides between two
        // instances rotating the same token at once: the second waits for the
        // row, re-reads it, finds the new hash and changes nothing.
        PgStore::Lease lease(*this);
        pqxx::work tx(lease.db());
        auto updated = lease.run(tx,
            "UPDATE sessions SET previous_refresh_hash = refresh_hash, refresh_hash = $1, rotated_at = $2,"
            " replay_sealed = $3, last_used_at = $2, expires_at = $4, user_agent = $5, client_address = $6"
            " WHERE id = $7 AND refresh_hash = $8 AND revoked_at IS NULL",
            next.refreshHash, next.lastUsedAtMs, pqxx::binarystring(next.replaySealed.data(), next.replaySealed.size()),
            next.expiresAtMs, next.userAgent, next.clientAddress, sessionId, oldHash);
        if (updated.affected_rows() != 1) return false;
        lease.run(tx,
            "INSERT INTO retired_refresh_tokens (refresh_hash, session_id, retired_at) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING",
            oldHash, sessionId, next.lastUsedAtMs);
        lease.run(tx,
            "DELETE FROM retired_refresh_tokens WHERE session_id = $1 AND refresh_hash NOT IN"
            " (SELECT refresh_hash FROM retired_refresh_tokens WHERE session_id = $1"
            " ORDER BY retired_at DESC LIMIT $2)",
            sessionId, kRetiredHashesKept);
        tx.commit();
        return true;
    });
}

std::optional<SessionRecord> PgStore::findSessionByRetiredRefreshHash(const std::string& refreshHash) {
    return pgGuarded([&] {
        return firstSession(runAlone(*this,
            std::string("SELECT ") + kSessionColumns +
                " FROM sessions WHERE id = (SELECT session_id FROM retired_refresh_tokens WHERE refresh_hash = $1)",
            refreshHash));
    });
}

std::vector<SessionRecord> PgStore::listOpenSessions(const std::string& userId, std::int64_t nowMs) {
    return pgGuarded([&] {
        auto rows = runAlone(*this,
            std::string("SELECT ") + kSessionColumns +
                " FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC",
            userId, nowMs);
        std::vector<SessionRecord> out;
        for (const auto& row : rows)
            out.push_back(readSession(row));
        return out;
    });
}

int PgStore::revokeSessionsBeyond(const std::string& userId, int keep, std::int64_t nowMs) {
    return pgGuarded([&] {
        return static_cast<int>(runAlone(*this,
            "UPDATE sessions SET revoked_at = $1 WHERE id IN (SELECT id FROM sessions WHERE user_id = $2"
            " AND revoked_at IS NULL AND expires_at > $1 ORDER BY last_used_at DESC, created_at DESC OFFSET $3)",
            nowMs, userId, keep)
                                    .affected_rows());
    });
}

SessionPurge PgStore::purgeSessions(std::int64_t nowMs, std::int64_t replayBeforeMs) {
    return pgGuarded([&] {
        PgStore::Lease lease(*this);
        pqxx::work tx(lease.db());
        SessionPurge purged;
        purged.sessions = static_cast<std::int64_t>(
            lease.run(tx, "DELETE FROM sessions WHERE revoked_at IS NOT NULL OR expires_at <= $1", nowMs)
                .affected_rows());
        purged.replays = static_cast<std::int64_t>(
            lease
                .run(tx,
                    "UPDATE sessions SET replay_sealed = NULL WHERE replay_sealed IS NOT NULL AND rotated_at <= $1",
                    replayBeforeMs)
                .affected_rows());
        tx.commit();
        return purged;
    });
}

std::int64_t PgStore::countOpenSessions(std::int64_t nowMs) {
    return pgGuarded([&] {
        return runAlone(
            *this, "SELECT count(*) FROM sessions WHERE revoked_at IS NULL AND expires_at > $1", nowMs)[0][0]
            .as<std::int64_t>();
    });
}

} // namespace usersvc
