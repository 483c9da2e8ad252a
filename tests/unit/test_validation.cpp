#include "domain/clock.hpp"
#include "domain/ids.hpp"
#include "domain/validation.hpp"
#include "security/crypto.hpp"

#include <doctest/doctest.h>

using namespace usersvc;

namespace {
std::vector<FieldError> errorsOf(auto check) {
    std::vector<FieldError> errors;
    check(errors);
    return errors;
}
} // namespace

TEST_CASE("usernames are trimmed, lowercased and limited to a-z 0-9 _ . -") {
    std::vector<FieldError> errors;
    CHECK(checkUsername("  John_Doe.1-x ", errors) == "john_doe.1-x");
    CHECK(errors.empty());
    for (const char* bad : {"", "ab", "john doe", "jöhn", "john@doe", "a/b", "0123456789012345678901234567890"}) {
        CAPTURE(bad);
        auto e = errorsOf([&](auto& errs) { checkUsername(bad, errs); });
        REQUIRE(e.size() == 1);
        CHECK(e[0].field == "username");
    }
}

TEST_CASE("emails are trimmed, lowercased and must look like addresses") {
    std::vector<FieldError> errors;
    CHECK(checkEmail(" John@Email.COM ", errors) == "john@email.com");
    CHECK(errors.empty());
    for (const char* bad : {"", "john", "john@", "@email.com", "john@email", "jo hn@email.com", "a@b@c.com",
             "john@email.", "john@.com", "john@email..com"}) {
        CAPTURE(bad);
        auto e = errorsOf([&](auto& errs) { checkEmail(bad, errs); });
        REQUIRE(e.size() == 1);
        CHECK(e[0].field == "email");
    }
    auto longEmail = std::string(250, 'a') + "@x.io";
    CHECK(errorsOf([&](auto& errs) { checkEmail(longEmail, errs); }).size() == 1);
}

TEST_CASE("fullName keeps case, is optional and at most 100 characters") {
    std::vector<FieldError> errors;
    CHECK(checkFullName("  John Doe ", errors) == "John Doe");
    CHECK(checkFullName("", errors) == "");
    CHECK(checkFullName(std::string(50, 'x') + "\xC3\xA9", errors).size() == 52); // 51 characters
    CHECK(errors.empty());
    CHECK(errorsOf([](auto& errs) { checkFullName(std::string(101, 'x'), errs); }).size() == 1);
    CHECK(errorsOf([](auto& errs) { checkFullName("bad\xFF", errs); }).size() == 1);
    CHECK(errorsOf([](auto& errs) { checkFullName("tab\there", errs); }).size() == 1);
}

TEST_CASE("passwords are 8 to 72 bytes of UTF-8 without NUL") {
    CHECK(errorsOf([](auto& errs) { checkPassword("12345678", 8, errs); }).empty());
    CHECK(errorsOf([](auto& errs) { checkPassword(std::string(72, 'x'), 8, errs); }).empty());
    auto short7 = errorsOf([](auto& errs) { checkPassword("1234567", 8, errs); });
    REQUIRE(short7.size() == 1);
    CHECK(short7[0].field == "password");
    CHECK(short7[0].message.find("8 to 72") != std::string::npos);
    CHECK(errorsOf([](auto& errs) { checkPassword(std::string(73, 'x'), 8, errs); }).size() == 1);
    CHECK(errorsOf([](auto& errs) { checkPassword(std::string("abc\0defgh", 9), 8, errs); }).size() == 1);
    CHECK(errorsOf([](auto& errs) { checkPassword("abcdefgh\xFF", 8, errs); }).size() == 1);
    CHECK(errorsOf([](auto& errs) { checkPassword("1234567890", 12, errs); }).size() == 1);
}

TEST_CASE("throwIfInvalid carries every field error") {
    std::vector<FieldError> errors = {{"username", "a"}, {"email", "b"}};
    try {
        throwIfInvalid(errors);
        FAIL("expected an Error");
    } catch (const Error& e) {
        CHECK(e.code == Code::Invalid);
        CHECK(e.fields.size() == 2);
    }
    CHECK_NOTHROW(throwIfInvalid({}));
}

TEST_CASE("durations parse as the Express .env writes them") {
    CHECK(parseDurationSeconds("15m") == 900);
    CHECK(parseDurationSeconds("1d") == 86400);
    CHECK(parseDurationSeconds("10d") == 864000);
    CHECK(parseDurationSeconds("30s") == 30);
    CHECK(parseDurationSeconds("2h") == 7200);
    CHECK(parseDurationSeconds("900") == 900);
    CHECK_FALSE(parseDurationSeconds(""));
    CHECK_FALSE(parseDurationSeconds("0"));
    CHECK_FALSE(parseDurationSeconds("m"));
    CHECK_FALSE(parseDurationSeconds("5y"));
    CHECK_FALSE(parseDurationSeconds("-5m"));
    CHECK_FALSE(parseDurationSeconds("66666666666666w")); // overflowed int64 (found by libFuzzer)
    CHECK_FALSE(parseDurationSeconds("999999999999999999"));
    CHECK(parseDurationSeconds("36500d") == 36500LL * 86400);
}

TEST_CASE("timestamps are ISO 8601 UTC with milliseconds") {
    CHECK(isoTimestamp(0) == "1970-01-01T00:00:00.000Z");
    CHECK(isoTimestamp(1795600000123) == "2026-11-25T09:46:40.123Z");
    CHECK(isoTimestamp(-1) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("ids are 24 lowercase hex, time-ordered and distinct") {
    auto a = newObjectId();
    auto b = newObjectId();
    CHECK(isObjectId(a));
    CHECK(a != b);
    CHECK(a.substr(0, 8) <= b.substr(0, 8));
    auto seconds = std::stoul(a.substr(0, 8), nullptr, 16);
    CHECK(std::llabs(static_cast<long long>(seconds) - nowMs() / 1000) < 5);
    CHECK_FALSE(isObjectId("6743F0C2A1B2C3D4E5F60718"));
    CHECK_FALSE(isObjectId("6743f0c2a1b2c3d4e5f6071"));
}

TEST_CASE("UTF-8 is checked strictly: overlong forms, surrogates and code points past U+10FFFF are refused") {
    // Issue 12, finding 4: these were stored, and the account then failed every login.
    for (std::string bad : {"\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xE0\x9F\xBF", "\xF0\x80\x80\xAF",
             "\xF0\x8F\xBF\xBF", "\xED\xA0\x80", "\xED\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80",
             "\xF7\xBF\xBF\xBF", "\xF8\x88\x80\x80\x80", "\x80", "\xE2\x82", "a\xC3"}) {
        CAPTURE(bad);
        CHECK_FALSE(isValidUtf8(bad));
        CHECK(errorsOf([&](auto& errs) { checkFullName("Ann " + bad, errs); }).size() == 1);
        CHECK(errorsOf([&](auto& errs) { checkPassword("password" + bad, 8, errs); }).size() == 1);
        CHECK(errorsOf([&](auto& errs) { checkEmail("ann" + bad + "@x.io", errs); }).size() == 1);
    }
    // The edges that are characters: U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF.
    for (std::string good : {"\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80", "\xEF\xBF\xBF",
             "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF", "plain"}) {
        CAPTURE(good);
        CHECK(isValidUtf8(good));
        CHECK(errorsOf([&](auto& errs) { checkFullName("Ann " + good, errs); }).empty());
    }
}
