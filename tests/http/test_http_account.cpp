#include "scenario.hpp"

using namespace usersvc;
using namespace usersvc::test;

namespace {
const std::string kUsers = "/api/v1/users";
const std::string kJson = "application/json";
} // namespace

TEST_CASE("changePassword checks the old password and revokes every other session") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    auto me = signUp(client, "john_doe");
    auto other = client.Post(kUsers + "/login", R"({"username":"john_doe","password":"password123"})", kJson);
    std::string otherToken = parseJson(other->body)["data"]["AccessToken"];

    runScenarios(client, {
                             {"not signed in", "POST", kUsers + "/changePassword", kJson,
                                 R"({"oldPassword":"a","newPassword":"b"})", 401, {}},
                             {"wrong old password", "POST", kUsers + "/changePassword", kJson,
                                 R"({"oldPassword":"password124","newPassword":"brand-new-pass"})", 400,
                                 {R"("field":"oldPassword")"}, {}, bearer(me.token)},
                             {"short new password", "POST", kUsers + "/changePassword", kJson,
                                 R"({"oldPassword":"password123","newPassword":"short"})", 400,
                                 {R"("field":"newPassword")"}, {}, bearer(me.token)},
                             {"missing fields", "POST", kUsers + "/changePassword", kJson, R"({})", 400,
                                 {R"("field":"oldPassword")", R"("field":"newPassword")"}, {}, bearer(me.token)},
                             {"changes it", "POST", kUsers + "/change-password", kJson,
                                 R"({"oldPassword":"password123","newPassword":"brand-new-pass"})", 200,
                                 {R"("data":{})"}, {}, bearer(me.token)},
                         });
    CHECK(client.Get(kUsers + "/getUser", bearer(me.token))->status == 200);   // current session kept
    CHECK(client.Get(kUsers + "/getUser", bearer(otherToken))->status == 401); // the other one revoked
    CHECK(client.Post(kUsers + "/login", R"({"username":"john_doe","password":"password123"})", kJson)->status == 401);
    CHECK(
        client.Post(kUsers + "/login", R"({"username":"john_doe","password":"brand-new-pass"})", kJson)->status == 200);
}

TEST_CASE("updateProfile validates like registration and refuses taken names") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    auto me = signUp(client, "john_doe");
    signUp(client, "jane");
    auto h = bearer(me.token);
    runScenarios(client,
        {
            {"nothing given", "PATCH", kUsers + "/updateProfile", kJson, "{}", 400, {}, {}, h},
            {"invalid email", "PATCH", kUsers + "/updateProfile", kJson, R"({"email":"nope"})", 400,
                {R"("field":"email")"}, {}, h},
            {"bad username", "PATCH", kUsers + "/updateProfile", kJson, R"({"username":"no way"})", 400,
                {R"("field":"username")"}, {}, h},
            {"taken username in another case", "PATCH", kUsers + "/updateProfile", kJson, R"({"username":"JANE"})", 409,
                {R"("field":"username")"}, {}, h},
            {"taken email", "PATCH", kUsers + "/updateProfile", kJson, R"({"email":"jane@x.io"})", 409,
                {R"("field":"email")"}, {}, h},
            {"keeping one's own email is fine", "PATCH", kUsers + "/updateProfile", kJson,
                R"({"email":"john_doe@x.io","fullName":" John Doe "})", 200, {R"("fullName":"John Doe")"}, {}, h},
            {"alias update-account", "PATCH", kUsers + "/update-account", kJson, R"({"username":"Johnny"})", 200,
                {R"("username":"johnny")"}, {}, h},
            {"not signed in", "PATCH", kUsers + "/updateProfile", kJson, R"({"fullName":"x"})", 401, {}},
        });
    auto me2 = parseJson(client.Get(kUsers + "/getUser", h)->body)["data"];
    CHECK(me2["username"] == "johnny");
    CHECK(me2["updatedAt"] != me2["createdAt"]);
}

TEST_CASE("updateAvatar and updateCoverImg replace images and delete the unreferenced old one") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    auto me = signUp(client, "john_doe");
    auto friendAccount = signUp(client, "jane");
    auto mediaDir = dir.path() / "media";

    auto res = patchFile(client, kUsers + "/updateAvatar", me.token, "Avatar", pngBytes());
    REQUIRE(res);
    CHECK(res->status == 200);
    std::string firstUrl = parseJson(res->body)["data"]["Avatar"];
    CHECK(countFiles(mediaDir) == 1);

    // Jane uses the same image: it is stored once and must survive John's change.
    CHECK(patchFile(client, kUsers + "/avatar", friendAccount.token, "avatar", pngBytes())->status == 200);
    CHECK(countFiles(mediaDir) == 1);
    res = patchFile(client, kUsers + "/updateAvatar", me.token, "Avatar", gifBytes());
    CHECK(res->status == 200);
    CHECK(countFiles(mediaDir) == 2);
    CHECK(client.Get(firstUrl.substr(server.baseUrl().size()))->status == 200);

    // Once Jane moves on too, nobody references the PNG: it is deleted.
    CHECK(patchFile(client, kUsers + "/avatar", friendAccount.token, "avatar", jpegBytes())->status == 200);
    CHECK(countFiles(mediaDir) == 2);
    CHECK(client.Get(firstUrl.substr(server.baseUrl().size()))->status == 404);

    res = patchFile(client, kUsers + "/cover-image", me.token, "coverImage", webpBytes());
    CHECK(res->status == 200);
    CHECK(std::string(parseJson(res->body)["data"]["CoverImg"]).ends_with(".webp"));

    CHECK(patchFile(client, kUsers + "/updateCoverImg", me.token, "CoverImg", "not an image")->status == 415);
    CHECK(patchFile(client, kUsers + "/updateCoverImg", me.token, "Other", pngBytes())->status == 400);
    CHECK(patchFile(client, kUsers + "/updateAvatar", "bad-token", "Avatar", pngBytes())->status == 401);
    CHECK(client.Patch(kUsers + "/updateAvatar", bearer(me.token), "{}", kJson)->status == 415);
    CHECK(countFiles(mediaDir) == 3);
}
