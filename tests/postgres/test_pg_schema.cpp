// The PostgreSQL store's schema and its migrations (issue 13).
#include "domain/error.hpp"
#include "storage/pg_internal.hpp"
#include "storage/pg_schema.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace usersvc;

TEST_CASE("instances migrating an empty database at the same moment all come up, and the schema is made once") {
    auto url = test::freshPostgresDatabase();
    constexpr int kInstances = 4;
    std::atomic<int> ready{0}, migrated{0};
    std::vector<std::thread> instances;
    for (int i = 0; i < kInstances; ++i)
        instances.emplace_back([&] {
            pqxx::connection connection(url);
            ++ready;
            while (ready < kInstances) // all connected, then all at once
                std::this_thread::yield();
            pgMigrate(connection);
            if (pgSchemaVersion(connection) == pgLatestSchemaVersion()) ++migrated;
        });
    for (auto& t : instances)
        t.join();
    CHECK(migrated == kInstances);
    pqxx::connection check(url);
    pqxx::work tx(check);
    // One row per migration: none ran twice.
    CHECK(tx.exec1("SELECT count(*) FROM usersvc_schema")[0].as<int>() == pgLatestSchemaVersion());
    for (const char* table : {"users", "sessions", "retired_refresh_tokens", "subscriptions", "watch_history"})
        CHECK_MESSAGE(tx.exec1(std::string("SELECT to_regclass('") + table + "') IS NOT NULL")[0].as<bool>(), table);
}

TEST_CASE("a database with a newer schema than this build is refused with a clear message") {
    auto url = test::freshPostgresDatabase();
    pqxx::connection connection(url);
    pgMigrate(connection);
    pgMigrate(connection); // again: nothing to do
    CHECK(pgSchemaVersion(connection) == pgLatestSchemaVersion());
    {
        pqxx::work tx(connection);
        tx.exec("INSERT INTO usersvc_schema (version, applied_at) VALUES (" +
                std::to_string(pgLatestSchemaVersion() + 1) + ", 0)");
        tx.commit();
    }
    try {
        pgMigrate(connection);
        FAIL("a newer schema was accepted");
    } catch (const Error& e) {
        CHECK(e.code == Code::Invalid);
        CHECK(std::string(e.what()).find("newer than this usersvc knows") != std::string::npos);
    }
}

TEST_CASE("a user listing reads its session and subscriber counts through indexes") {
    // With sequential scans priced out, a subquery no index can serve by its
    // condition (users.id's collation against the other tables') shows as a
    // scan with a filter instead of an index condition on the listed user.
    auto url = test::freshPostgresDatabase();
    pqxx::connection connection(url);
    pgMigrate(connection);
    pqxx::work tx(connection);
    tx.exec0("SET LOCAL enable_seqscan = off");
    std::string plan;
    for (const auto& row : tx.exec_params(std::string("EXPLAIN SELECT u.id, ") + kPgListingCounts +
                                              " FROM users u WHERE u.id > $2 ORDER BY u.id LIMIT 51",
             std::int64_t{0}, std::string()))
        plan += std::string(row[0].c_str()) + "\n";
    CAPTURE(plan);
    // Each index looked up by the listed user, not read whole with a filter.
    CHECK(plan.find("Index Cond: ((user_id = (u.id)::text)") != std::string::npos);
    CHECK(plan.find("Index Cond: (channel_id = (u.id)::text)") != std::string::npos);
    CHECK(plan.find("Seq Scan") == std::string::npos);
}
