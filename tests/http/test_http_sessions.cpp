// Users managing their own sessions (issue 14): GET /users/sessions, DELETE
// /users/sessions/:id and POST /logout?scope=local|others|global. Written as
// scenario rows (scenario.hpp): hooks sign users in and keep their tokens and
// session ids as the run's named values.
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

int clearedCookies(const httplib::Response& res) {
    int cleared = 0;
    for (const auto& [k, v] : res.headers)
        if (k == "Set-Cookie" && v.find("Max-Age=0") != std::string::npos) ++cleared;
    return cleared;
}

// Opens another session of `name` from `userAgent`: its token under `key`.
std::function<void(ScenarioRun&)> loginAs(
    const std::string& name, const std::string& userAgent, const std::string& key) {
    return [=](ScenarioRun& run) { run.values[key] = loginFrom(run.client, name, userAgent); };
}

// Session lists never show a refresh token (nor any secret: every row checks).
Scenario listSessions(std::string name, std::string as, std::size_t expected,
    std::function<void(ScenarioRun&, const nlohmann::json&)> more = {}) {
    Scenario row{std::move(name), "GET", kUsers + "/sessions", "", "", 200, {}, {"refresh"}};
    row.as = std::move(as);
    row.after = [expected, more](ScenarioRun& run, const httplib::Response& res) {
        auto sessions = dataIn(res);
        REQUIRE(sessions.size() == expected);
        if (more) more(run, sessions);
    };
    return row;
}

Scenario withCookiesCleared(Scenario row, int cleared) {
    row.after = [cleared](ScenarioRun&, const httplib::Response& res) { CHECK(clearedCookies(res) == cleared); };
    return row;
}

} // namespace

TEST_CASE("a user lists their own open sessions, the current one marked, and revokes one of them") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    ScenarioRun run{server, client};
    auto bothSessions = listSessions("sam sees both sessions, each described, this one marked", "sam", 2,
        [](ScenarioRun& run, const nlohmann::json& sessions) {
            int current = 0;
            for (const auto& s : sessions) {
                for (const char* field :
                    {"sessionId", "createdAt", "lastUsedAt", "expiresAt", "userAgent", "clientAddress"})
                    CHECK_MESSAGE(s.contains(field), field);
                if (s["current"] == true) ++current;
                if (s["userAgent"] == "phone-browser/1.0") run.values["phoneSession"] = s["sessionId"];
            }
            CHECK(current == 1);
            REQUIRE(run.values.count("phoneSession"));
        });
    bothSessions.before = [](ScenarioRun& run) {
        signUpAs("sam")(run);
        loginAs("sam", "phone-browser/1.0", "phone")(run);
    };
    runScenarios(run,
        {
            bothSessions,
            listSessions("the same two, seen from the other one", "phone", 2),
            // Another user cannot revoke it, nor learn that it exists.
            before(as({"another user cannot revoke it", "DELETE", kUsers + "/sessions/{phoneSession}", "", "", 404, {}},
                       "tom"),
                signUpAs("tom")),
            getUserAs("the phone's session is still open", "phone", 200),
            // Another session: this one's cookies stay.
            withCookiesCleared(
                as({"sam revokes the phone's session", "DELETE", kUsers + "/sessions/{phoneSession}", "", "", 200, {}},
                    "sam"),
                0),
            getUserAs("the phone is refused at once", "phone", 401),
            as({"revoking it again is 404", "DELETE", kUsers + "/sessions/{phoneSession}", "", "", 404, {}}, "sam"),
            as({"an unknown session is 404", "DELETE", kUsers + "/sessions/no-such-session", "", "", 404, {}}, "sam"),
            listSessions("sam has one session left", "sam", 1,
                [](ScenarioRun& run, const nlohmann::json& sessions) { run.values["own"] = sessions[0]["sessionId"]; }),
            {"the list needs a session", "GET", kUsers + "/sessions", "", "", 401, {}},
            // Revoking the current session is a logout, cookies cleared.
            withCookiesCleared(
                as({"revoking the current session is a logout", "DELETE", kUsers + "/sessions/{own}", "", "", 200, {}},
                    "sam"),
                2),
            getUserAs("and its token is refused", "sam", 401),
        });
}

TEST_CASE("logout scopes: others keeps this session, global ends all, local is the default") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    ScenarioRun run{server, client};
    runScenarios(run,
        {
            before(as({"an unknown scope is 400 naming the field", "POST", kUsers + "/logout?scope=everywhere", "", "",
                          400, {R"("field":"scope")"}},
                       "ann"),
                [](ScenarioRun& run) {
                    signUpAs("ann")(run);
                    loginAs("ann", "laptop", "laptop")(run);
                    loginAs("ann", "tablet", "tablet")(run);
                }),
            getUserAs("nothing was revoked", "ann", 200),
            withCookiesCleared(
                as({"others: the other sessions end", "POST", kUsers + "/logout?scope=others", "", "", 200, {}}, "ann"),
                0),
            getUserAs("this session stays", "ann", 200),
            getUserAs("the laptop's ended", "laptop", 401),
            getUserAs("the tablet's ended", "tablet", 401),
            withCookiesCleared(
                before(as({"no scope: this session only", "POST", kUsers + "/logout", "", "", 200, {}}, "desk"),
                    loginAs("ann", "desk", "desk")),
                2),
            getUserAs("the desk's session ended", "desk", 401),
            getUserAs("the first session stays", "ann", 200),
            withCookiesCleared(
                before(as({"global: every session ends", "POST", kUsers + "/logout?scope=global", "", "", 200, {}},
                           "phone"),
                    loginAs("ann", "phone", "phone")),
                2),
            getUserAs("the phone's session ended", "phone", 401),
            getUserAs("and the first one", "ann", 401),
        });
}
