// PgStore: connecting, the connection pool, write transactions, and reading a
// database option. The tables' statements are in pg_users.cpp,
// pg_sessions.cpp, pg_social.cpp and pg_maintenance.cpp.
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

bool isPostgresUrl(const std::string& database) {
    if (database.rfind("sqlite:", 0) == 0) return false;
    return database.rfind("postgres://", 0) == 0 || database.rfind("postgresql://", 0) == 0 ||
           database.find('=') != std::string::npos;
}

std::string redactedDatabaseUrl(const std::string& url) {
    std::string out = url;
    auto scheme = out.find("://");
    if (scheme != std::string::npos) {
        // scheme://user:password@host...: the password is between the first ':'
        // after the scheme and the last '@' before the path.
        auto authorityEnd = out.find_first_of("/?", scheme + 3);
        auto at = out.rfind('@', authorityEnd == std::string::npos ? std::string::npos : authorityEnd);
        if (at != std::string::npos && at > scheme) {
            auto colon = out.find(':', scheme + 3);
            if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
        }
    }
    // Keyword form and query parameters: password=... up to the next space or '&'.
    for (std::size_t at = 0; (at = out.find("password=", at)) != std::string::npos;) {
        auto start = at + 9;
        auto end = out.find_first_of(" &", start);
        out.replace(start, (end == std::string::npos ? out.size() : end) - start, "***");
        at = start + 3;
    }
    return out;
}

} // namespace usersvc
