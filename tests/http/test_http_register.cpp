#include "scenario.hpp"
#include "storage/store.hpp"

using namespace usersvc;
using namespace usersvc::test;

namespace {
const std::string kRegister = "/api/v1/users/register";
const std::string kJson = "application/json";

std::size_t userCount(TestServer& server) {
    std::size_t n = 0;
    server.core().accounts().listUsers({}, [&](const UserListing&) { return ++n > 0; });
    return n;
}

httplib::MultipartFormDataItems registrationParts(const std::string& username, const std::string& email) {
    return {{"username", username, "", ""}, {"email", email, "", ""}, {"password", "password123", "", ""},
        {"fullName", "John Doe", "", ""}};
}
} // namespace

TEST_CASE("POST /register with JSON: success and every kind of bad input") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    std::string big = R"({"username":"big_one","email":"big@x.io","password":"password123","fullName":")" +
                      std::string(17 * 1024, 'x') + "\"}";
    runScenarios(client,
        {
            {"registers", "POST", kRegister, kJson,
                R"({"username":"John_Doe","email":" John@Email.com ","password":"password123","fullName":"John Doe"})",
                201,
                {R"("username":"john_doe")", R"("email":"john@email.com")", R"("fullName":"John Doe")",
                    R"("message":"User registered successfully")", R"("Avatar":"")", R"("_id":")", R"("createdAt":")"}},
            {"urlencoded registers too", "POST", kRegister, "application/x-www-form-urlencoded",
                "username=jane_doe&email=jane%40email.com&password=password123", 201, {R"("username":"jane_doe")"}},
            {"missing fields", "POST", kRegister, kJson, R"({})", 400,
                {R"("field":"username")", R"("field":"email")", R"("field":"password")"}},
            {"no body at all", "POST", kRegister, "", "", 400, {R"("field":"username")"}},
            {"invalid email", "POST", kRegister, kJson, R"({"username":"abc","email":"abc@","password":"password123"})",
                400, {R"("field":"email")"}, {R"("field":"username")"}},
            {"bad username characters", "POST", kRegister, kJson,
                R"({"username":"bad name!","email":"bad@x.io","password":"password123"})", 400,
                {R"("field":"username")"}},
            {"the original example password 1234567 is too short", "POST", kRegister, kJson,
                R"({"username":"shorty","email":"shorty@x.io","password":"1234567"})", 400,
                {R"("field":"password")", "8 to 72 bytes"}},
            {"taken username", "POST", kRegister, kJson,
                R"({"username":"john_doe","email":"other@x.io","password":"password123"})", 409,
                {R"("field":"username")"}},
            {"taken username differing in case", "POST", kRegister, kJson,
                R"({"username":"JOHN_DOE","email":"other@x.io","password":"password123"})", 409,
                {R"("field":"username")"}},
            {"taken email differing in case", "POST", kRegister, kJson,
                R"({"username":"johnny","email":"JOHN@EMAIL.COM","password":"password123"})", 409,
                {R"("field":"email")"}, {R"("field":"username")"}},
            {"invalid JSON", "POST", kRegister, kJson, R"({"username": "x",)", 400,
                {R"("message":"Invalid JSON body")"}},
            {"JSON that is not an object", "POST", kRegister, kJson, R"(["a"])", 400, {"must be an object"}},
            {"a field of the wrong type", "POST", kRegister, kJson,
                R"({"username":123,"email":"n@x.io","password":"password123"})", 400,
                {R"("field":"username")", "string"}},
            {"JSON over 16 KiB", "POST", kRegister, kJson, big, 413, {"larger than"}},
            {"wrong content type", "POST", kRegister, "text/plain", "username=x", 415, {"Content-Type"}},
            {"unknown fields are ignored", "POST", kRegister, kJson,
                R"({"username":"extra","email":"extra@x.io","password":"password123","isAdmin":true})", 201,
                {R"("username":"extra")"}, {"isAdmin"}},
        });
    CHECK(userCount(server) == 3);
    CHECK(countFiles(dir.path() / "media") == 0);
}

TEST_CASE("POST /register as multipart with Avatar and CoverImg stores and serves both") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    auto parts = registrationParts("john_doe", "john@email.com");
    parts.push_back({"Avatar", pngBytes(), "../../etc/passwd.png", "image/png"});
    parts.push_back({"CoverImg", jpegBytes(), "cover.jpg", "image/jpeg"});
    auto res = client.Post(kRegister, parts);
    REQUIRE(res);
    CHECK(res->status == 201);
    auto user = parseJson(res->body)["data"];
    std::string avatar = user["Avatar"], cover = user["CoverImg"];
    CHECK(avatar.rfind(server.baseUrl() + "/media/", 0) == 0);
    CHECK(avatar.ends_with(".png"));
    CHECK(cover.ends_with(".jpg"));
    CHECK(avatar.find("passwd") == std::string::npos); // the client's file name is never used

    auto media = client.Get(avatar.substr(server.baseUrl().size()));
    REQUIRE(media);
    CHECK(media->status == 200);
    CHECK(media->body == pngBytes());
    CHECK(media->get_header_value("Content-Type") == "image/png");
    CHECK(media->get_header_value("X-Content-Type-Options") == "nosniff");
    CHECK(media->get_header_value("Cache-Control") == "public, max-age=31536000, immutable");
    CHECK(countFiles(dir.path() / "media") == 2);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "etc"));
}

TEST_CASE("multipart accepts the chai-backend field names avatar and coverImage") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    auto parts = registrationParts("chai_user", "chai@x.io");
    parts.push_back({"avatar", gifBytes(), "a.gif", "image/gif"});
    parts.push_back({"coverImage", webpBytes(), "c.webp", "image/webp"});
    auto res = client.Post(kRegister, parts);
    REQUIRE(res);
    CHECK(res->status == 201);
    auto user = parseJson(res->body)["data"];
    CHECK(std::string(user["Avatar"]).ends_with(".gif"));
    CHECK(std::string(user["CoverImg"]).ends_with(".webp"));
}

TEST_CASE("bad uploads are refused and leave no user row and no file") {
    TempDir dir;
    TestServer server(dir.path(), {}, [](CoreSettings& s) { s.maxUploadBytes = 4096; });
    auto client = server.client();

    struct BadUpload {
        std::string name;
        httplib::MultipartFormDataItems files;
        int status;
        std::string field;
    };
    std::vector<BadUpload> cases = {
        {"a text file renamed .png", {{"Avatar", "I am not an image", "avatar.png", "image/png"}}, 415, "Avatar"},
        {"an image over --max-upload", {{"CoverImg", pngBytes() + std::string(5000, 'x'), "big.png", "image/png"}}, 413,
            "CoverImg"},
        {"two files in one field",
            {{"Avatar", pngBytes(), "a.png", "image/png"}, {"Avatar", pngBytes(), "b.png", "image/png"}}, 400,
            "Avatar"},
        {"a good avatar with a bad cover",
            {{"Avatar", pngBytes(), "a.png", "image/png"}, {"CoverImg", "<svg/>", "c.png", "image/png"}}, 415,
            "CoverImg"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        auto parts = registrationParts("victim", "victim@x.io");
        parts.insert(parts.end(), c.files.begin(), c.files.end());
        auto res = client.Post(kRegister, parts);
        REQUIRE(res);
        CHECK(res->status == c.status);
        auto body = parseJson(res->body);
        CHECK(body["success"] == false);
        REQUIRE(body["errors"].size() >= 1);
        CHECK(body["errors"][0]["field"] == c.field);
        CHECK(userCount(server) == 0);
        CHECK(countFiles(dir.path() / "media") == 0);
    }
    // A conflict after good uploads leaves no file either.
    auto first = registrationParts("taken", "taken@x.io");
    REQUIRE(client.Post(kRegister, first)->status == 201);
    auto clash = registrationParts("TAKEN", "new@x.io");
    clash.push_back({"Avatar", pngBytes(), "a.png", "image/png"});
    auto res = client.Post(kRegister, clash);
    REQUIRE(res);
    CHECK(res->status == 409);
    CHECK(countFiles(dir.path() / "media") == 0);
    // The connection is still usable after all of the above.
    CHECK(client.Get("/api/v1/healthcheck")->status == 200);
}

TEST_CASE("a request larger than the whole-request limit is 413") {
    TempDir dir;
    TestServer server(dir.path(), {}, [](CoreSettings& s) { s.maxUploadBytes = 1024; });
    auto client = server.client();
    // Hard limit: two uploads plus 1 MiB of form fields.
    auto parts = registrationParts("huge", "huge@x.io");
    parts.push_back({"fullName", std::string(1100 * 1024, 'x'), "", ""});
    auto res = client.Post(kRegister, parts);
    REQUIRE(res);
    CHECK(res->status == 413);
    CHECK(parseJson(res->body)["success"] == false);
    CHECK(userCount(server) == 0);
}

TEST_CASE("--require-avatar makes Avatar mandatory") {
    TempDir dir;
    TestServer server(dir.path(), {}, [](CoreSettings& s) { s.accounts.requireAvatar = true; });
    auto client = server.client();
    auto res = client.Post(kRegister, registrationParts("noavatar", "no@x.io"));
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(res->body.find(R"("field":"Avatar")") != std::string::npos);
    auto parts = registrationParts("hasavatar", "has@x.io");
    parts.push_back({"Avatar", pngBytes(), "a.png", "image/png"});
    CHECK(client.Post(kRegister, parts)->status == 201);
}

TEST_CASE("malformed UTF-8 in urlencoded, multipart and login input is a 400 that stores nothing") {
    // Issue 12, finding 4: an overlong '/' (C0 AF), a surrogate (ED A0 80) or a
    // code point past U+10FFFF (F4 90 80 80) was stored as sent.
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    const std::string form = "application/x-www-form-urlencoded";
    for (std::string bad : {"%C0%AF", "%ED%A0%80", "%F4%90%80%80"}) {
        CAPTURE(bad);
        auto name =
            client.Post(kRegister, "username=utf_a&email=a%40x.io&password=password123&fullName=Ann" + bad, form);
        REQUIRE(name);
        CHECK(name->status == 400);
        CHECK(name->body.find(R"("field":"fullName")") != std::string::npos);
        auto email = client.Post(kRegister, "username=utf_b&email=b" + bad + "%40x.io&password=password123", form);
        REQUIRE(email);
        CHECK(email->status == 400);
        CHECK(email->body.find(R"("field":"email")") != std::string::npos);
        auto login = client.Post("/api/v1/users/login", "email=b" + bad + "%40x.io&password=password123", form);
        REQUIRE(login);
        CHECK(login->status == 400);
    }
    auto parts = registrationParts("utf_c", "c@x.io");
    parts[3].content = "Ann \xED\xA0\x80";
    auto multipart = client.Post(kRegister, parts);
    REQUIRE(multipart);
    CHECK(multipart->status == 400);
    CHECK(userCount(server) == 0);
}

TEST_CASE("registrations are limited per client address, and input refused before hashing does not count") {
    // Issue 21: registration had no limit of its own.
    TempDir dir;
    http::ServerSettings settings;
    settings.loginLimits.registrationsPerAddress = 3;
    TestServer server(dir.path(), settings);
    auto client = server.client();
    auto reg = [&](const std::string& name, const std::string& password) {
        auto res = client.Post("/api/v1/users/register",
            nlohmann::json{{"username", name}, {"email", name + "@x.io"}, {"password", password}}.dump(),
            "application/json");
        REQUIRE(res);
        return *res;
    };
    CHECK(reg("limited_a", "password123").status == 201);
    CHECK(reg("limited_b", "short").status == 400); // refused before any hash: not counted
    CHECK(reg("limited_c", "password123").status == 201);
    CHECK(reg("limited_a", "password123").status == 409); // hashed, then taken: counted
    auto limited = reg("limited_d", "password123");
    CHECK(limited.status == 429);
    CHECK(std::stoi(limited.get_header_value("Retry-After")) > 0);
    CHECK(parseJson(limited.body)["message"] == "Too many registrations from this address; try again later");
    // Logins from the same address are not affected.
    CHECK(
        client.Post("/api/v1/users/login", R"({"username":"limited_a","password":"password123"})", "application/json")
            ->status == 200);
}
