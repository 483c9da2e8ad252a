#pragma once
// Shared by the PgStore source files only: the connection lease, prepared
// statements, row readers, the store-wide write lock and the mapping of
// PostgreSQL failures to usersvc::Error.
#include "domain/error.hpp"
#include "storage/columns.hpp"
#include "storage/pg_store.hpp"

#include <pqxx/pqxx>

#include <chrono>
#include <string>
#include <unordered_map>

namespace usersvc {

// The advisory lock every multi-statement write takes first, in every instance:
// held to the end of its transaction (pg_advisory_xact_lock), so writers take
// turns as on SQLite. A different number from the migration lock's.
inline constexpr const char* kTakeWriteLock = "SELECT pg_advisory_xact_lock(7572657273766377)";

// Server errors by SQLSTATE: waiting too long for a lock, a connection lost or
// a server shutting down are "try again" (503); the rest is a 500. The text
// goes to the log; no parameter value is part of it.
[[noreturn]] inline void rethrowAsError(const pqxx::sql_error& e) {
    const std::string& state = e.sqlstate();
    if (state == "55P03" || state == "40001" || state == "40P01" || state.rfind("57P", 0) == 0 ||
        state.rfind("53", 0) == 0 || state.rfind("08", 0) == 0)
        throw Error(Code::Unavailable, std::string("the store is busy: ") + e.what());
    throw Error(Code::Internal, std::string("store error: ") + e.what());
}

template <typename F> auto pgGuarded(F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const pqxx::broken_connection& e) {
        throw Error(Code::Unavailable, std::string("the store is unreachable: ") + e.what());
    } catch (const pqxx::sql_error& e) {
        rethrowAsError(e);
    } catch (const pqxx::in_doubt_error& e) {
        throw Error(Code::Unavailable, std::string("the store lost its connection during a commit: ") + e.what());
    }
}

// NULL when there is no value (libpqxx sends a null pointer as NULL).
inline const char* orNull(const std::optional<std::string>& value) {
    return value ? value->c_str() : nullptr;
}

inline UserRecord readUser(const pqxx::row& row, int first = 0) {
    UserRecord u;
    u.id = row[first + 0].c_str();
    u.username = row[first + 1].c_str();
    u.email = row[first + 2].c_str();
    u.fullName = row[first + 3].c_str();
    u.avatar = row[first + 4].c_str();
    u.coverImage = row[first + 5].c_str();
    u.createdAtMs = row[first + 6].as<std::int64_t>();
    u.updatedAtMs = row[first + 7].as<std::int64_t>();
    u.passwordHash = row[first + 8].c_str();
    return u;
}

inline SessionRecord readSession(const pqxx::row& row) {
    SessionRecord s;
    s.id = row[0].c_str();
    s.userId = row[1].c_str();
    s.refreshHash = row[2].c_str();
    s.createdAtMs = row[3].as<std::int64_t>();
    s.lastUsedAtMs = row[4].as<std::int64_t>();
    s.expiresAtMs = row[5].as<std::int64_t>();
    if (!row[6].is_null()) s.revokedAtMs = row[6].as<std::int64_t>();
    s.userAgent = row[7].c_str();
    s.clientAddress = row[8].c_str();
    if (!row[9].is_null()) s.previousRefreshHash = row[9].c_str();
    if (!row[10].is_null()) s.rotatedAtMs = row[10].as<std::int64_t>();
    if (!row[11].is_null()) s.replaySealed = pqxx::binarystring(row[11]).str();
    return s;
}

// One pooled connection and the names of the statements prepared on it.
struct PgStore::Connection {
    explicit Connection(const std::string& url) : db(url) {}
    pqxx::connection db;
    std::unordered_map<std::string, std::string> prepared; // SQL text -> statement name
};

// Borrows one pooled connection for the lifetime of the lease, waiting for one
// while the pool is at its cap (up to the lock timeout, then 503). A
// connection that broke is dropped instead of going back.
class PgStore::Lease {
public:
    explicit Lease(PgStore& store) : store_(store) {
        std::unique_lock lock(store_.poolMutex_);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(store_.lockTimeoutMs_);
        while (store_.idle_.empty() && store_.open_ >= store_.maxConnections_)
            if (store_.poolFreed_.wait_until(lock, deadline) == std::cv_status::timeout)
                throw Error(Code::Unavailable, "the store is busy: every database connection is in use");
        if (!store_.idle_.empty()) {
            connection_ = std::move(store_.idle_.back());
            store_.idle_.pop_back();
            reused_ = true;
            return;
        }
        ++store_.open_;
        lock.unlock();
        try {
            connection_ = store_.openConnection();
        } catch (...) {
            std::lock_guard relock(store_.poolMutex_);
            --store_.open_;
            store_.poolFreed_.notify_one();
            throw;
        }
    }
    ~Lease() {
        bool broken = !connection_->db.is_open();
        {
            std::lock_guard lock(store_.poolMutex_);
            if (broken)
                --store_.open_;
            else
                store_.idle_.push_back(std::move(connection_));
            store_.poolFreed_.notify_one();
        }
        // The server closed a pooled connection (a restart, a failover, an idle
        // timeout): it has most likely closed the idle ones too.
        if (broken && reused_) store_.dropIdleConnections();
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    pqxx::connection& db() { return connection_->db; }

    // Runs `sql` as a statement prepared once on this connection.
    template <typename... Args> pqxx::result run(pqxx::transaction_base& tx, const std::string& sql, Args&&... args) {
        auto& name = connection_->prepared[sql];
        if (name.empty()) {
            // Appended rather than "s" + to_string(): GCC 12's -Wrestrict misfires on that at -O2.
            name = "s";
            name += std::to_string(connection_->prepared.size());
            connection_->db.prepare(name, sql);
        }
        return tx.exec_prepared(name, std::forward<Args>(args)...);
    }

private:
    PgStore& store_;
    std::unique_ptr<Connection> connection_;
    bool reused_ = false;
};

// A lease with a transaction that holds the store-wide write lock (rolled back
// on destruction unless committed). Members go in reverse order: the
// transaction ends before the connection returns to the pool.
class PgLockedWork {
public:
    explicit PgLockedWork(PgStore& store) : lease_(store), tx_(lease_.db()) { lease_.run(tx_, kTakeWriteLock); }
    template <typename... Args> pqxx::result run(const std::string& sql, Args&&... args) {
        return lease_.run(tx_, sql, std::forward<Args>(args)...);
    }
    void commit() { tx_.commit(); }

private:
    PgStore::Lease lease_;
    pqxx::work tx_;
};

// A read or a one-statement write: no BEGIN/COMMIT, one round trip.
//
// A read that finds its pooled connection closed by the server (the lease then
// drops the idle ones too) runs again once on a new connection: it changed
// nothing. A write does not (it may have happened): it fails with 503 and the
// client, which knows, retries.
template <typename... Args> pqxx::result runAlone(PgStore& store, const std::string& sql, const Args&... args) {
    bool read = sql.rfind("SELECT", 0) == 0;
    for (int attempt = 0;; ++attempt) {
        try {
            PgStore::Lease lease(store);
            pqxx::nontransaction tx(lease.db());
            return lease.run(tx, sql, args...);
        } catch (const pqxx::broken_connection&) {
            if (!read || attempt > 0) throw;
        }
    }
}

// The unique fields of a user ("_id", "username", "email") that a user other
// than `exceptId` holds; an absent value is not compared (pg_users.cpp).
std::vector<std::string> pgTakenUniqueFields(PgLockedWork& work, const std::optional<std::string>& id,
    const std::optional<std::string>& username, const std::optional<std::string>& email,
    const std::string& exceptId = "");

// A user listing's counts, one subquery each, correlated with `u` (users)
// and `$1` (now). users.id is COLLATE "C" (bytewise id order, as on SQLite)
// while sessions.user_id and subscriptions.channel_id have the database's
// default collation; compared as they are, the two implicit collations
// conflict and neither table's index can serve the subquery, so each listed
// row scanned the whole table (420 ms a page of 50 at 1,000,000 users and
// 200,000 subscriptions). The COLLATE below lets the indexes serve it
// (tests/postgres/test_pg_schema.cpp checks the plan).
inline constexpr const char* kPgListingCounts =
    "(SELECT count(*) FROM sessions s WHERE s.user_id = u.id COLLATE \"default\" AND s.revoked_at IS NULL"
    " AND s.expires_at > $1), (SELECT count(*) FROM subscriptions c WHERE c.channel_id = u.id COLLATE \"default\")";

inline constexpr const char* kPgInsertUser =
    "INSERT INTO users (id, username, email, full_name, password_hash, avatar, cover_image, created_at,"
    " updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

// The login limiter's windows in table login_attempts (pg_attempts.cpp).
class PgAttemptWindows final : public AttemptWindows {
public:
    explicit PgAttemptWindows(PgStore& store) : store_(store) {}
    std::int64_t wait(const std::vector<AttemptLimit>& keys, std::int64_t nowMs, std::int64_t windowMs) override;
    std::int64_t reserve(const std::vector<AttemptLimit>& keys, std::int64_t nowMs, std::int64_t windowMs) override;
    void takeBack(const std::string& key) override;
    void clear(const std::string& key) override;
    void forgetStartedBefore(std::int64_t startMs) override;
    std::size_t trackedKeys() override;
    std::vector<AttemptWindow> openWindows(
        std::int64_t nowMs, std::int64_t windowMs, int minFailures, std::size_t max) override;

private:
    PgStore& store_;
};

class PgWriteTransaction final : public WriteTransaction {
public:
    explicit PgWriteTransaction(PgStore& store) : work_(store) {}
    void insertUser(const UserRecord& user) override;
    std::optional<std::string> setImage(
        const std::string& userId, ImageSlot slot, const std::string& reference, std::int64_t nowMs) override;
    bool isMediaReferenced(const std::string& reference) override;
    void enqueueMessage(const OutboxMessage& message) override;
    void commit() override;

    // images (PgImageRows, pg_images.cpp), as part of this transaction.
    bool putImage(const std::string& reference, const std::string& content);
    void deleteImage(const std::string& reference);

private:
    PgLockedWork work_;
};

} // namespace usersvc
