// PgStore: the users table (lookups, profile, password, deletion, listing) and
// the users-table writes of a write transaction.
#include "storage/pg_internal.hpp"

#include <algorithm>

namespace usersvc {

namespace {
const char* columnOf(ImageSlot slot) {
    return slot == ImageSlot::Avatar ? "avatar" : "cover_image";
}

// A prefix is compared bytewise (COLLATE "C", indexed by migration 4), so a
// range is exactly "starts with"; PostgreSQL's planner, which keeps
// statistics, chooses between the indexes and reading in id order.
constexpr const char* kPrefixMatch =
    "((u.username COLLATE \"C\" >= $3 AND u.username COLLATE \"C\" < $4)"
    " OR (u.email COLLATE \"C\" >= $3 AND u.email COLLATE \"C\" < $4)"
    " OR (lower(u.full_name) COLLATE \"C\" >= $3 AND lower(u.full_name) COLLATE \"C\" < $4))";
constexpr const char* kSubstringMatch = "($3 = '' OR u.username ILIKE $4 ESCAPE '\\' OR u.email ILIKE $4 ESCAPE '\\'"
                                        " OR u.full_name ILIKE $4 ESCAPE '\\')";

// listUsers reads the users in pages of this many, by id: memory does not grow
// with the store, and no cursor holds a transaction open while the caller works.
constexpr std::int64_t kListPage = 500;
} // namespace

std::vector<std::string> pgTakenUniqueFields(PgLockedWork& work, const std::optional<std::string>& id,
    const std::optional<std::string>& username, const std::optional<std::string>& email, const std::string& exceptId) {
    auto rows = work.run("SELECT coalesce(id = $1, false), coalesce(username = $2, false), coalesce(email = $3, false)"
                         " FROM users WHERE (id = $1 OR username = $2 OR email = $3) AND id <> $4",
        orNull(id), orNull(username), orNull(email), exceptId);
    bool idTaken = false, usernameTaken = false, emailTaken = false;
    for (const auto& row : rows) {
        idTaken |= row[0].as<bool>();
        usernameTaken |= row[1].as<bool>();
        emailTaken |= row[2].as<bool>();
    }
    std::vector<std::string> fields;
    if (idTaken) fields.push_back("_id");
    if (usernameTaken) fields.push_back("username");
    if (emailTaken) fields.push_back("email");
    return fields;
}

void PgWriteTransaction::insertUser(const UserRecord& u) {
    pgGuarded([&] {
        // Under the write lock nobody can take a name between this check and the insert.
        auto taken = pgTakenUniqueFields(work_, u.id, u.username, u.email);
        if (!taken.empty()) throw UniqueConflict(taken);
        work_.run(kPgInsertUser, u.id, u.username, u.email, u.fullName, u.passwordHash, u.avatar, u.coverImage,
            u.createdAtMs, u.updatedAtMs);
    });
}

std::optional<std::string> PgWriteTransaction::setImage(
    const std::string& userId, ImageSlot slot, const std::string& reference, std::int64_t nowMs) {
    return pgGuarded([&]() -> std::optional<std::string> {
        const char* column = columnOf(slot);
        auto current = work_.run(std::string("SELECT ") + column + " FROM users WHERE id = $1", userId);
        if (current.empty()) return std::nullopt;
        std::string previous = current[0][0].c_str();
        work_.run(std::string("UPDATE users SET ") + column + " = $1, updated_at = $2 WHERE id = $3", reference, nowMs,
            userId);
        return previous;
    });
}

bool PgWriteTransaction::isMediaReferenced(const std::string& reference) {
    return pgGuarded([&] {
        // The `<> ''` terms let PostgreSQL use the partial indexes.
        auto rows = work_.run("SELECT EXISTS (SELECT 1 FROM users WHERE avatar = $1 AND avatar <> '')"
                              " OR EXISTS (SELECT 1 FROM users WHERE cover_image = $1 AND cover_image <> '')",
            reference);
        return rows[0][0].as<bool>();
    });
}

// `column` is one of a fixed set of names chosen in this file, never input.
std::optional<UserRecord> PgStore::findUserBy(const char* column, const std::string& value) {
    return pgGuarded([&]() -> std::optional<UserRecord> {
        auto rows =
            runAlone(*this, std::string("SELECT ") + kUserColumns + " FROM users u WHERE u." + column + " = $1", value);
        if (rows.empty()) return std::nullopt;
        return readUser(rows[0]);
    });
}

std::optional<UserRecord> PgStore::findUserById(const std::string& id) {
    return findUserBy("id", id);
}
std::optional<UserRecord> PgStore::findUserByUsername(const std::string& username) {
    return findUserBy("username", username);
}
std::optional<UserRecord> PgStore::findUserByEmail(const std::string& email) {
    return findUserBy("email", email);
}

std::optional<UserRecord> PgStore::updateProfile(
    const std::string& userId, const ProfileChange& change, std::int64_t nowMs) {
    return pgGuarded([&]() -> std::optional<UserRecord> {
        PgLockedWork work(*this);
        auto taken = pgTakenUniqueFields(work, std::nullopt, change.username, change.email, userId);
        if (!taken.empty()) throw UniqueConflict(taken);
        auto rows = work.run(std::string("UPDATE users u SET username = coalesce($1, username),"
                                         " email = coalesce($2, email), full_name = coalesce($3, full_name),"
                                         " updated_at = $4 WHERE id = $5 RETURNING ") +
                                 kUserColumns,
            orNull(change.username), orNull(change.email), orNull(change.fullName), nowMs, userId);
        if (rows.empty()) return std::nullopt;
        UserRecord updated = readUser(rows[0]);
        work.commit();
        return updated;
    });
}

std::optional<int> PgStore::setPasswordHash(
    const std::string& userId, const std::string& hash, std::int64_t nowMs, const std::string& keepSessionId) {
    return pgGuarded([&]() -> std::optional<int> {
        PgLockedWork work(*this);
        auto updated =
            work.run("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3", hash, nowMs, userId);
        if (updated.affected_rows() != 1) return std::nullopt;
        auto revoked =
            work.run("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND id <> $3",
                nowMs, userId, keepSessionId);
        work.commit();
        return static_cast<int>(revoked.affected_rows());
    });
}

bool PgStore::replacePasswordHash(const std::string& userId, const std::string& oldHash, const std::string& newHash) {
    return pgGuarded([&] {
        auto rows = runAlone(*this, "UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3", newHash,
            userId, oldHash);
        return rows.affected_rows() == 1;
    });
}

std::optional<UserRecord> PgStore::deleteUser(const std::string& userId) {
    return pgGuarded([&]() -> std::optional<UserRecord> {
        // Sessions, retired tokens, subscriptions both ways and history go by ON DELETE CASCADE.
        PgLockedWork work(*this);
        auto rows = work.run(std::string("DELETE FROM users u WHERE u.id = $1 RETURNING ") + kUserColumns, userId);
        if (rows.empty()) return std::nullopt;
        UserRecord user = readUser(rows[0]);
        work.commit();
        return user;
    });
}

void PgStore::listUsers(
    const UserQuery& query, std::int64_t nowMs, const std::function<bool(const UserListing&)>& each) {
    pgGuarded([&] {
        bool prefix = query.prefix && !query.search.empty();
        auto range = prefixRange(query.search);
        std::string after = query.afterId;
        std::int64_t left = query.limit; // -1: no limit
        while (left != 0) {
            std::int64_t page = left < 0 ? kListPage : std::min(left, kListPage);
            auto rows = runAlone(*this,
                std::string("SELECT ") + kUserColumns + ", " + kPgListingCounts + " FROM users u WHERE u.id > $2 AND " +
                    (prefix ? kPrefixMatch : kSubstringMatch) + " ORDER BY u.id LIMIT $5",
                nowMs, after, prefix ? range.from : query.search, prefix ? range.to : likePattern(query.search), page);
            for (const auto& row : rows) {
                UserListing listing;
                listing.user = readUser(row);
                listing.openSessions = row[kUserColumnCount].as<std::int64_t>();
                listing.subscribers = row[kUserColumnCount + 1].as<std::int64_t>();
                if (!each(listing)) return;
            }
            if (static_cast<std::int64_t>(rows.size()) < page) return;
            after = rows[rows.size() - 1][0].c_str();
            if (left > 0) left -= page;
        }
    });
}

std::int64_t PgStore::countUsers() {
    return pgGuarded([&] { return runAlone(*this, "SELECT count(*) FROM users")[0][0].as<std::int64_t>(); });
}

} // namespace usersvc
