#include "scenario.hpp"

using namespace usersvc;
using namespace usersvc::test;

TEST_CASE("GET /metrics is off by default") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    CHECK(client.Get("/metrics")->status == 404);
}

TEST_CASE("GET /metrics counts requests by route and status, logins and store gauges") {
    TempDir dir;
    http::ServerSettings settings;
    settings.metrics = true;
    settings.loginLimits.perIdentifier = 2;
    TestServer server(dir.path(), settings);
    auto client = server.client();
    auto me = signUp(client, "metered"); // one register, one successful login
    client.Get("/api/v1/users/channel/metered", bearer(me.token));
    client.Get("/api/v1/users/channel/nobody", bearer(me.token));
    client.Get("/nope");
    for (int i = 0; i < 3; ++i)
        client.Post("/api/v1/users/login", R"({"username":"metered","password":"wrong-password"})", "application/json");

    auto res = client.Get("/metrics");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
    const std::string& m = res->body;
    auto has = [&](const std::string& line) {
        CHECK_MESSAGE(m.find(line) != std::string::npos, "missing: " << line << "\n" << m);
    };
    has(R"(usersvc_http_requests_total{method="POST",route="/api/v1/users/register",status="201"} 1)");
    // Path parameters stay in the pattern: one series, whatever the username.
    has(R"(usersvc_http_requests_total{method="GET",route="/api/v1/users/channel/:username",status="200"} 1)");
    has(R"(usersvc_http_requests_total{method="GET",route="/api/v1/users/channel/:username",status="404"} 1)");
    has(R"(usersvc_http_requests_total{method="GET",route="unmatched",status="404"} 1)");
    has("usersvc_http_request_duration_seconds_bucket{le=\"+Inf\"} ");
    has("usersvc_logins_total{outcome=\"succeeded\"} 1");
    has("usersvc_logins_total{outcome=\"failed\"} 2");
    has("usersvc_logins_total{outcome=\"rate_limited\"} 1");
    has("usersvc_bcrypt_queue_depth 0");
    has("usersvc_users 1");
    has("usersvc_open_sessions 1");
    CHECK(m.find("metered@") == std::string::npos); // no user data in labels
    CHECK(m.find(me.token) == std::string::npos);
}
