#include "scenario.hpp"

#include <set>

using namespace usersvc;
using namespace usersvc::test;

namespace {
const std::string kUsers = "/api/v1/users";
const std::string kSubs = "/api/v1/subscriptions";
const std::string kJson = "application/json";

nlohmann::json dataOf(const httplib::Result& res) {
    REQUIRE(res);
    REQUIRE_MESSAGE(res->status == 200, res->body);
    return parseJson(res->body)["data"];
}
} // namespace

TEST_CASE("subscribing toggles, counts follow, and the channel page shows them") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    auto alice = signUp(client, "alice"), bob = signUp(client, "bob"), carol = signUp(client, "carol");

    CHECK(dataOf(client.Post(kSubs + "/c/" + bob.id, bearer(alice.token)))["subscribed"] == true);
    CHECK(dataOf(client.Post(kSubs + "/c/" + bob.id, bearer(carol.token)))["subscribed"] == true);
    CHECK(dataOf(client.Post(kSubs + "/c/" + carol.id, bearer(bob.token)))["subscribed"] == true);

    auto channel = dataOf(client.Get(kUsers + "/channel/bob", bearer(alice.token)));
    CHECK(channel["_id"] == bob.id);
    CHECK(channel["subscribersCount"] == 2);
    CHECK(channel["SubscribedToCount"] == 1);
    CHECK(channel["isSubscribed"] == true);
    for (const char* key : {"username", "fullName", "Avatar", "CoverImg"})
        CHECK(channel.contains(key));
    CHECK_FALSE(channel.contains("email"));

    // Toggling twice returns to the start.
    CHECK(dataOf(client.Post(kSubs + "/c/" + bob.id, bearer(alice.token)))["subscribed"] == false);
    CHECK(dataOf(client.Post(kSubs + "/c/" + bob.id, bearer(alice.token)))["subscribed"] == true);
    CHECK(dataOf(client.Post(kSubs + "/c/" + bob.id, bearer(alice.token)))["subscribed"] == false);
    channel = dataOf(client.Get(kUsers + "/c/BOB", bearer(alice.token)));
    CHECK(channel["subscribersCount"] == 1);
    CHECK(channel["isSubscribed"] == false);

    runScenarios(client, {
                             {"unknown channel page", "GET", kUsers + "/channel/nobody", "", "", 404,
                                 {"Channel does not exist"}, {}, bearer(alice.token)},
                             {"channel page needs auth", "GET", kUsers + "/channel/bob", "", "", 401, {}},
                             {"subscribe to oneself", "POST", kSubs + "/c/" + alice.id, "", "", 400, {"own channel"},
                                 {}, bearer(alice.token)},
                             {"unknown channel id", "POST", kSubs + "/c/6743f0c2a1b2c3d4e5f60718", "", "", 404, {}, {},
                                 bearer(alice.token)},
                             {"not an id", "POST", kSubs + "/c/not-an-id", "", "", 404, {}, {}, bearer(alice.token)},
                             {"list needs auth", "GET", kSubs + "/c/" + bob.id, "", "", 401, {}},
                             {"limit over 100", "GET", kSubs + "/c/" + bob.id + "?limit=101", "", "", 400,
                                 {R"("field":"limit")"}, {}, bearer(alice.token)},
                             {"page zero", "GET", kSubs + "/c/" + bob.id + "?page=0", "", "", 400,
                                 {R"("field":"page")"}, {}, bearer(alice.token)},
                             {"limit not a number", "GET", kSubs + "/u/" + bob.id + "?limit=ten", "", "", 400, {}, {},
                                 bearer(alice.token)},
                             {"subscribers of an unknown channel", "GET", kSubs + "/c/6743f0c2a1b2c3d4e5f60718", "", "",
                                 404, {}, {}, bearer(alice.token)},
                         });
}

TEST_CASE("subscriber and subscription lists page with page and limit") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    auto star = signUp(client, "star");
    std::vector<Account> fans;
    for (const char* name : {"fan_a", "fan_b", "fan_c"}) {
        fans.push_back(signUp(client, name));
        dataOf(client.Post(kSubs + "/c/" + star.id, bearer(fans.back().token)));
    }
    auto all = dataOf(client.Get(kSubs + "/c/" + star.id, bearer(star.token)));
    REQUIRE(all.size() == 3);
    std::set<std::string> names;
    // Items are subscription records since issue 10 (was: the subscriber users).
    for (const auto& item : all) {
        names.insert(item["subscriber"]["username"].get<std::string>());
        CHECK(item["channel"]["username"] == "star");
        CHECK_FALSE(item.dump().find("password") != std::string::npos);
        CHECK_FALSE(item.dump().find("@x.io") != std::string::npos); // no e-mail of anybody
    }
    CHECK(names == std::set<std::string>{"fan_a", "fan_b", "fan_c"});
    auto page1 = dataOf(client.Get(kSubs + "/c/" + star.id + "?page=1&limit=2", bearer(star.token)));
    auto page2 = dataOf(client.Get(kSubs + "/c/" + star.id + "?page=2&limit=2", bearer(star.token)));
    auto page3 = dataOf(client.Get(kSubs + "/c/" + star.id + "?page=3&limit=2", bearer(star.token)));
    CHECK(page1.size() == 2);
    CHECK(page2.size() == 1);
    CHECK(page3.empty());
    CHECK(page1[0]["_id"] != page2[0]["_id"]);
    CHECK(page1[1]["_id"] != page2[0]["_id"]);

    auto following = dataOf(client.Get(kSubs + "/u/" + fans[0].id, bearer(star.token)));
    REQUIRE(following.size() == 1);
    CHECK(following[0]["channel"]["username"] == "star");
    CHECK(following[0]["subscriber"]["_id"] == fans[0].id);
    CHECK(dataOf(client.Get(kSubs + "/u/" + star.id, bearer(star.token))).empty());
}

TEST_CASE("watch history is newest first and a repeat moves to the front") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    auto me = signUp(client, "viewer");
    for (const char* video : {"v1", "v2", "v3", "v1"}) {
        auto entry = dataOf(
            client.Post(kUsers + "/watch-History", bearer(me.token), nlohmann::json{{"videoId", video}}.dump(), kJson));
        CHECK(entry["videoId"] == video);
    }
    auto history = dataOf(client.Get(kUsers + "/watch-History", bearer(me.token)));
    std::vector<std::string> order;
    for (const auto& e : history)
        order.push_back(e["videoId"]);
    CHECK(order == std::vector<std::string>{"v1", "v3", "v2"});
    CHECK(history[0]["watchedAt"].get<std::string>().ends_with("Z"));
    CHECK(dataOf(client.Get(kUsers + "/history", bearer(me.token))).size() == 3);

    runScenarios(
        client, {
                    {"empty videoId", "POST", kUsers + "/watch-History", kJson, R"({"videoId":""})", 400,
                        {R"("field":"videoId")"}, {}, bearer(me.token)},
                    {"bad characters", "POST", kUsers + "/watch-History", kJson, R"({"videoId":"../etc"})", 400, {}, {},
                        bearer(me.token)},
                    {"too long", "POST", kUsers + "/history", kJson,
                        nlohmann::json{{"videoId", std::string(65, 'a')}}.dump(), 400, {}, {}, bearer(me.token)},
                    {"needs auth", "GET", kUsers + "/watch-History", "", "", 401, {}},
                });
    // Other users' history is separate.
    auto other = signUp(client, "other");
    CHECK(dataOf(client.Get(kUsers + "/watch-History", bearer(other.token))).empty());
}
