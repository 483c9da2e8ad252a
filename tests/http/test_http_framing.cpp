// Request framing (issue 12, finding 3): a request whose body length is
// ambiguous is refused before routing and its connection closed, so no byte of
// it can run as a second request; media types compare case-insensitively.
#include "scenario.hpp"

using namespace usersvc;
using namespace usersvc::test;

namespace {
// A complete request that must never be answered when it travels inside another's body.
const std::string kSmuggled = "GET /api/v1/users/current-user HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

std::string withLength(const std::string& body) {
    return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}
} // namespace

TEST_CASE("ambiguous framing is 400 with the connection closed, and the rest of the body never runs") {
    TempDir dir;
    TestServer server(dir.path());
    const std::string login =
        "POST /api/v1/users/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    const std::string chunkedSmuggle = "0\r\n\r\n" + kSmuggled;
    struct Case {
        std::string name;
        std::string request;
    };
    std::vector<Case> cases = {
        {"two Content-Length values", login + "Content-Length: 2\r\n" + withLength("{}" + kSmuggled)},
        {"a non-numeric Content-Length", login + "Content-Length: 2x\r\n\r\n{}" + kSmuggled},
        {"a signed Content-Length", login + "Content-Length: +2\r\n\r\n{}" + kSmuggled},
        {"Transfer-Encoding gzip, chunked with Content-Length",
            login + "Transfer-Encoding: gzip, chunked\r\n" + withLength(chunkedSmuggle)},
        {"Transfer-Encoding chunked with Content-Length",
            login + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n" + chunkedSmuggle},
        {"Transfer-Encoding identity", login + "Transfer-Encoding: identity\r\n" + withLength("{}" + kSmuggled)},
        {"two Transfer-Encoding headers",
            login + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkedSmuggle},
        {"a GET with a Content-Length body",
            "GET /api/v1/healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\n" + withLength(kSmuggled)},
        {"a GET with a chunked body",
            "GET /api/v1/healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
                chunkedSmuggle},
        {"a HEAD with a body", "HEAD /api/v1/healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\n" + withLength(kSmuggled)},
        {"an OPTIONS with a body",
            "OPTIONS /api/v1/users/login HTTP/1.1\r\nHost: 127.0.0.1\r\n" + withLength(kSmuggled)},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        RawReply reply = rawExchange(server.port(), c.request);
        CHECK(reply.bytes.rfind("HTTP/1.1 400 ", 0) == 0);
        CHECK(reply.bytes.find("\"success\":false") != std::string::npos);
        CHECK(reply.responses() == 1);
        CHECK(reply.closedByServer);
    }
    // A GET that says Content-Length: 0 has no body and is served as usual.
    auto client = server.client();
    client.set_keep_alive(true);
    for (int i = 0; i < 2; ++i) {
        auto res = client.Get("/api/v1/healthcheck", {{"Content-Length", "0"}});
        REQUIRE(res);
        CHECK(res->status == 200);
    }
}

TEST_CASE("media types compare case-insensitively: Multipart/Form-Data registers, Application/JSON logs in") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    std::string body;
    for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"username", "mixedcase"}, {"email", "mixedcase@x.io"}, {"password", "password123"}})
        body += "--XyZ\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
    body += "--XyZ--\r\n";
    auto reg = client.Post("/api/v1/users/register", body, "Multipart/Form-Data; boundary=XyZ");
    REQUIRE(reg);
    CHECK_MESSAGE(reg->status == 201, reg->body);
    auto login = client.Post("/api/v1/users/login", R"({"username":"mixedcase","password":"password123"})",
        "Application/JSON; Charset=UTF-8");
    REQUIRE(login);
    CHECK_MESSAGE(login->status == 200, login->body);
}

TEST_CASE("a body read only in part (malformed multipart) closes its connection") {
    TempDir dir;
    TestServer server(dir.path());
    // The multipart body never reaches its closing boundary; the bytes after the
    // point where parsing stopped are the smuggled request.
    std::string body = "--b\r\nContent-Disposition: form-data; name=\"username\"\r\nX: " + std::string(9000, 'x') +
                       "\r\n\r\n" + kSmuggled;
    std::string request = "POST /api/v1/users/register HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Content-Type: multipart/form-data; boundary=b\r\n" +
                          withLength(body);
    RawReply reply = rawExchange(server.port(), request);
    CHECK(reply.bytes.rfind("HTTP/1.1 400 ", 0) == 0);
    CHECK(reply.bytes.find("Content-Type: application/json; charset=utf-8") != std::string::npos);
    CHECK(reply.responses() == 1);
    CHECK(reply.closedByServer);
}
