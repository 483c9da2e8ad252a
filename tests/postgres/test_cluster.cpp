// The test run's PostgreSQL cluster (issue 13): what the PostgreSQL store's
// contract cases and multi-instance tests stand on. Each test gets a database
// of its own in one cluster started once per run (CTest fixture "postgres").
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <pqxx/pqxx>

using namespace usersvc;

TEST_CASE("each test gets a database of its own in the run's PostgreSQL cluster") {
    auto first = test::freshPostgresDatabase();
    auto second = test::freshPostgresDatabase();
    CHECK(first != second);
    pqxx::connection a(first), b(second);
    CHECK(a.server_version() >= 150000);
    {
        pqxx::work w(a);
        w.exec("CREATE TABLE t (x integer)");
        w.exec("INSERT INTO t VALUES (1)");
        w.commit();
    }
    CHECK(pqxx::work(a).exec1("SELECT x FROM t")[0].as<int>() == 1);
    CHECK_THROWS_AS(pqxx::work(b).exec("SELECT x FROM t"), pqxx::undefined_table);
}
