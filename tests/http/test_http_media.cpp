// GET /media/...: byte ranges, validators, and Range ignored everywhere else
// (issue 12, finding 5: a Range was answered 200 with a truncated body).
#include "scenario.hpp"

using namespace usersvc;
using namespace usersvc::test;

namespace {
// Publishes `bytes` (which must start like an image) and returns its URL path.
std::string publish(TestServer& server, const std::string& bytes) {
    auto staged = server.core().media().stage("avatar");
    staged->append(bytes.data(), bytes.size());
    publishStaged(server.core(), *staged);
    return "/media/" + staged->reference();
}

std::string imageOf(std::size_t size) {
    std::string bytes = pngBytes();
    for (std::size_t i = 0; bytes.size() < size; ++i)
        bytes.push_back(static_cast<char>('a' + i % 26));
    return bytes;
}
} // namespace

TEST_CASE("media: one byte range is 206 with Content-Range and only those bytes") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    const std::string image = imageOf(1000);
    const std::string path = publish(server, image);
    const std::string size = std::to_string(image.size());

    struct Case {
        std::string range;
        std::size_t start, length;
    };
    for (const auto& c : std::vector<Case>{{"bytes=0-3", 0, 4}, {"bytes=990-", 990, 10}, {"bytes=-4", 996, 4},
             {"bytes=995-5000", 995, 5}, {"bytes=-5000", 0, 1000}}) {
        CAPTURE(c.range);
        auto res = client.Get(path, {{"Range", c.range}});
        REQUIRE(res);
        CHECK(res->status == 206);
        CHECK(res->body == image.substr(c.start, c.length));
        CHECK(res->get_header_value("Content-Range") ==
              "bytes " + std::to_string(c.start) + "-" + std::to_string(c.start + c.length - 1) + "/" + size);
        CHECK(res->get_header_value("Content-Type") == "image/png");
    }

    // Past the end: 416 naming the size, in the envelope, and never cached as the image.
    auto past = client.Get(path, {{"Range", "bytes=1000-"}});
    REQUIRE(past);
    CHECK(past->status == 416);
    CHECK(past->get_header_value("Content-Range") == "bytes */" + size);
    CHECK(past->get_header_value("Cache-Control").find("immutable") == std::string::npos);
    CHECK(parseJson(past->body)["success"] == false);

    // Several ranges, or an If-Range for another version: the whole image.
    for (const auto& headers : std::vector<httplib::Headers>{
             {{"Range", "bytes=0-1,5-6"}}, {{"Range", "bytes=0-3"}, {"If-Range", "\"0000\""}}}) {
        auto res = client.Get(path, headers);
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(res->body == image);
        CHECK(res->get_header_value("Accept-Ranges") == "bytes");
    }
}

TEST_CASE("media: the content hash is a strong ETag, and If-None-Match gets 304") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    const std::string path = publish(server, imageOf(300));
    auto first = client.Get(path);
    REQUIRE(first);
    std::string etag = first->get_header_value("ETag");
    CHECK(etag == "\"" + path.substr(10, 64) + "\"");
    auto again = client.Get(path, {{"If-None-Match", etag}});
    REQUIRE(again);
    CHECK(again->status == 304);
    CHECK(again->body.empty());
    auto ranged = client.Get(path, {{"Range", "bytes=0-9"}, {"If-Range", etag}});
    REQUIRE(ranged);
    CHECK(ranged->status == 206);
    auto head = client.Head(path);
    REQUIRE(head);
    CHECK(head->status == 200);
    CHECK(head->get_header_value("Content-Length") == "300");
}

TEST_CASE("a Range header on a JSON route is ignored: the whole envelope, 200") {
    TempDir dir;
    TestServer server(dir.path());
    auto client = server.client();
    auto res = client.Get("/api/v1/healthcheck", {{"Range", "bytes=0-3"}});
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Range").empty());
    CHECK(parseJson(res->body)["success"] == true);
}
