#pragma once
// Shared by the SqliteStore source files only: column lists, row readers, the
// connection lease and the mapping of SQLite failures to usersvc::Error.
#include "domain/error.hpp"
#include "storage/columns.hpp"
#include "storage/sqlite_store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <SQLiteCpp/VariadicBind.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace usersvc {

inline UserRecord readUser(SQLite::Statement& q, int first = 0) {
    UserRecord u;
    u.id = q.getColumn(first + 0).getString();
    u.username = q.getColumn(first + 1).getString();
    u.email = q.getColumn(first + 2).getString();
    u.fullName = q.getColumn(first + 3).getString();
    u.avatar = q.getColumn(first + 4).getString();
    u.coverImage = q.getColumn(first + 5).getString();
    u.createdAtMs = q.getColumn(first + 6).getInt64();
    u.updatedAtMs = q.getColumn(first + 7).getInt64();
    u.passwordHash = q.getColumn(first + 8).getString();
    return u;
}

inline SessionRecord readSession(SQLite::Statement& q) {
    SessionRecord s;
    s.id = q.getColumn(0).getString();
    s.userId = q.getColumn(1).getString();
    s.refreshHash = q.getColumn(2).getString();
    s.createdAtMs = q.getColumn(3).getInt64();
    s.lastUsedAtMs = q.getColumn(4).getInt64();
    s.expiresAtMs = q.getColumn(5).getInt64();
    if (!q.getColumn(6).isNull()) s.revokedAtMs = q.getColumn(6).getInt64();
    s.userAgent = q.getColumn(7).getString();
    s.clientAddress = q.getColumn(8).getString();
    if (!q.getColumn(9).isNull()) s.previousRefreshHash = q.getColumn(9).getString();
    if (!q.getColumn(10).isNull()) s.rotatedAtMs = q.getColumn(10).getInt64();
    if (!q.getColumn(11).isNull()) {
        const auto& blob = q.getColumn(11);
        s.replaySealed.assign(static_cast<const char*>(blob.getBlob()), static_cast<std::size_t>(blob.getBytes()));
    }
    return s;
}

// Store failures reach clients as a generic 500/503; the detail goes to the log.
[[noreturn]] inline void rethrowAsError(const SQLite::Exception& e) {
    int code = e.getErrorCode() & 0xFF;
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        throw Error(Code::Unavailable, std::string("the store is busy: ") + e.what());
    if (code == SQLITE_FULL) throw Error(Code::Internal, std::string("the disk is full: ") + e.what());
    if (code == SQLITE_READONLY || code == SQLITE_CANTOPEN || code == SQLITE_PERM)
        throw Error(Code::Internal, std::string("the store is not writable: ") + e.what());
    throw Error(Code::Internal, std::string("store error: ") + e.what());
}

template <typename F> auto guarded(F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const SQLite::Exception& e) {
        rethrowAsError(e);
    }
}

// Binds `value`, or NULL when there is none.
inline void bindOptional(SQLite::Statement& statement, int index, const std::optional<std::string>& value) {
    if (value)
        statement.bind(index, *value);
    else
        statement.bind(index);
}

inline constexpr const char* kInsertUser =
    "INSERT INTO users (id, username, email, full_name, password_hash, avatar, cover_image, created_at,"
    " updated_at) VALUES (?,?,?,?,?,?,?,?,?)";

// Binds a user row to kInsertUser's nine parameters.
inline void bindUserRow(SQLite::Statement& insert, const UserRecord& u) {
    insert.bind(1, u.id);
    insert.bind(2, u.username);
    insert.bind(3, u.email);
    insert.bind(4, u.fullName);
    insert.bind(5, u.passwordHash);
    insert.bind(6, u.avatar);
    insert.bind(7, u.coverImage);
    insert.bind(8, static_cast<int64_t>(u.createdAtMs));
    insert.bind(9, static_cast<int64_t>(u.updatedAtMs));
}

// One pooled connection and the statements prepared on it. Preparing is a
// large share of a cheap request's cost, so statements are kept per SQL text.
struct SqliteStore::Connection {
    std::unique_ptr<SQLite::Database> db;
    std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> statements;
};

// Borrows one pooled connection for the lifetime of the lease. Every statement
// handed out is reset when the lease ends, so none keeps a read transaction
// (and with it an old snapshot) open between requests.
class SqliteStore::Lease {
public:
    explicit Lease(SqliteStore& store) : store_(store) {
        {
            std::lock_guard lock(store_.poolMutex_);
            if (!store_.idle_.empty()) {
                connection_ = std::move(store_.idle_.back());
                store_.idle_.pop_back();
            }
        }
        if (!connection_) connection_ = store_.openConnection();
    }
    ~Lease() {
        for (auto* statement : used_)
            statement->tryReset();
        std::lock_guard lock(store_.poolMutex_);
        store_.idle_.push_back(std::move(connection_));
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    SQLite::Database& db() { return *connection_->db; }

    // A prepared statement for `sql`, reset and with no bindings.
    SQLite::Statement& statement(const std::string& sql) {
        auto& slot = connection_->statements[sql];
        if (!slot)
            slot = std::make_unique<SQLite::Statement>(*connection_->db, sql);
        else {
            slot->tryReset();
            slot->clearBindings();
        }
        used_.push_back(slot.get());
        return *slot;
    }

private:
    SqliteStore& store_;
    std::unique_ptr<Connection> connection_;
    std::vector<SQLite::Statement*> used_;
};

// Users-table statements shared by the store and its write transaction
// (sqlite_users.cpp). The unique fields of `user` ("_id", "username", "email")
// that a user other than `exceptId` holds; an absent value is not compared.
std::vector<std::string> takenUniqueFields(SqliteStore::Lease& lease, const std::optional<std::string>& id,
    const std::optional<std::string>& username, const std::optional<std::string>& email,
    const std::string& exceptId = "");

// BEGIN IMMEDIATE on one leased connection until commit or destruction (which
// rolls back). Members go in reverse order: the transaction ends before the
// connection returns to the pool.
class SqliteWriteTransaction final : public WriteTransaction {
public:
    explicit SqliteWriteTransaction(SqliteStore& store)
        : lease_(store), tx_(lease_.db(), SQLite::TransactionBehavior::IMMEDIATE) {}

    void insertUser(const UserRecord& user) override;
    std::optional<std::string> setImage(
        const std::string& userId, ImageSlot slot, const std::string& reference, std::int64_t nowMs) override;
    bool isMediaReferenced(const std::string& reference) override;
    void enqueueMessage(const OutboxMessage& message) override;
    void commit() override;

private:
    SqliteStore::Lease lease_;
    SQLite::Transaction tx_;
};

} // namespace usersvc
