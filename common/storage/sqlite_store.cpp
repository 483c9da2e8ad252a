#include "storage/sqlite_store.hpp"

#include "domain/error.hpp"
#include "storage/sqlite_internal.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace usersvc {

SqliteStore::SqliteStore(std::filesystem::path dbFile, int busyTimeoutMs)
    : file_(std::move(dbFile)), busyTimeoutMs_(busyTimeoutMs) {
    // Create the file 0600 ourselves; SQLite gives -wal and -shm the same mode.
    int fd = ::open(file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        throw Error(Code::Internal, "cannot open the store " + file_.string() + ": " + std::strerror(errno));
    ::close(fd);
    guarded([&] {
        auto connection = openConnection();
        migrate(*connection->db);
        idle_.push_back(std::move(connection));
    });
}

SqliteStore::~SqliteStore() = default;

std::unique_ptr<SqliteStore::Connection> SqliteStore::openConnection() {
    auto connection = std::make_unique<Connection>();
    // NOMUTEX: a connection is only ever used by the thread that leased it.
    connection->db = std::make_unique<SQLite::Database>(
        file_.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX, busyTimeoutMs_);
    auto& db = *connection->db;
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=FULL");
    db.exec("PRAGMA foreign_keys=ON");
    return connection;
}

int SqliteStore::schemaVersion() {
    return guarded([&] {
        Lease lease(*this);
        return lease.db().execAndGet("PRAGMA user_version").getInt();
    });
}

void SqliteStore::createUser(const UserRecord& u, const WriteHooks& hooks) {
    guarded([&] {
        Lease lease(*this);
        auto& db = lease.db();
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        auto& taken = lease.statement("SELECT username = ?1, email = ?2 FROM users WHERE username = ?1 OR email = ?2");
        taken.bind(1, u.username);
        taken.bind(2, u.email);
        bool usernameTaken = false, emailTaken = false;
        while (taken.executeStep()) {
            usernameTaken |= taken.getColumn(0).getInt() != 0;
            emailTaken |= taken.getColumn(1).getInt() != 0;
        }
        std::vector<FieldError> fields;
        if (usernameTaken) fields.push_back({"username", "Username is already taken"});
        if (emailTaken) fields.push_back({"email", "Email is already registered"});
        if (!fields.empty()) throw Error(Code::Conflict, "User with this username or email already exists", fields);

        auto& insert = lease.statement(kInsertUser);
        bindUserRow(insert, u);
        insert.exec();
        // unpublish undoes only what publish created, so it is safe after a partial publish.
        commitWithHooks(tx, hooks);
    });
}


// `column` is one of a fixed set of names chosen in this file, never input.
std::optional<UserRecord> SqliteStore::findUserBy(const char* column, const std::string& value) {
    return guarded([&]() -> std::optional<UserRecord> {
        Lease lease(*this);
        auto& q = lease.statement(std::string("SELECT ") + kUserColumns + " FROM users u WHERE u." +
                                            column + " = ?");
        q.bind(1, value);
        if (!q.executeStep()) return std::nullopt;
        return readUser(q);
    });
}

std::optional<UserRecord> SqliteStore::findUserById(const std::string& id) { return findUserBy("id", id); }
std::optional<UserRecord> SqliteStore::findUserByUsername(const std::string& username) {
    return findUserBy("username", username);
}
std::optional<UserRecord> SqliteStore::findUserByEmail(const std::string& email) {
    return findUserBy("email", email);
}

void SqliteStore::createSession(const SessionRecord& s) {
    guarded([&] {
        Lease lease(*this);
        auto& insert = lease.statement("INSERT INTO sessions (id, user_id, refresh_hash, created_at, "
                                             "last_used_at, expires_at, user_agent, client_address) "
                                             "VALUES (?,?,?,?,?,?,?,?)");
        insert.bind(1, s.id);
        insert.bind(2, s.userId);
        insert.bind(3, s.refreshHash);
        insert.bind(4, static_cast<int64_t>(s.createdAtMs));
        insert.bind(5, static_cast<int64_t>(s.lastUsedAtMs));
        insert.bind(6, static_cast<int64_t>(s.expiresAtMs));
        insert.bind(7, s.userAgent);
        insert.bind(8, s.clientAddress);
        insert.exec();
    });
}

std::optional<SessionRecord> SqliteStore::findSession(const std::string& sessionId) {
    return guarded([&]() -> std::optional<SessionRecord> {
        Lease lease(*this);
        auto& q = lease.statement(std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE id = ?");
        q.bind(1, sessionId);
        if (!q.executeStep()) return std::nullopt;
        return readSession(q);
    });
}

std::optional<SessionRecord> SqliteStore::findSessionByRefreshHash(const std::string& refreshHash) {
    return guarded([&]() -> std::optional<SessionRecord> {
        Lease lease(*this);
        auto& q = lease.statement(std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE refresh_hash = ?");
        q.bind(1, refreshHash);
        if (!q.executeStep()) return std::nullopt;
        return readSession(q);
    });
}

std::optional<UserRecord> SqliteStore::findUserOfActiveSession(const std::string& sessionId,
                                                               std::int64_t nowMs) {
    return guarded([&]() -> std::optional<UserRecord> {
        Lease lease(*this);
        auto& q = lease.statement(std::string("SELECT ") + kUserColumns +
                                            " FROM sessions s JOIN users u ON u.id = s.user_id"
                                            " WHERE s.id = ? AND s.revoked_at IS NULL AND s.expires_at > ?");
        q.bind(1, sessionId);
        q.bind(2, static_cast<int64_t>(nowMs));
        if (!q.executeStep()) return std::nullopt;
        return readUser(q);
    });
}

bool SqliteStore::revokeSession(const std::string& sessionId, std::int64_t nowMs) {
    return guarded([&] {
        Lease lease(*this);
        auto& q = lease.statement("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
        q.bind(1, static_cast<int64_t>(nowMs));
        q.bind(2, sessionId);
        return q.exec() > 0;
    });
}

int SqliteStore::revokeUserSessions(const std::string& userId, std::int64_t nowMs,
                                    const std::string& keepSessionId) {
    return guarded([&] {
        Lease lease(*this);
        auto& q = lease.statement("UPDATE sessions SET revoked_at = ? "
                                        "WHERE user_id = ? AND revoked_at IS NULL AND id <> ?");
        q.bind(1, static_cast<int64_t>(nowMs));
        q.bind(2, userId);
        q.bind(3, keepSessionId);
        return q.exec();
    });
}

void SqliteStore::listUsers(const UserQuery& query, std::int64_t nowMs,
                            const std::function<bool(const UserListing&)>& each) {
    guarded([&] {
        Lease lease(*this);
        auto& q = lease.statement(
            std::string("SELECT ") + kUserColumns +
                ", (SELECT count(*) FROM sessions s WHERE s.user_id = u.id AND s.revoked_at IS NULL"
                " AND s.expires_at > ?1) FROM users u WHERE u.id > ?2 AND (?3 = '' OR u.username LIKE ?4"
                " ESCAPE '\\' OR u.email LIKE ?4 ESCAPE '\\' OR u.full_name LIKE ?4 ESCAPE '\\')"
                " ORDER BY u.id LIMIT ?5");
        q.bind(1, static_cast<int64_t>(nowMs));
        q.bind(2, query.afterId);
        q.bind(3, query.search);
        q.bind(4, likePattern(query.search));
        q.bind(5, static_cast<int64_t>(query.limit));
        while (q.executeStep()) {
            UserListing row;
            row.user = readUser(q);
            row.openSessions = q.getColumn(9).getInt64();
            if (!each(row)) break;
        }
    });
}

bool SqliteStore::ping() {
    try {
        Lease lease(*this);
        return lease.db().execAndGet("SELECT count(*) FROM sqlite_master").getInt() >= 0;
    } catch (const std::exception&) {
        return false;
    }
}

} // namespace usersvc
