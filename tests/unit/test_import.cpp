#include "domain/clock.hpp"
#include "services/json_records.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <vector>

using namespace usersvc;

namespace {
std::vector<std::pair<std::size_t, std::string>> readAll(const std::string& input) {
    std::istringstream in(input);
    JsonRecordReader reader(in);
    std::vector<std::pair<std::size_t, std::string>> out;
    std::string text;
    std::size_t line;
    while (reader.next(text, line))
        out.emplace_back(line, text);
    return out;
}
} // namespace

TEST_CASE("records are read from JSON lines with their line numbers") {
    auto records = readAll("{\"a\":1}\n\n{\"b\":\"}{\\\"\"}\r\n{\"c\":{\"d\":[1,{}]}}\n");
    REQUIRE(records.size() == 3);
    CHECK(records[0] == std::make_pair<std::size_t, std::string>(1, R"({"a":1})"));
    CHECK(records[1].first == 3);
    CHECK(records[1].second == R"({"b":"}{\""})");
    CHECK(records[2].first == 4);
    CHECK(records[2].second == R"({"c":{"d":[1,{}]}})");
}

TEST_CASE("records are read from a JSON array, pretty-printed or not") {
    auto records = readAll("[\n  {\"a\": 1},\n  {\"b\": [2, 3]}\n]\n");
    REQUIRE(records.size() == 2);
    CHECK(records[0].first == 2);
    CHECK(records[1].second == R"({"b": [2, 3]})");
    CHECK(readAll("[]").empty());
    CHECK(readAll("").empty());
}

TEST_CASE("garbage between records comes back as a record to report") {
    auto records = readAll("{\"a\":1}\nnot json here\n{\"b\":2}");
    REQUIRE(records.size() == 3);
    CHECK(records[1].first == 2);
    CHECK(records[1].second == "not json here");
    auto truncated = readAll("{\"a\": \"unterminated");
    REQUIRE(truncated.size() == 1);
}

TEST_CASE("ISO 8601 timestamps parse as JavaScript and mongoexport write them") {
    CHECK(parseIsoTimestamp("1970-01-01T00:00:00.000Z") == 0);
    CHECK(parseIsoTimestamp("2024-01-12T09:30:00.123Z") == 1705051800123);
    CHECK(parseIsoTimestamp("2024-01-12T09:30:00Z") == 1705051800000);
    CHECK(parseIsoTimestamp("2024-01-12T11:30:00.123+02:00") == 1705051800123);
    CHECK(parseIsoTimestamp("2024-02-29T00:00:00.5Z") == 1709164800500);
    CHECK(isoTimestamp(*parseIsoTimestamp("2026-11-24T10:00:00.000Z")) == "2026-11-24T10:00:00.000Z");
    CHECK_FALSE(parseIsoTimestamp("2024-01-12T09:30:00")); // no zone
    CHECK_FALSE(parseIsoTimestamp("2024-13-01T00:00:00Z"));
    CHECK_FALSE(parseIsoTimestamp("yesterday"));
    CHECK_FALSE(parseIsoTimestamp("2024-01-12T09:30:00Zjunk"));
}
