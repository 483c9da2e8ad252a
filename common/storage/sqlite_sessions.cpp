// SqliteStore: refresh rotation, session listing, password and profile changes,
// images and user deletion.
#include "storage/sqlite_internal.hpp"

namespace usersvc {

namespace {
const char* columnOf(ImageSlot slot) { return slot == ImageSlot::Avatar ? "avatar" : "cover_image"; }

bool isLocalReference(const std::string& ref) {
    return !ref.empty() && ref.rfind("http://", 0) != 0 && ref.rfind("https://", 0) != 0;
}
} // namespace

bool SqliteStore::rotateRefresh(const std::string& sessionId, const std::string& oldHash,
                                const SessionRecord& next) {
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
        retire.bind(1, oldHash);
        retire.bind(2, sessionId);
        retire.bind(3, static_cast<int64_t>(next.lastUsedAtMs));
        retire.exec();
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
        q.bind(1, refreshHash);
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
        q.bind(1, userId);
        q.bind(2, static_cast<int64_t>(nowMs));
        std::vector<SessionRecord> out;
        while (q.executeStep()) out.push_back(readSession(q));
        return out;
    });
}

int SqliteStore::setPasswordHash(const std::string& userId, const std::string& hash, std::int64_t nowMs,
                                 const std::string& keepSessionId) {
    return guarded([&] {
        Lease lease(*this);
        auto& db = lease.db();
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        auto& update = lease.statement("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?");
        update.bind(1, hash);
        update.bind(2, static_cast<int64_t>(nowMs));
        update.bind(3, userId);
        if (update.exec() != 1) throw Error(Code::NotFound, "No such user");
        auto& revoke = lease.statement("UPDATE sessions SET revoked_at = ? "
                                     "WHERE user_id = ? AND revoked_at IS NULL AND id <> ?");
        revoke.bind(1, static_cast<int64_t>(nowMs));
        revoke.bind(2, userId);
        revoke.bind(3, keepSessionId);
        int revoked = revoke.exec();
        tx.commit();
        return revoked;
    });
}

UserRecord SqliteStore::updateProfile(const std::string& userId, const ProfileChange& change,
                                      std::int64_t nowMs) {
    return guarded([&] {
        Lease lease(*this);
        auto& db = lease.db();
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        std::vector<FieldError> taken;
        auto takenBy = [&](const char* column, const std::string& value) {
            auto& q = lease.statement(std::string("SELECT 1 FROM users WHERE ") + column + " = ? AND id <> ?");
            q.bind(1, value);
            q.bind(2, userId);
            return q.executeStep();
        };
        if (change.username && takenBy("username", *change.username))
            taken.push_back({"username", "Username is already taken"});
        if (change.email && takenBy("email", *change.email)) taken.push_back({"email", "Email is already registered"});
        if (!taken.empty()) throw Error(Code::Conflict, "Username or email already in use", taken);

        auto& update = lease.statement("UPDATE users SET username = coalesce(?, username), email = coalesce(?, email),"
                                     " full_name = coalesce(?, full_name), updated_at = ? WHERE id = ?");
        auto bindOptional = [&](int index, const std::optional<std::string>& value) {
            if (value) update.bind(index, *value);
            else update.bind(index);
        };
        bindOptional(1, change.username);
        bindOptional(2, change.email);
        bindOptional(3, change.fullName);
        update.bind(4, static_cast<int64_t>(nowMs));
        update.bind(5, userId);
        if (update.exec() != 1) throw Error(Code::NotFound, "No such user");
        auto& q = lease.statement(std::string("SELECT ") + kUserColumns + " FROM users u WHERE u.id = ?");
        q.bind(1, userId);
        q.executeStep();
        UserRecord updated = readUser(q);
        q.reset();
        tx.commit();
        return updated;
    });
}

std::string SqliteStore::replaceImage(const std::string& userId, ImageSlot slot, const std::string& reference,
                                      std::int64_t nowMs, const WriteHooks& hooks) {
    return guarded([&] {
        Lease lease(*this);
        auto& db = lease.db();
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        const char* column = columnOf(slot);
        auto& current = lease.statement(std::string("SELECT ") + column + " FROM users WHERE id = ?");
        current.bind(1, userId);
        if (!current.executeStep()) throw Error(Code::NotFound, "No such user");
        std::string previous = current.getColumn(0).getString();
        current.reset();
        auto& update = lease.statement(std::string("UPDATE users SET ") + column + " = ?, updated_at = ? WHERE id = ?");
        update.bind(1, reference);
        update.bind(2, static_cast<int64_t>(nowMs));
        update.bind(3, userId);
        update.exec();
        commitWithHooks(tx, hooks);
        return previous;
    });
}

std::optional<UserRecord> SqliteStore::deleteUser(const std::string& userId) {
    return guarded([&]() -> std::optional<UserRecord> {
        Lease lease(*this);
        auto& db = lease.db();
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        auto& q = lease.statement(std::string("SELECT ") + kUserColumns + " FROM users u WHERE u.id = ?");
        q.bind(1, userId);
        if (!q.executeStep()) return std::nullopt;
        UserRecord user = readUser(q);
        q.reset();
        // Sessions, retired tokens, subscriptions both ways and history go by ON DELETE CASCADE.
        auto& del = lease.statement("DELETE FROM users WHERE id = ?");
        del.bind(1, userId);
        del.exec();
        tx.commit();
        return user;
    });
}

void SqliteStore::releaseMedia(const std::vector<std::string>& references,
                               const std::function<void(const std::string&)>& remove) {
    guarded([&] {
        Lease lease(*this);
        auto& db = lease.db();
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        for (const auto& ref : references) {
            if (!isLocalReference(ref)) continue;
            // The `<> ''` terms let SQLite use the partial indexes.
            auto& q = lease.statement("SELECT EXISTS (SELECT 1 FROM users WHERE avatar = ?1 AND avatar <> '')"
                                    " OR EXISTS (SELECT 1 FROM users WHERE cover_image = ?1 AND cover_image <> '')");
            q.bind(1, ref);
            q.executeStep();
            if (q.getColumn(0).getInt() == 0) remove(ref);
        }
        tx.commit();
    });
}

} // namespace usersvc
