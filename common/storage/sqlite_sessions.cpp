// SqliteStore: the sessions table (and the retired refresh tokens of each):
// creation, lookup, revocation, refresh rotation, listing.
#include "storage/sqlite_internal.hpp"

namespace usersvc {

void SqliteStore::createSession(const SessionRecord& s) {
    guarded([&] {
        Lease lease(*this);
        auto& insert = lease.statement("INSERT INTO sessions (id, user_id, refresh_hash, created_at, "
                                       "last_used_at, expires_at, user_agent, client_address) "
                                       "VALUES (?,?,?,?,?,?,?,?)");
        SQLite::bind(insert, s.id, s.userId, s.refreshHash, static_cast<int64_t>(s.createdAtMs),
            static_cast<int64_t>(s.lastUsedAtMs), static_cast<int64_t>(s.expiresAtMs), s.userAgent, s.clientAddress);
        insert.exec();
    });
}

std::optional<SessionRecord> SqliteStore::findSession(const std::string& sessionId) {
    return guarded([&]() -> std::optional<SessionRecord> {
        Lease lease(*this);
        auto& q = lease.statement(std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE id = ?");
        SQLite::bind(q, sessionId);
        if (!q.executeStep()) return std::nullopt;
        return readSession(q);
    });
}

std::optional<SessionRecord> SqliteStore::findSessionByRefreshHash(const std::string& refreshHash) {
    return guarded([&]() -> std::optional<SessionRecord> {
        Lease lease(*this);
        auto& q = lease.statement(std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE refresh_hash = ?");
        SQLite::bind(q, refreshHash);
        if (!q.executeStep()) return std::nullopt;
        return readSession(q);
    });
}

std::optional<UserRecord> SqliteStore::findUserOfActiveSession(const std::string& sessionId, std::int64_t nowMs) {
    return guarded([&]() -> std::optional<UserRecord> {
        Lease lease(*this);
        auto& q = lease.statement(std::string("SELECT ") + kUserColumns +
                                  " FROM sessions s JOIN users u ON u.id = s.user_id"
                                  " WHERE s.id = ? AND s.revoked_at IS NULL AND s.expires_at > ?");
        SQLite::bind(q, sessionId, static_cast<int64_t>(nowMs));
        if (!q.executeStep()) return std::nullopt;
        return readUser(q);
    });
}

bool SqliteStore::revokeSession(const std::string& sessionId, std::int64_t nowMs) {
    return guarded([&] {
        Lease lease(*this);
        auto& q = lease.statement("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
        SQLite::bind(q, static_cast<int64_t>(nowMs), sessionId);
        return q.exec() > 0;
    });
}

int SqliteStore::revokeUserSessions(const std::string& userId, std::int64_t nowMs, const std::string& keepSessionId) {
    return guarded([&] {
        Lease lease(*this);
        auto& q = lease.statement("UPDATE sessions SET revoked_at = ? "
                                  "WHERE user_id = ? AND revoked_at IS NULL AND id <> ?");
        SQLite::bind(q, static_cast<int64_t>(nowMs), userId, keepSessionId);
        return q.exec();
    });
}

bool SqliteStore::rotateRefresh(const std::string& sessionId, const std::string& oldHash, const SessionRecord& next) {
    return guarded([&] {
        Lease lease(*this);
        auto& db = lease.db();
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        auto& update = lease.statement("UPDATE sessions SET previous_refresh_hash = refresh_hash, refresh_hash = ?,"
                                       " rotated_at = ?, replay_sealed = ?, last_used_at = ?, expires_at = ?,"
                                       " user_agent = ?, client_address = ?"
                                       " WHERE id = ? AND refresh_hash = ? AND revoked_at IS NULL");
        update.bind(1, next.refreshHash);
        update.bind(2, static_cast<int64_t>(next.lastUsedAtMs));
        update.bind(3, next.replaySealed.data(), static_cast<int>(next.replaySealed.size()));
        update.bind(4, static_cast<int64_t>(next.lastUsedAtMs));
        update.bind(5, static_cast<int64_t>(next.expiresAtMs));
        update.bind(6, next.userAgent);
        update.bind(7, next.clientAddress);
        update.bind(8, sessionId);
        update.bind(9, oldHash);
        if (update.exec() != 1) return false;
        auto& retire = lease.statement("INSERT OR IGNORE INTO retired_refresh_tokens (refresh_hash, session_id,"
                                       " retired_at) VALUES (?, ?, ?)");
        SQLite::bind(retire, oldHash, sessionId, static_cast<int64_t>(next.lastUsedAtMs));
        retire.exec();
        // kRetiredHashesKept, newest first.
        auto& trim = lease.statement("DELETE FROM retired_refresh_tokens WHERE session_id = ? AND refresh_hash NOT IN"
                                     " (SELECT refresh_hash FROM retired_refresh_tokens WHERE session_id = ?"
                                     " ORDER BY retired_at DESC LIMIT ?)");
        SQLite::bind(trim, sessionId, sessionId, kRetiredHashesKept);
        trim.exec();
        tx.commit();
        return true;
    });
}

std::optional<SessionRecord> SqliteStore::findSessionByRetiredRefreshHash(const std::string& refreshHash) {
    return guarded([&]() -> std::optional<SessionRecord> {
        Lease lease(*this);
        auto& q = lease.statement(std::string("SELECT ") + kSessionColumns +
                                  " FROM sessions WHERE id = (SELECT session_id FROM"
                                  " retired_refresh_tokens WHERE refresh_hash = ?)");
        SQLite::bind(q, refreshHash);
        if (!q.executeStep()) return std::nullopt;
        return readSession(q);
    });
}

std::vector<SessionRecord> SqliteStore::listOpenSessions(const std::string& userId, std::int64_t nowMs) {
    return guarded([&] {
        Lease lease(*this);
        auto& q = lease.statement(std::string("SELECT ") + kSessionColumns +
                                  " FROM sessions WHERE user_id = ? AND revoked_at IS NULL"
                                  " AND expires_at > ? ORDER BY created_at DESC");
        SQLite::bind(q, userId, static_cast<int64_t>(nowMs));
        std::vector<SessionRecord> out;
        while (q.executeStep())
            out.push_back(readSession(q));
        return out;
    });
}

int SqliteStore::revokeSessionsBeyond(const std::string& userId, int keep, std::int64_t nowMs) {
    return guarded([&] {
        Lease lease(*this);
        auto& q = lease.statement("UPDATE sessions SET revoked_at = ? WHERE id IN (SELECT id FROM sessions"
                                  " WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?"
                                  " ORDER BY last_used_at DESC, created_at DESC LIMIT -1 OFFSET ?)");
        SQLite::bind(q, static_cast<int64_t>(nowMs), userId, static_cast<int64_t>(nowMs), keep);
        return q.exec();
    });
}

SessionPurge SqliteStore::purgeSessions(std::int64_t nowMs, std::int64_t replayBeforeMs) {
    return guarded([&] {
        Lease lease(*this);
        SQLite::Transaction tx(lease.db(), SQLite::TransactionBehavior::IMMEDIATE);
        SessionPurge purged;
        auto& revoked = lease.statement("DELETE FROM sessions WHERE revoked_at IS NOT NULL");
        purged.sessions = revoked.exec();
        auto& expired = lease.statement("DELETE FROM sessions WHERE expires_at <= ?");
        SQLite::bind(expired, static_cast<int64_t>(nowMs));
        purged.sessions += expired.exec();
        auto& replays = lease.statement(
            "UPDATE sessions SET replay_sealed = NULL WHERE replay_sealed IS NOT NULL AND rotated_at <= ?");
        SQLite::bind(replays, static_cast<int64_t>(replayBeforeMs));
        purged.replays = replays.exec();
        tx.commit();
        return purged;
    });
}

std::int64_t SqliteStore::countOpenSessions(std::int64_t nowMs) {
    return guarded([&] {
        Lease lease(*this);
        auto& q = lease.statement("SELECT count(*) FROM sessions WHERE revoked_at IS NULL AND expires_at > ?");
        SQLite::bind(q, static_cast<int64_t>(nowMs));
        q.executeStep();
        return q.getColumn(0).getInt64();
    });
}

} // namespace usersvc
