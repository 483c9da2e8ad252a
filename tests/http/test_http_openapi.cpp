// docs/openapi.yaml and the server's route table describe the same API.
#include "scenario.hpp"

#include <regex>
#include <set>

using namespace usersvc;
using namespace usersvc::test;

TEST_CASE("every route the server registers is in the OpenAPI document, and nothing else") {
    TempDir dir;
    http::ServerSettings settings;
    settings.metrics = true; // the document describes /metrics too
    TestServer server(dir.path(), settings);
    auto client = server.client();
    auto res = client.Get("/api/v1/openapi.json");
    REQUIRE(res);
    CHECK(res->status == 200);
    auto doc = parseJson(res->body);
    CHECK(doc["openapi"] == "3.1.0");
    CHECK(doc["servers"][0]["url"] == server.baseUrl());

    std::set<std::string> documented, served;
    for (const auto& [path, item] : doc["paths"].items())
        for (const auto& [method, operation] : item.items()) {
            std::string upper = method;
            for (auto& c : upper)
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            documented.insert(upper + " " + path);
            CHECK_MESSAGE(operation.contains("responses"), path);
        }
    // The server (through TestServer's core) registers patterns with :name segments.
    http::HttpServer probe(server.core(), settings);
    for (const auto& route : probe.router().routes())
        served.insert(route.method + " " + std::regex_replace(route.pattern, std::regex(":([A-Za-z]+)"), "{$1}"));
    for (const auto& r : served)
        CHECK_MESSAGE(documented.count(r) == 1, "not documented: " << r);
    for (const auto& r : documented)
        CHECK_MESSAGE(served.count(r) == 1, "documented but not served: " << r);
}
