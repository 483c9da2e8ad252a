#pragma once
// The stores every contract case runs on (STORE_BACKENDS).
#include "storage/pg_store.hpp"
#include "storage/sqlite_store.hpp"
#include "test_support.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace usersvc::contract {

// A backend opens a store over the data of `dir`; two opens of one dir are two
// clients of the same database (two processes, or two server instances).
struct SqliteBackend {
    static std::unique_ptr<Store> open(const std::filesystem::path& dir) {
        return std::make_unique<SqliteStore>(dir / "usersvc.db");
    }
};
// One PostgreSQL database per test directory, made on the first open.
struct PostgresBackend {
    static std::unique_ptr<Store> open(const std::filesystem::path& dir) {
        static std::mutex mutex;
        static std::map<std::filesystem::path, std::string> databases;
        std::string url;
        {
            std::lock_guard lock(mutex);
            auto& known = databases[dir];
            if (known.empty()) known = test::freshPostgresDatabase();
            url = known;
        }
        return std::make_unique<PgStore>(url);
    }
};
#define STORE_BACKENDS SqliteBackend, PostgresBackend

} // namespace usersvc::contract

using usersvc::contract::PostgresBackend;
using usersvc::contract::SqliteBackend;
