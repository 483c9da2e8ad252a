#include "log.hpp"
#include "scenario.hpp"
#include "services/status_service.hpp"
#include "storage/sqlite_store.hpp"
#include "worker_pool.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <system_error>
#include <thread>

using namespace usersvc;
using namespace usersvc::test;
using namespace std::chrono_literals;

TEST_CASE("unknown routes are JSON 404s, wrong methods JSON 405s with Allow") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    runScenarios(client, {
                             {"unknown path", "GET", "/api/v1/nothing", "", "", 404, {"Route not found"}},
                             {"root", "GET", "/", "", "", 404, {}},
                             {"wrong method on login", "GET", "/api/v1/users/login", "", "", 405, {"not allowed"}},
                             {"wrong method on getUser", "DELETE", "/api/v1/users/getUser", "", "", 405, {}},
                             {"PUT on register", "PUT", "/api/v1/users/register", "application/json", "{}", 405, {}},
                         });
    auto res = client.Get("/api/v1/users/login");
    CHECK(res->get_header_value("Allow") == "OPTIONS, POST");
    res = client.Delete("/api/v1/users/getUser");
    CHECK(res->get_header_value("Allow") == "GET, HEAD, OPTIONS");
}

TEST_CASE("healthcheck answers when the store does") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    runScenarios(client, {{"healthy", "GET", "/api/v1/healthcheck", "", "", 200, {R"("data":{"status":"ok"})"}}});
}

TEST_CASE("X-Request-Id is echoed when sane and replaced when not") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    auto res = client.Get("/api/v1/healthcheck", {{"X-Request-Id", "trace-abc_123"}});
    CHECK(res->get_header_value("X-Request-Id") == "trace-abc_123");
    res = client.Get("/api/v1/healthcheck", {{"X-Request-Id", "bad id with spaces <script>"}});
    std::string id = res->get_header_value("X-Request-Id");
    CHECK_FALSE(id.empty());
    CHECK(id.find(' ') == std::string::npos);
    res = client.Get("/api/v1/healthcheck", {{"X-Request-Id", std::string(65, 'a')}});
    CHECK(res->get_header_value("X-Request-Id").size() < 65);
    auto a = client.Get("/api/v1/healthcheck")->get_header_value("X-Request-Id");
    auto b = client.Get("/api/v1/healthcheck")->get_header_value("X-Request-Id");
    CHECK(a != b);
}

TEST_CASE("security headers are on every response") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    for (const char* path : {"/api/v1/healthcheck", "/nope"}) {
        auto res = client.Get(path);
        CHECK(res->get_header_value("X-Content-Type-Options") == "nosniff");
        CHECK(res->get_header_value("X-Frame-Options") == "DENY");
        CHECK(res->get_header_value("Cache-Control") == "no-store");
    }
}

TEST_CASE("media paths outside the content-addressed shape are 404") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    runScenarios(client,
        {
            {"secret file", "GET", "/media/../secret", "", "", 404, {}},
            {"encoded traversal", "GET", "/media/%2e%2e/secret", "", "", 404, {}},
            {"database", "GET", "/media/../usersvc.db", "", "", 404, {}},
            {"well-formed but absent", "GET",
                "/media/ab/ab00000000000000000000000000000000000000000000000000000000000000.png", "", "", 404, {}},
            {"wrong extension", "GET", "/media/ab/ab00000000000000000000000000000000000000000000000000000000000000.exe",
                "", "", 404, {}},
        });
}

TEST_CASE("CORS: listed origins get credentials and a preflight, others nothing") {
    TempDir dir;
    http::ServerSettings settings;
    settings.corsOrigins = {"http://localhost:5173"};
    TestServer server(dir.path(), settings);
    auto client = server.client();
    auto pre = client.Options(
        "/api/v1/users/login", {{"Origin", "http://localhost:5173"}, {"Access-Control-Request-Method", "POST"}});
    REQUIRE(pre);
    CHECK(pre->status == 204);
    CHECK(pre->get_header_value("Access-Control-Allow-Origin") == "http://localhost:5173");
    CHECK(pre->get_header_value("Access-Control-Allow-Credentials") == "true");
    CHECK(pre->get_header_value("Access-Control-Allow-Methods").find("POST") != std::string::npos);
    auto evil = client.Options(
        "/api/v1/users/login", {{"Origin", "http://evil.example"}, {"Access-Control-Request-Method", "POST"}});
    CHECK_FALSE(evil->has_header("Access-Control-Allow-Origin"));
    auto get = client.Get("/api/v1/healthcheck", {{"Origin", "http://localhost:5173"}});
    CHECK(get->get_header_value("Access-Control-Allow-Origin") == "http://localhost:5173");
    CHECK(get->get_header_value("Vary") == "Origin");
}

TEST_CASE("keep-alive connections serve many requests and survive errors") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    client.set_keep_alive(true);
    for (int i = 0; i < 20; ++i) {
        CHECK(client.Get("/api/v1/healthcheck")->status == 200);
        CHECK(client.Post("/api/v1/users/login", "{bad", "application/json")->status == 400);
        CHECK(client.Post("/api/v1/users/register", std::string(20000, ' '), "application/json")->status == 413);
    }
}

TEST_CASE("a path with CR LF cannot forge an access-log line") {
    // Issue 12, finding 10: a %0d%0a in the path wrote a second, forged line.
    TempDir dir;
    auto captured = dir.path() / "stderr";
    int saved = ::dup(2);
    int fd = ::open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    ::dup2(fd, 2);
    http::logAccess("GET", "/x\r\n2026-11-25T00:00:00.000Z GET /admin 200", 404, 1.0, 10, "req1");
    http::logEvent("warn", "req2", "user agent\x1b[31m red");
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    ::close(fd);
    std::string text = readFile(captured);
    CHECK(std::count(text.begin(), text.end(), '\n') == 2); // two events, two lines
    CHECK(text.find("/x\\x0d\\x0a2026-11-25") != std::string::npos);
    CHECK(text.find('\x1b') == std::string::npos);
}

TEST_CASE("healthcheck is 503 when the store has lost a table or has another schema version") {
    // Issue 12, finding 10: an emptied database was served as healthy.
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    REQUIRE(client.Get("/api/v1/healthcheck")->status == 200);
    // Issue 15: the store's verdict may be up to kStoreVerdictTtl old, so each
    // check after a change waits that long first.
    auto afterVerdictTtl = [] { std::this_thread::sleep_for(StatusService::kStoreVerdictTtl + 50ms); };
    {
        SQLite::Database db((dir.path() / "usersvc.db").string(), SQLite::OPEN_READWRITE);
        db.exec("PRAGMA user_version = 1");
    }
    afterVerdictTtl();
    CHECK(client.Get("/api/v1/healthcheck")->status == 503);
    {
        SQLite::Database db((dir.path() / "usersvc.db").string(), SQLite::OPEN_READWRITE);
        db.exec("PRAGMA user_version = " + std::to_string(latestSchemaVersion()) + "; DROP TABLE watch_history");
    }
    afterVerdictTtl();
    auto res = client.Get("/api/v1/healthcheck");
    CHECK(res->status == 503);
    CHECK(parseJson(res->body)["message"] == "Store unavailable");
}

TEST_CASE("worker threads the system refuses: an error before listening, or a pool that stops growing") {
    // Issue 12, finding 10: --threads 5000 aborted after printing "listening".
    auto refuseAfter = [](int allowed) {
        auto started = std::make_shared<std::atomic<int>>(0);
        return [started, allowed](std::function<void()> body) {
            if (++*started > allowed)
                throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again));
            return std::thread(std::move(body));
        };
    };
    try {
        http::WorkerPool pool(5, 10, refuseAfter(3));
        FAIL("the pool started with fewer workers than asked for");
    } catch (const Error& e) {
        CHECK(e.code == Code::Unavailable);
        CHECK(std::string(e.what()).find("lower --threads") != std::string::npos);
    }
    // Growth refused: the jobs still all run, on the workers there are.
    http::WorkerPool pool(1, 8, refuseAfter(2));
    std::atomic<int> done{0};
    for (int i = 0; i < 6; ++i)
        pool.enqueue([&done] {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            ++done;
        });
    pool.shutdown();
    CHECK(done == 6);
    CHECK(pool.threads() == 2);
}
