// SqliteStore: the users table (lookups, profile, password, deletion, listing)
// and the users-table writes of a write transaction.
#include "storage/sqlite_internal.hpp"

namespace usersvc {

namespace {
const char* columnOf(ImageSlot slot) {
    return slot == ImageSlot::Avatar ? "avatar" : "cover_image";
}

// A prefix search reads its page one of two ways. Few matches: gather them
// through the three indexes, then order by id. Many: read users in id order
// and keep the matching ones, which are dense enough to fill a page fast. The
// line between is this many matches in any one field (at 1,000,000 users, the
// slower of the two answers in a few milliseconds either side of it).
constexpr int kSelectiveMatches = 2000;

constexpr const char* kPrefixMatch = "((u.username >= ?3 AND u.username < ?4) OR (u.email >= ?3 AND u.email < ?4)"
                                     " OR (lower(u.full_name) >= ?3 AND lower(u.full_name) < ?4))";
constexpr const char* kPrefixMatchByIndexes =
    "u.id IN (SELECT id FROM users WHERE username >= ?3 AND username < ?4 UNION SELECT id FROM users"
    " WHERE email >= ?3 AND email < ?4 UNION SELECT id FROM users WHERE lower(full_name) >= ?3"
    " AND lower(full_name) < ?4)";
constexpr const char* kSubstringMatch = "(?3 = '' OR u.username LIKE ?4 ESCAPE '\\' OR u.email LIKE ?4 ESCAPE '\\'"
                                        " OR u.full_name LIKE ?4 ESCAPE '\\')";

bool fewPrefixMatches(SqliteStore::Lease& lease, const PrefixRange& range) {
    auto& q = lease.statement(
        "SELECT max((SELECT count(*) FROM (SELECT 1 FROM users WHERE username >= ?1 AND username < ?2 LIMIT ?3)),"
        " (SELECT count(*) FROM (SELECT 1 FROM users WHERE email >= ?1 AND email < ?2 LIMIT ?3)),"
        " (SELECT count(*) FROM (SELECT 1 FROM users WHERE lower(full_name) >= ?1 AND lower(full_name) < ?2"
        " LIMIT ?3)))");
    SQLite::bind(q, range.from, range.to, kSelectiveMatches);
    q.executeStep();
    bool few = q.getColumn(0).getInt() < kSelectiveMatches;
    q.reset();
    return few;
}
} // namespace

std::vector<std::string> takenUniqueFields(SqliteStore::Lease& lease, const std::optional<std::string>& id,
    const std::optional<std::string>& username, const std::optional<std::string>& email, const std::string& exceptId) {
    auto& q = lease.statement("SELECT coalesce(id = ?1, 0), coalesce(username = ?2, 0), coalesce(email = ?3, 0)"
                              " FROM users WHERE (id = ?1 OR username = ?2 OR email = ?3) AND id <> ?4");
    bindOptional(q, 1, id);
    bindOptional(q, 2, username);
    bindOptional(q, 3, email);
    q.bind(4, exceptId);
    bool idTaken = false, usernameTaken = false, emailTaken = false;
    while (q.executeStep()) {
        idTaken |= q.getColumn(0).getInt() != 0;
        usernameTaken |= q.getColumn(1).getInt() != 0;
        emailTaken |= q.getColumn(2).getInt() != 0;
    }
    q.reset();
    std::vector<std::string> fields;
    if (idTaken) fields.push_back("_id");
    if (usernameTaken) fields.push_back("username");
    if (emailTaken) fields.push_back("email");
    return fields;
}

void SqliteWriteTransaction::insertUser(const UserRecord& u) {
    guarded([&] {
        auto taken = takenUniqueFields(lease_, u.id, u.username, u.email);
        if (!taken.empty()) throw UniqueConflict(taken);
        auto& insert = lease_.statement(kInsertUser);
        bindUserRow(insert, u);
        insert.exec();
    });
}

std::optional<std::string> SqliteWriteTransaction::setImage(
    const std::string& userId, ImageSlot slot, const std::string& reference, std::int64_t nowMs) {
    return guarded([&]() -> std::optional<std::string> {
        const char* column = columnOf(slot);
        auto& current = lease_.statement(std::string("SELECT ") + column + " FROM users WHERE id = ?");
        SQLite::bind(current, userId);
        if (!current.executeStep()) return std::nullopt;
        std::string previous = current.getColumn(0).getString();
        current.reset();
        auto& update =
            lease_.statement(std::string("UPDATE users SET ") + column + " = ?, updated_at = ? WHERE id = ?");
        SQLite::bind(update, reference, static_cast<int64_t>(nowMs), userId);
        update.exec();
        return previous;
    });
}

bool SqliteWriteTransaction::isMediaReferenced(const std::string& reference) {
    return guarded([&] {
        // The `<> ''` terms let SQLite use the partial indexes.
        auto& q = lease_.statement("SELECT EXISTS (SELECT 1 FROM users WHERE avatar = ?1 AND avatar <> '')"
                                   " OR EXISTS (SELECT 1 FROM users WHERE cover_image = ?1 AND cover_image <> '')");
        SQLite::bind(q, reference);
        q.executeStep();
        bool referenced = q.getColumn(0).getInt() != 0;
        q.reset();
        return referenced;
    });
}

// `column` is one of a fixed set of names chosen in this file, never input.
std::optional<UserRecord> SqliteStore::findUserBy(const char* column, const std::string& value) {
    return guarded([&]() -> std::optional<UserRecord> {
        Lease lease(*this);
        auto& q = lease.statement(std::string("SELECT ") + kUserColumns + " FROM users u WHERE u." + column + " = ?");
        SQLite::bind(q, value);
        if (!q.executeStep()) return std::nullopt;
        return readUser(q);
    });
}

std::optional<UserRecord> SqliteStore::findUserById(const std::string& id) {
    return findUserBy("id", id);
}
std::optional<UserRecord> SqliteStore::findUserByUsername(const std::string& username) {
    return findUserBy("username", username);
}
std::optional<UserRecord> SqliteStore::findUserByEmail(const std::string& email) {
    return findUserBy("email", email);
}

std::optional<UserRecord> SqliteStore::updateProfile(
    const std::string& userId, const ProfileChange& change, std::int64_t nowMs) {
    return guarded([&]() -> std::optional<UserRecord> {
        Lease lease(*this);
        auto& db = lease.db();
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        auto taken = takenUniqueFields(lease, std::nullopt, change.username, change.email, userId);
        if (!taken.empty()) throw UniqueConflict(taken);

        auto& update = lease.statement("UPDATE users SET username = coalesce(?, username), email = coalesce(?, email),"
                                       " full_name = coalesce(?, full_name), updated_at = ? WHERE id = ?");
        bindOptional(update, 1, change.username);
        bindOptional(update, 2, change.email);
        bindOptional(update, 3, change.fullName);
        update.bind(4, static_cast<int64_t>(nowMs));
        update.bind(5, userId);
        if (update.exec() != 1) return std::nullopt;
        auto& q = lease.statement(std::string("SELECT ") + kUserColumns + " FROM users u WHERE u.id = ?");
        SQLite::bind(q, userId);
        q.executeStep();
        UserRecord updated = readUser(q);
        q.reset();
        tx.commit();
        return updated;
    });
}

std::optional<int> SqliteStore::setPasswordHash(
    const std::string& userId, const std::string& hash, std::int64_t nowMs, const std::string& keepSessionId) {
    return guarded([&]() -> std::optional<int> {
        Lease lease(*this);
        auto& db = lease.db();
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        auto& update = lease.statement("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?");
        SQLite::bind(update, hash, static_cast<int64_t>(nowMs), userId);
        if (update.exec() != 1) return std::nullopt;
        auto& revoke = lease.statement("UPDATE sessions SET revoked_at = ? "
                                       "WHERE user_id = ? AND revoked_at IS NULL AND id <> ?");
        SQLite::bind(revoke, static_cast<int64_t>(nowMs), userId, keepSessionId);
        int revoked = revoke.exec();
        tx.commit();
        return revoked;
    });
}

bool SqliteStore::replacePasswordHash(
    const std::string& userId, const std::string& oldHash, const std::string& newHash) {
    return guarded([&] {
        Lease lease(*this);
        auto& q = lease.statement("UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?");
        SQLite::bind(q, newHash, userId, oldHash);
        return q.exec() == 1;
    });
}

std::optional<UserRecord> SqliteStore::deleteUser(const std::string& userId) {
    return guarded([&]() -> std::optional<UserRecord> {
        Lease lease(*this);
        auto& db = lease.db();
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        auto& q = lease.statement(std::string("SELECT ") + kUserColumns + " FROM users u WHERE u.id = ?");
        SQLite::bind(q, userId);
        if (!q.executeStep()) return std::nullopt;
        UserRecord user = readUser(q);
        q.reset();
        // Sessions, retired tokens, subscriptions both ways and history go by ON DELETE CASCADE.
        auto& del = lease.statement("DELETE FROM users WHERE id = ?");
        SQLite::bind(del, userId);
        del.exec();
        tx.commit();
        return user;
    });
}

void SqliteStore::listUsers(
    const UserQuery& query, std::int64_t nowMs, const std::function<bool(const UserListing&)>& each) {
    guarded([&] {
        Lease lease(*this);
        bool prefix = query.prefix && !query.search.empty();
        auto range = prefixRange(query.search);
        const char* match =
            !prefix ? kSubstringMatch : (fewPrefixMatches(lease, range) ? kPrefixMatchByIndexes : kPrefixMatch);
        auto& q = lease.statement(std::string("SELECT ") + kUserColumns +
                                  ", (SELECT count(*) FROM sessions s WHERE s.user_id = u.id AND s.revoked_at IS NULL"
                                  " AND s.expires_at > ?1), (SELECT count(*) FROM subscriptions c"
                                  " WHERE c.channel_id = u.id) FROM users u WHERE u.id > ?2 AND " +
                                  match + " ORDER BY u.id LIMIT ?5");
        SQLite::bind(q, static_cast<int64_t>(nowMs), query.afterId, prefix ? range.from : query.search,
            prefix ? range.to : likePattern(query.search), static_cast<int64_t>(query.limit));
        while (q.executeStep()) {
            UserListing row;
            row.user = readUser(q);
            row.openSessions = q.getColumn(9).getInt64();
            row.subscribers = q.getColumn(10).getInt64();
            if (!each(row)) break;
        }
    });
}

std::int64_t SqliteStore::countUsers() {
    return guarded([&] {
        Lease lease(*this);
        return lease.db().execAndGet("SELECT count(*) FROM users").getInt64();
    });
}

} // namespace usersvc
