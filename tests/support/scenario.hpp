#pragma once
// PocketBase-style HTTP scenarios (its ApiScenario): each row names itself,
// sends one request to a real server, and states the status plus what the body
// must and must not contain (a password, a hash). Rows run in order against one
// server; a row's `before` hook sets up what it needs (an account, a session)
// and its `after` hook checks the answer and the store beyond the body's text.
// Hooks keep what later rows need in the run's named values: "{name}" in a
// path or body is replaced by the value, and `as` sends the value as a Bearer
// token.
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <cctype>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace usersvc::test {

// What the rows of one run share.
struct ScenarioRun {
    TestServer& server;
    httplib::Client& client;
    std::map<std::string, std::string> values = {};

    // `text` with each "{name}" (letters, digits, '_', '.') replaced by
    // values[name]; a name with no value fails the test (a row would otherwise
    // send the placeholder itself and could pass by accident, say as a 404).
    std::string expand(const std::string& text) const {
        auto isNameChar = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; };
        std::string out;
        for (std::size_t i = 0; i < text.size();) {
            std::size_t end = i + 1;
            while (text[i] == '{' && end < text.size() && isNameChar(text[end]))
                ++end;
            if (text[i] != '{' || end == i + 1 || end == text.size() || text[end] != '}') {
                out += text[i++];
                continue;
            }
            std::string name = text.substr(i + 1, end - i - 1);
            REQUIRE_MESSAGE(values.count(name), "no value named " << name);
            out += values.at(name);
            i = end + 1;
        }
        return out;
    }
};

struct Scenario {
    std::string name;
    std::string method;
    std::string path;
    std::string contentType; // "" : no body
    std::string body;
    int expectedStatus;
    std::vector<std::string> expectedContent;
    std::vector<std::string> notExpectedContent = {};
    httplib::Headers headers = {};
    std::string as = {}; // the named value to send as the Bearer token
    std::function<void(ScenarioRun&)> before = {};
    std::function<void(ScenarioRun&, const httplib::Response&)> after = {};
};

// Never in any response: bcrypt hashes and password fields.
inline const std::vector<std::string> kSecretsNeverShown = {
    "$2b$", "$2a$", "\"password\":", "passwordHash", "refresh_hash"};

inline httplib::Result send(httplib::Client& client, const std::string& method, const std::string& path,
    const std::string& contentType, const std::string& body, const httplib::Headers& headers = {}) {
    if (method == "GET") return client.Get(path, headers);
    if (method == "DELETE") return client.Delete(path, headers, body, contentType);
    if (method == "PUT") return client.Put(path, headers, body, contentType);
    if (method == "PATCH") return client.Patch(path, headers, body, contentType);
    if (method == "OPTIONS") return client.Options(path, headers);
    if (contentType.empty()) return client.Post(path, headers);
    return client.Post(path, headers, body, contentType);
}

// POST /api/v1/users/login with `fields` as JSON; the answer, which must exist.
inline httplib::Response postLogin(
    httplib::Client& client, const nlohmann::json& fields, const httplib::Headers& headers = {}) {
    auto res = client.Post("/api/v1/users/login", headers, fields.dump(), "application/json");
    REQUIRE(res);
    return *res;
}

inline httplib::Headers bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
}

// A multipart body with one file field: its Content-Type and the body.
inline std::pair<std::string, std::string> multipartFile(const std::string& field, const std::string& bytes) {
    std::string boundary = "usersvcTestBoundary42";
    std::string body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field +
                       "\"; filename=\"upload.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n" + bytes +
                       "\r\n--" + boundary + "--\r\n";
    return {"multipart/form-data; boundary=" + boundary, body};
}

// cpp-httplib 0.11's client has no multipart PATCH; the body is built by hand.
inline httplib::Result patchFile(httplib::Client& client, const std::string& path, const std::string& token,
    const std::string& field, const std::string& bytes) {
    auto [contentType, body] = multipartFile(field, bytes);
    return client.Patch(path, bearer(token), body, contentType);
}

struct Account {
    std::string id;
    std::string token;
};

// Registers `name` (email name@x.io, password password123) and logs in.
inline Account signUp(httplib::Client& client, const std::string& name) {
    auto reg = client.Post("/api/v1/users/register",
        nlohmann::json{{"username", name}, {"email", name + "@x.io"}, {"password", "password123"}}.dump(),
        "application/json");
    REQUIRE(reg);
    REQUIRE_MESSAGE(reg->status == 201, reg->body);
    auto res = client.Post("/api/v1/users/login",
        nlohmann::json{{"username", name}, {"password", "password123"}}.dump(), "application/json");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    auto data = nlohmann::json::parse(res->body)["data"];
    return {data["user"]["_id"], data["AccessToken"]};
}

// The checks every row's answer gets: its status, the JSON envelope, the
// content it must and must not show, and never a secret.
inline void checkAnswer(const Scenario& s, const httplib::Response& res) {
    CHECK_MESSAGE(res.status == s.expectedStatus, s.name << ": " << res.body);
    CHECK(res.get_header_value("Content-Type") == "application/json; charset=utf-8");
    CHECK_FALSE(res.get_header_value("X-Request-Id").empty());
    auto json = nlohmann::json::parse(res.body, nullptr, false);
    REQUIRE_MESSAGE(json.is_object(), s.name << ": body is not a JSON object: " << res.body);
    CHECK(json["statusCode"] == s.expectedStatus);
    CHECK(json["success"] == (s.expectedStatus < 400));
    if (s.expectedStatus >= 400) CHECK(json["errors"].is_array());
    for (const auto& want : s.expectedContent)
        CHECK_MESSAGE(res.body.find(want) != std::string::npos, s.name << " lacks " << want << ": " << res.body);
    for (const auto& bad : s.notExpectedContent)
        CHECK_MESSAGE(res.body.find(bad) == std::string::npos, s.name << " shows " << bad);
    for (const auto& bad : kSecretsNeverShown)
        CHECK_MESSAGE(res.body.find(bad) == std::string::npos, s.name << " shows " << bad);
}

// Rows in order, with their hooks and the run's named values.
inline void runScenarios(ScenarioRun& run, const std::vector<Scenario>& scenarios) {
    for (const auto& row : scenarios) {
        CAPTURE(row.name);
        if (row.before) row.before(run);
        Scenario s = row;
        s.path = run.expand(row.path);
        // A file's bytes are sent as they are.
        if (row.contentType.rfind("multipart/", 0) != 0) s.body = run.expand(row.body);
        if (!row.as.empty()) {
            REQUIRE_MESSAGE(run.values.count(row.as), row.name << ": no value named " << row.as);
            s.headers.emplace("Authorization", "Bearer " + run.values.at(row.as));
        }
        auto res = send(run.client, s.method, s.path, s.contentType, s.body, s.headers);
        REQUIRE_MESSAGE(res, "no response for " << s.name << ": " << httplib::to_string(res.error()));
        checkAnswer(s, *res);
        if (row.after) row.after(run, *res);
    }
}

// Rows without hooks or named values.
inline void runScenarios(httplib::Client& client, const std::vector<Scenario>& scenarios) {
    for (const auto& s : scenarios) {
        CAPTURE(s.name);
        auto res = send(client, s.method, s.path, s.contentType, s.body, s.headers);
        REQUIRE_MESSAGE(res, "no response for " << s.name << ": " << httplib::to_string(res.error()));
        checkAnswer(s, *res);
    }
}

// The `data` of an answer.
inline nlohmann::json dataIn(const httplib::Response& res) {
    return nlohmann::json::parse(res.body)["data"];
}

// Row builders: each gives the row back with one more thing said about it.
inline Scenario withHeaders(Scenario row, httplib::Headers headers) {
    row.headers = std::move(headers);
    return row;
}

inline Scenario as(Scenario row, std::string who) {
    row.as = std::move(who);
    return row;
}

inline Scenario before(Scenario row, std::function<void(ScenarioRun&)> hook) {
    row.before = std::move(hook);
    return row;
}

// An after hook given the answer's `data`.
inline Scenario after(Scenario row, std::function<void(ScenarioRun&, const nlohmann::json& data)> check) {
    row.after = [check = std::move(check)](ScenarioRun& run, const httplib::Response& res) { check(run, dataIn(res)); };
    return row;
}

// GET /api/v1/users/getUser with the named token: whether that session is open.
inline Scenario getUserAs(std::string name, std::string who, int status) {
    return as({std::move(name), "GET", "/api/v1/users/getUser", "", "", status, {}}, std::move(who));
}

// A before hook: signs `name` up (signUp); its token under `name`, its id
// under `name`.id.
inline std::function<void(ScenarioRun&)> signUpAs(const std::string& name) {
    return [name](ScenarioRun& run) {
        auto account = signUp(run.client, name);
        run.values[name] = account.token;
        run.values[name + ".id"] = account.id;
    };
}

} // namespace usersvc::test
