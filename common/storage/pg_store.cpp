// PgStore: connecting, the connection pool and write transactions. The
// database option is read in database_url.cpp; the tables' statements are in pg_users.cpp,
// pg_sessions.cpp, pg_social.cpp and pg_maintenance.cpp.
#include "storage/database_url.hpp"
#include "storage/pg_internal.hpp"
#include "storage/pg_schema.hpp"

namespace usersvc {

PgStore::PgStore(std::string url, std::size_t maxConnections, int lockTimeoutMs)
    : url_(std::move(url)), maxConnections_(maxConnections == 0 ? 1 : maxConnections), lockTimeoutMs_(lockTimeoutMs) {
    pgGuarded([&] {
        auto connection = openConnection();
        pgMigrate(connection->db);
        idle_.push_back(std::move(connection));
        open_ = 1;
    });
    attempts_ = std::make_unique<PgAttemptWindows>(*this);
}

PgStore::~PgStore() = default;

std::unique_ptr<PgStore::Connection> PgStore::openConnection() {
    std::unique_ptr<Connection> connection;
    try {
        connection = std::make_unique<Connection>(url_);
    } catch (const pqxx::broken_connection& e) {
        // libpq's reason (host, refused, authentication) without the URL itself.
        throw Error(
            Code::Unavailable, "cannot connect to PostgreSQL at " + redactedDatabaseUrl(url_) + ": " + e.what());
    }
    // A wait for a row or the write lock ends as "busy" (503) like SQLite's
    // busy timeout, instead of holding the request forever.
    pqxx::nontransaction tx(connection->db);
    tx.exec("SET lock_timeout = " + std::to_string(lockTimeoutMs_));
    tx.exec("SET application_name = 'usersvc'");
    return connection;
}

void PgStore::dropIdleConnections() {
    std::vector<std::unique_ptr<Connection>> dropped;
    {
        std::lock_guard lock(poolMutex_);
        dropped.swap(idle_);
        open_ -= dropped.size();
    }
    poolFreed_.notify_all();
    // `dropped` closes them here, outside the pool's lock.
}

std::unique_ptr<WriteTransaction> PgStore::beginWrite() {
    return pgGuarded(
        [&]() -> std::unique_ptr<WriteTransaction> { return std::make_unique<PgWriteTransaction>(*this); });
}

void PgWriteTransaction::commit() {
    pgGuarded([&] { work_.commit(); });
}

} // namespace usersvc
