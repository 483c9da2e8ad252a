// What front ends and Postman collections written against chai-backend send,
// replayed as scenario rows (issue 10): one-box login, `Bearer undefined` beside
// cookies, multipart text bodies, trailing slashes and case, every alias, and
// the response paths those clients read.
#include "domain/clock.hpp"
#include "scenario.hpp"
#include "security/crypto.hpp"
#include "security/secret.hpp"
#include "security/token.hpp"
#include "storage/sqlite_store.hpp"

using namespace usersvc;
using namespace usersvc::test;

namespace {
const std::string kUsers = "/api/v1/users";
const std::string kSubs = "/api/v1/subscriptions";
const std::string kJson = "application/json";
const std::string kBoundary = "----chaiFormBoundary7MA4YWxkTrZu0gW";
const std::string kMultipart = "multipart/form-data; boundary=" + kBoundary;

struct Part {
    std::string name, value, filename = "", contentType = "";
};

// A multipart body as a browser's FormData or Postman's form-data builds it.
std::string multipart(const std::vector<Part>& parts) {
    std::string body;
    for (const auto& p : parts) {
        body += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + p.name + "\"";
        if (!p.filename.empty()) body += "; filename=\"" + p.filename + "\"";
        body += "\r\n";
        if (!p.contentType.empty()) body += "Content-Type: " + p.contentType + "\r\n";
        body += "\r\n" + p.value + "\r\n";
    }
    return body + "--" + kBoundary + "--\r\n";
}

struct Session {
    nlohmann::json data; // the login answer's data
    std::string cookie;  // "accessToken=...; refreshToken=..." as the browser sends them back
};

Session loginAs(httplib::Client& client, const std::string& identifier) {
    auto res = client.Post(kUsers + "/login",
        nlohmann::json{{"email", identifier}, {"username", identifier}, {"password", "password123"}}.dump(), kJson);
    REQUIRE(res);
    REQUIRE_MESSAGE(res->status == 200, res->body);
    Session s{parseJson(res->body)["data"], ""};
    for (const auto& c : setCookiesOf(*res))
        s.cookie += (s.cookie.empty() ? "" : "; ") + c.substr(0, c.find(';'));
    return s;
}

// john_doe registers as a chai-backend front end does: multipart, files `avatar`
// and `coverImage`, `fullname` spelled in lower case.
nlohmann::json registerJohn(httplib::Client& client) {
    auto res = client.Post(kUsers + "/register",
        multipart({{"fullname", "John Doe"}, {"email", "john@email.com"}, {"username", "john_doe"},
            {"password", "password123"}, {"avatar", pngBytes(), "me.png", "image/png"},
            {"coverImage", jpegBytes(), "cover.jpg", "image/jpeg"}}),
        kMultipart);
    REQUIRE(res);
    REQUIRE_MESSAGE(res->status == 201, res->body);
    return parseJson(res->body)["data"];
}

httplib::Headers cookieHeaders(const std::string& cookie, const std::string& authorization = "") {
    httplib::Headers h{{"Cookie", cookie}};
    if (!authorization.empty()) h.emplace("Authorization", authorization);
    return h;
}
} // namespace

TEST_CASE("chai-backend registration and login: field names, one-box login, tokens in the body") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    auto user = registerJohn(client);
    CHECK(user["fullName"] == "John Doe");
    CHECK(std::string(user["avatar"]).ends_with(".png"));
    CHECK(user["avatar"] == user["Avatar"]);
    CHECK(std::string(user["coverImage"]).ends_with(".jpg"));
    CHECK(user["coverImage"] == user["CoverImg"]);

    const std::string login = kUsers + "/login";
    runScenarios(client,
        {
            {"one box, e-mail typed", "POST", login, kJson,
                R"({"email":"John@Email.com","username":"John@Email.com","password":"password123"})", 200,
                {R"("accessToken":")", R"("refreshToken":")", R"("AccessToken":")", R"("avatar":"http)"}},
            {"one box, username typed", "POST", login, kJson,
                R"({"email":"john_doe","username":"john_doe","password":"password123"})", 200, {R"("accessToken":")"}},
            {"e-mail in the username field", "POST", login, kJson,
                R"({"username":"john@email.com","password":"password123"})", 200, {R"("accessToken":")"}},
            {"username in the email field", "POST", login, kJson, R"({"email":"john_doe","password":"password123"})",
                200, {R"("accessToken":")"}},
            {"two boxes, username left empty", "POST", login, kJson,
                R"({"username":"","email":"john@email.com","password":"password123"})", 200, {R"("accessToken":")"}},
            {"one box, wrong password", "POST", login, kJson,
                R"({"email":"john@email.com","username":"john@email.com","password":"password124"})", 401,
                {R"("message":"Invalid credentials")"}, {"accessToken"}},
            {"one box, unknown e-mail", "POST", login, kJson,
                R"({"email":"nobody@email.com","username":"nobody@email.com","password":"password123"})", 401,
                {R"("message":"Invalid credentials")"}, {"accessToken"}},
            {"both boxes empty", "POST", login, kJson, R"({"email":"","username":"","password":"password123"})", 400,
                {R"("field":"username")"}},
            {"multipart (Postman form-data)", "POST", login, kMultipart,
                multipart({{"email", "john@email.com"}, {"password", "password123"}}), 200, {R"("accessToken":")"}},
            {"multipart with a file where text is read", "POST", login, kMultipart,
                multipart({{"username", "john_doe"}, {"password", "password123", "pw.txt", "text/plain"}}), 400,
                {R"("field":"password")"}, {"accessToken"}},
            {"trailing slash", "POST", login + "/", kJson, R"({"username":"john_doe","password":"password123"})", 200,
                {R"("accessToken":")"}},
            {"other case", "POST", "/API/v1/Users/Login", kJson, R"({"username":"john_doe","password":"password123"})",
                200, {R"("accessToken":")"}},
        });

    // The paths front ends read: data.accessToken, data.user.avatar.
    auto session = loginAs(client, "john@email.com");
    CHECK(session.data["accessToken"] == session.data["AccessToken"]);
    CHECK(session.data["refreshToken"] == session.data["RefreshToken"]);
    CHECK(session.data["user"]["avatar"] == user["Avatar"]);
    // axios posting no data with a text/plain default: the cookie carries the token.
    auto refreshed = client.Post(kUsers + "/refresh-token", cookieHeaders(session.cookie), "null", "text/plain");
    REQUIRE(refreshed);
    CHECK_MESSAGE(refreshed->status == 200, refreshed->body);
    auto data = parseJson(refreshed->body)["data"];
    CHECK(data["accessToken"] == data["AccessToken"]);
    CHECK(data["refreshToken"] == data["RefreshToken"]);
    CHECK(data["refreshToken"] != session.data["refreshToken"]);
}

TEST_CASE("a header that is not a token does not hide a valid cookie, a real token in it still wins") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    registerJohn(client);
    auto session = loginAs(client, "john_doe");
    std::string token = session.data["accessToken"];
    std::string userId = session.data["user"]["_id"];

    TokenSigner realSigner(loadOrCreateSecret(dir.path()));
    std::int64_t now = nowMs() / 1000;
    std::string sessionId = realSigner.verify(token, now).sessionId;
    std::string expired = realSigner.sign({userId, sessionId, "john_doe", "john@email.com", now - 1000, now - 100});
    std::string forged = TokenSigner("a-different-secret-of-enough-length!!")
                             .sign({userId, sessionId, "john_doe", "john@email.com", now, now + 900});
    std::string payload = token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1);
    std::string algNone = base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".";
    auto other = loginAs(client, "john@email.com");
    std::string revoked = other.data["accessToken"];
    REQUIRE(client.Post(kUsers + "/logout", bearer(revoked))->status == 200);

    const std::string me = kUsers + "/current-user";
    const std::string name = R"("username":"john_doe")";
    auto with = [&](const std::string& authorization) { return cookieHeaders(session.cookie, authorization); };
    runScenarios(client,
        {
            {"cookie alone", "GET", me, "", "", 200, {name}, {}, with("")},
            {"Bearer undefined", "GET", me, "", "", 200, {name}, {}, with("Bearer undefined")},
            {"Bearer null", "GET", me, "", "", 200, {name}, {}, with("Bearer null")},
            {"Bearer and nothing", "GET", me, "", "", 200, {name}, {}, with("Bearer ")},
            {"unresolved Postman variable", "GET", me, "", "", 200, {name}, {}, with("Bearer {{accessToken}}")},
            {"another scheme", "GET", me, "", "", 200, {name}, {}, with("Basic am9objpwdw==")},
            {"valid header, valid cookie", "GET", me, "", "", 200, {name}, {}, with("Bearer " + token)},
            {"expired header beats the cookie", "GET", me, "", "", 401, {"expired"}, {name}, with("Bearer " + expired)},
            {"forged header beats the cookie", "GET", me, "", "", 401, {}, {name}, with("Bearer " + forged)},
            {"alg none header beats the cookie", "GET", me, "", "", 401, {}, {name}, with("Bearer " + algNone)},
            {"logged-out header beats the cookie", "GET", me, "", "", 401, {}, {name}, with("Bearer " + revoked)},
            {"Bearer undefined without a cookie", "GET", me, "", "", 401, {"Authentication required"}, {},
                {{"Authorization", "Bearer undefined"}}},
        });
}

TEST_CASE("paths chai-backend front ends call: aliases, one trailing slash, any case, but media stays exact") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    auto john = registerJohn(client);
    auto fan = signUp(client, "fan_1");
    auto johnSession = loginAs(client, "john_doe");
    std::string johnToken = johnSession.data["accessToken"];
    std::string johnId = john["_id"];
    REQUIRE(client.Post(kSubs + "/c/" + johnId, bearer(fan.token))->status == 200);
    std::string avatarPath = std::string(john["avatar"]).substr(server.baseUrl().size());

    auto png = [](const std::string& field) { return multipart({{field, pngBytes(), "new.png", "image/png"}}); };
    runScenarios(client,
        {
            {"healthcheck with trailing slash", "GET", "/api/v1/healthcheck/", "", "", 200, {R"("status":"ok")"}},
            {"two trailing slashes are another path", "GET", "/api/v1/healthcheck//", "", "", 404, {}},
            {"get-current-user", "GET", kUsers + "/get-current-user", "", "", 200, {R"("avatar":"http)"}, {},
                bearer(johnToken)},
            {"current-user/", "GET", kUsers + "/current-user/", "", "", 200, {R"("username":"john_doe")"}, {},
                bearer(johnToken)},
            {"watch-history in lower case", "GET", kUsers + "/watch-history", "", "", 200, {}, {}, bearer(johnToken)},
            {"history", "GET", kUsers + "/history", "", "", 200, {}, {}, bearer(johnToken)},
            {"channel by its owner: counts in both dialects, own e-mail", "GET", kUsers + "/c/john_doe", "", "", 200,
                {R"("channelsSubscribedToCount":0)", R"("SubscribedToCount":0)", R"("subscribersCount":1)",
                    R"("email":"john@email.com")", R"("avatar":"http)", R"("coverImage":"http)"},
                {}, bearer(johnToken)},
            {"channel-profile by a fan: no e-mail", "GET", kUsers + "/channel-profile/john_doe", "", "", 200,
                {R"("isSubscribed":true)", R"("channelsSubscribedToCount")", R"("createdAt":"20)"},
                {"john@email.com", R"("email")"}, bearer(fan.token)},
            {"the fan's own channel counts what it follows", "GET", kUsers + "/channel/fan_1", "", "", 200,
                {R"("channelsSubscribedToCount":1)", R"("email":"fan_1@x.io")"}, {}, bearer(fan.token)},
            {"subscribed-channels lists records", "GET", kSubs + "/subscribed-channels/" + fan.id, "", "", 200,
                {R"("channel":{"_id":")" + johnId + R"(","username":"john_doe")", R"("subscriber":{"_id":")" + fan.id,
                    R"("createdAt":")"},
                {"john@email.com", "fan_1@x.io"}, bearer(fan.token)},
            {"channel-subscribers lists records", "GET", kSubs + "/channel-subscribers/" + johnId, "", "", 200,
                {R"("username":"fan_1")", R"("avatar":)"}, {"john@email.com", "fan_1@x.io"}, bearer(fan.token)},
            {"update-user with fullname", "PATCH", kUsers + "/update-user", kJson, R"({"fullname":"Johnny"})", 200,
                {R"("fullName":"Johnny")"}, {}, bearer(johnToken)},
            {"update-profile as multipart", "PATCH", kUsers + "/update-profile", kMultipart,
                multipart({{"fullName", "John D."}}), 200, {R"("fullName":"John D.")"}, {}, bearer(johnToken)},
            {"update-account as urlencoded", "PATCH", kUsers + "/update-account", "application/x-www-form-urlencoded",
                "fullName=J.+Doe", 200, {R"("fullName":"J. Doe")"}, {}, bearer(johnToken)},
            {"update-avatar", "PATCH", kUsers + "/update-avatar", kMultipart, png("avatar"), 200, {R"("avatar":"http)"},
                {}, bearer(johnToken)},
            {"update-cover-image", "PATCH", kUsers + "/update-cover-image", kMultipart, png("coverImage"), 200,
                {R"("coverImage":"http)"}, {}, bearer(johnToken)},
            {"coverImage", "PATCH", kUsers + "/coverImage", kMultipart, png("coverImage"), 200, {}, {},
                bearer(johnToken)},
            // Issue 21: paths five of ten real front ends call.
            {"update-coverImg", "PATCH", kUsers + "/update-coverImg", kMultipart, png("coverImage"), 200,
                {R"("coverImage":"http)"}, {}, bearer(johnToken)},
            {"update-coverimage", "PATCH", kUsers + "/update-coverimage", kMultipart, png("coverImage"), 200,
                {R"("coverImage":"http)"}, {}, bearer(johnToken)},
            {"update-coverImage", "PATCH", kUsers + "/update-coverImage", kMultipart, png("coverImage"), 200,
                {R"("coverImage":"http)"}, {}, bearer(johnToken)},
            {"update-cover", "PATCH", kUsers + "/update-cover", kMultipart, png("CoverImg"), 200,
                {R"("CoverImg":"http)"}, {}, bearer(johnToken)},
            {"a file under a name the route does not read", "PATCH", kUsers + "/update-avatar", kMultipart,
                png("picture"), 400, {R"("field":"picture")"}, {}, bearer(johnToken)},
            {"media in another case is not found", "GET", "/MEDIA" + avatarPath.substr(6), "", "", 404, {}},
            {"media with a trailing slash is not found", "GET", avatarPath + "/", "", "", 404, {}},
        });
    auto media =
        client.Get(std::string(parseJson(client.Get(kUsers + "/getUser", bearer(johnToken))->body)["data"]["avatar"])
                       .substr(server.baseUrl().size()));
    REQUIRE(media);
    CHECK(media->status == 200);
    CHECK(media->body == pngBytes());
}

TEST_CASE("routes that take text fields take multipart too, and nothing is half-done on a stray file") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    registerJohn(client);
    auto session = loginAs(client, "john_doe");
    std::string token = session.data["accessToken"];
    std::string refresh = session.data["refreshToken"];

    runScenarios(client,
        {
            {"watch-history as multipart", "POST", kUsers + "/watch-history", kMultipart,
                multipart({{"videoId", "dQw4w9WgXcQ"}}), 200, {R"("videoId":"dQw4w9WgXcQ")"}, {}, bearer(token)},
            {"refresh-token as multipart without a cookie", "POST", kUsers + "/refresh-token", kMultipart,
                multipart({{"refreshToken", refresh}}), 200, {R"("accessToken":")"}},
            {"refresh without a cookie and a text/plain body", "POST", kUsers + "/refresh-token", "text/plain", refresh,
                415, {}},
            {"register with a file in a text field", "POST", kUsers + "/register", kMultipart,
                multipart({{"avatar", gifBytes(), "a.gif", "image/gif"}, {"username", "eve", "eve.txt", "text/plain"},
                    {"email", "eve@x.io"}, {"password", "password123"}}),
                400, {R"("field":"username")"}},
            {"change-password as multipart", "POST", kUsers + "/change-password", kMultipart,
                multipart({{"oldPassword", "password123"}, {"newPassword", "password456"}}), 200, {}, {},
                bearer(token)},
        });
    // The stray file left no user and no file: only john's two images remain.
    CHECK(SqliteStore(dir.path() / "usersvc.db").findUserByUsername("eve") == std::nullopt);
    CHECK(countFiles(dir.path() / "media") == 2);
    auto relog = client.Post(kUsers + "/login", R"({"username":"john_doe","password":"password456"})", kJson);
    REQUIRE(relog);
    CHECK(relog->status == 200);
}

TEST_CASE("--cookie-samesite sets the attribute of both cookies, and none needs Secure cookies") {
    TempDir dir;
    http::ServerSettings settings;
    settings.cookieSameSite = "Strict";
    TestServer server(dir.path(), settings);
    auto client = server.client();
    registerJohn(client);
    auto res = client.Post(kUsers + "/login", R"({"username":"john_doe","password":"password123"})", kJson);
    REQUIRE(res);
    REQUIRE(res->status == 200);
    auto cookies = setCookiesOf(*res);
    CHECK(cookies.size() == 2);
    for (const auto& c : cookies)
        CHECK(c.find("; SameSite=Strict") != std::string::npos);

    // SameSite=None without Secure is dropped by browsers: refused before serving.
    http::ServerSettings insecureNone;
    insecureNone.cookieSameSite = "none";
    insecureNone.insecureCookies = true;
    CHECK_THROWS_AS(http::HttpServer(server.core(), insecureNone), Error);
    http::ServerSettings unknown;
    unknown.cookieSameSite = "sometimes";
    CHECK_THROWS_AS(http::HttpServer(server.core(), unknown), Error);
}
