#include "scenario.hpp"

#include <thread>

using namespace usersvc;
using namespace usersvc::test;

namespace {
const std::string kUsers = "/api/v1/users";
const std::string kJson = "application/json";

nlohmann::json loginJohn(httplib::Client& client) {
    auto reg = client.Post(
        kUsers + "/register", R"({"username":"john_doe","email":"john@email.com","password":"password123"})", kJson);
    REQUIRE(reg);
    auto res = client.Post(kUsers + "/login", R"({"username":"john_doe","password":"password123"})", kJson);
    REQUIRE(res);
    REQUIRE(res->status == 200);
    return parseJson(res->body)["data"];
}

httplib::Result refreshWithBody(
    httplib::Client& client, const std::string& token, const std::string& path = "/refreshToken") {
    return client.Post(kUsers + path, nlohmann::json{{"refreshToken", token}}.dump(), kJson);
}
} // namespace

TEST_CASE("refresh from the JSON body or the cookie rotates the refresh token") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    auto first = loginJohn(client);

    auto res = refreshWithBody(client, first["RefreshToken"]);
    REQUIRE(res);
    CHECK(res->status == 200);
    auto second = parseJson(res->body)["data"];
    CHECK(second["user"]["username"] == "john_doe");
    CHECK(second["RefreshToken"] != first["RefreshToken"]);
    CHECK(client.Get(kUsers + "/getUser", bearer(second["AccessToken"]))->status == 200);
    int cookies = 0;
    for (const auto& [k, v] : res->headers)
        if (k == "Set-Cookie" && v.find("Max-Age=0") == std::string::npos) ++cookies;
    CHECK(cookies == 2);

    // The cookie wins over the body; the chai-backend alias behaves the same.
    httplib::Headers cookie = {{"Cookie", "refreshToken=" + std::string(second["RefreshToken"])}};
    auto viaCookie = client.Post(kUsers + "/refresh-token", cookie, "", kJson);
    REQUIRE(viaCookie);
    CHECK(viaCookie->status == 200);
    CHECK(parseJson(viaCookie->body)["data"]["RefreshToken"] != second["RefreshToken"]);

    runScenarios(client, {
                             {"no token", "POST", kUsers + "/refreshToken", "", "", 401, {"Refresh token required"}},
                             {"unknown token", "POST", kUsers + "/refreshToken", kJson, R"({"refreshToken":"nope"})",
                                 401, {"Invalid refresh token"}},
                             {"wrong type", "POST", kUsers + "/refreshToken", kJson, R"({"refreshToken":42})", 400,
                                 {R"("field":"refreshToken")"}},
                         });
}

TEST_CASE("two tabs refreshing at once with one token both get the same new pair") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    auto first = loginJohn(client);
    std::string token = first["RefreshToken"];
    for (int round = 0; round < 5; ++round) {
        CAPTURE(round);
        std::string answers[2];
        int statuses[2] = {0, 0};
        std::thread tabs[2];
        for (int i = 0; i < 2; ++i)
            tabs[i] = std::thread([&, i] {
                auto tab = server.client();
                auto res = refreshWithBody(tab, token);
                if (!res) return;
                statuses[i] = res->status;
                answers[i] = res->body;
            });
        for (auto& t : tabs)
            t.join();
        REQUIRE(statuses[0] == 200);
        REQUIRE(statuses[1] == 200);
        auto a = parseJson(answers[0])["data"], b = parseJson(answers[1])["data"];
        CHECK(a["RefreshToken"] == b["RefreshToken"]);
        CHECK(a["AccessToken"] == b["AccessToken"]);
        token = a["RefreshToken"];
    }
    // The chain still works after the races.
    CHECK(refreshWithBody(client, token)->status == 200);
}

TEST_CASE("a rotated token used after the reuse interval revokes the whole session") {
    TempDir dir;
    TestServer server(dir.path(), {}, [](CoreSettings& s) { s.accounts.refreshReuseIntervalSeconds = 1; });
    auto client = server.client();
    auto first = loginJohn(client);
    auto rotated = parseJson(refreshWithBody(client, first["RefreshToken"])->body)["data"];
    // Within the interval: the same pair again.
    auto repeat = parseJson(refreshWithBody(client, first["RefreshToken"])->body)["data"];
    CHECK(repeat["RefreshToken"] == rotated["RefreshToken"]);

    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    auto reuse = refreshWithBody(client, first["RefreshToken"]);
    REQUIRE(reuse);
    CHECK(reuse->status == 401);
    CHECK(reuse->body.find("reuse") != std::string::npos);
    // Every token of that session now fails.
    CHECK(refreshWithBody(client, rotated["RefreshToken"])->status == 401);
    CHECK(client.Get(kUsers + "/getUser", bearer(rotated["AccessToken"]))->status == 401);
    CHECK(client.Get(kUsers + "/getUser", bearer(first["AccessToken"]))->status == 401);
    // Other sessions of the user are untouched.
    auto other = client.Post(kUsers + "/login", R"({"username":"john_doe","password":"password123"})", kJson);
    CHECK(other->status == 200);
}

TEST_CASE("a logged-out session cannot be refreshed") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    auto first = loginJohn(client);
    REQUIRE(client.Post(kUsers + "/logout", bearer(first["AccessToken"]))->status == 200);
    CHECK(refreshWithBody(client, first["RefreshToken"])->status == 401);
}
