// Users managing their own sessions (issue 14): GET /users/sessions, DELETE
// /users/sessions/:id and POST /logout?scope=local|others|global.
#include "scenario.hpp"

using namespace usersvc;
using namespace usersvc::test;

namespace {
const std::string kUsers = "/api/v1/users";

std::string loginFrom(httplib::Client& client, const std::string& name, const std::string& userAgent) {
    auto res = postLogin(client, {{"username", name}, {"password", "password123"}}, {{"User-Agent", userAgent}});
    REQUIRE(res.status == 200);
    return parseJson(res.body)["data"]["AccessToken"];
}

nlohmann::json sessionsOf(httplib::Client& client, const std::string& token) {
    auto res = client.Get(kUsers + "/sessions", bearer(token));
    REQUIRE(res);
    REQUIRE_MESSAGE(res->status == 200, res->body);
    for (const auto& secret : kSecretsNeverShown)
        CHECK(res->body.find(secret) == std::string::npos);
    CHECK(res->body.find("refresh") == std::string::npos);
    return parseJson(res->body)["data"];
}

int clearedCookies(const httplib::Result& res) {
    int cleared = 0;
    for (const auto& [k, v] : res->headers)
        if (k == "Set-Cookie" && v.find("Max-Age=0") != std::string::npos) ++cleared;
    return cleared;
}
} // namespace

TEST_CASE("a user lists their own open sessions, the current one marked, and revokes one of them") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    auto sam = signUp(client, "sam");
    std::string phone = loginFrom(client, "sam", "phone-browser/1.0");

    auto sessions = sessionsOf(client, sam.token);
    REQUIRE(sessions.size() == 2);
    std::string phoneSession;
    int current = 0;
    for (const auto& s : sessions) {
        for (const char* field : {"sessionId", "createdAt", "lastUsedAt", "expiresAt", "userAgent", "clientAddress"})
            CHECK_MESSAGE(s.contains(field), field);
        if (s["current"] == true) ++current;
        if (s["userAgent"] == "phone-browser/1.0") phoneSession = s["sessionId"];
    }
    CHECK(current == 1);
    REQUIRE_FALSE(phoneSession.empty());
    CHECK(sessionsOf(client, phone).size() == 2); // the same two, seen from the other one

    // Another user cannot revoke it, nor learn that it exists.
    auto tom = signUp(client, "tom");
    auto foreign = client.Delete(kUsers + "/sessions/" + phoneSession, bearer(tom.token));
    REQUIRE(foreign);
    CHECK(foreign->status == 404);
    CHECK(client.Get(kUsers + "/getUser", bearer(phone))->status == 200);

    auto revoked = client.Delete(kUsers + "/sessions/" + phoneSession, bearer(sam.token));
    REQUIRE(revoked);
    CHECK(revoked->status == 200);
    CHECK(clearedCookies(revoked) == 0);                                  // another session: this one's cookies stay
    CHECK(client.Get(kUsers + "/getUser", bearer(phone))->status == 401); // at once
    CHECK(client.Delete(kUsers + "/sessions/" + phoneSession, bearer(sam.token))->status == 404);
    CHECK(client.Delete(kUsers + "/sessions/no-such-session", bearer(sam.token))->status == 404);
    CHECK(sessionsOf(client, sam.token).size() == 1);
    CHECK(client.Get(kUsers + "/sessions")->status == 401);

    // Revoking the current session is a logout, cookies cleared.
    std::string own = sessionsOf(client, sam.token)[0]["sessionId"];
    auto self = client.Delete(kUsers + "/sessions/" + own, bearer(sam.token));
    REQUIRE(self);
    CHECK(self->status == 200);
    CHECK(clearedCookies(self) == 2);
    CHECK(client.Get(kUsers + "/getUser", bearer(sam.token))->status == 401);
}

TEST_CASE("logout scopes: others keeps this session, global ends all, local is the default") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    auto ann = signUp(client, "ann");
    std::string laptop = loginFrom(client, "ann", "laptop"), tablet = loginFrom(client, "ann", "tablet");

    auto bad = client.Post(kUsers + "/logout?scope=everywhere", bearer(ann.token));
    REQUIRE(bad);
    CHECK(bad->status == 400);
    CHECK(bad->body.find(R"("field":"scope")") != std::string::npos);
    CHECK(client.Get(kUsers + "/getUser", bearer(ann.token))->status == 200); // nothing was revoked

    auto others = client.Post(kUsers + "/logout?scope=others", bearer(ann.token));
    REQUIRE(others);
    CHECK(others->status == 200);
    CHECK(clearedCookies(others) == 0);
    CHECK(client.Get(kUsers + "/getUser", bearer(ann.token))->status == 200);
    CHECK(client.Get(kUsers + "/getUser", bearer(laptop))->status == 401);
    CHECK(client.Get(kUsers + "/getUser", bearer(tablet))->status == 401);

    std::string desk = loginFrom(client, "ann", "desk");
    auto local = client.Post(kUsers + "/logout", bearer(desk)); // no scope: this session only
    REQUIRE(local);
    CHECK(local->status == 200);
    CHECK(clearedCookies(local) == 2);
    CHECK(client.Get(kUsers + "/getUser", bearer(desk))->status == 401);
    CHECK(client.Get(kUsers + "/getUser", bearer(ann.token))->status == 200);

    std::string phone = loginFrom(client, "ann", "phone");
    auto global = client.Post(kUsers + "/logout?scope=global", bearer(phone));
    REQUIRE(global);
    CHECK(global->status == 200);
    CHECK(clearedCookies(global) == 2);
    CHECK(client.Get(kUsers + "/getUser", bearer(phone))->status == 401);
    CHECK(client.Get(kUsers + "/getUser", bearer(ann.token))->status == 401);
}
