#include "domain/clock.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace usersvc {

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string isoTimestamp(std::int64_t ms) {
    std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    int millis = static_cast<int>(ms % 1000);
    if (millis < 0) {
        millis += 1000;
        seconds -= 1;
    }
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    int year = tm.tm_year + 1900;
    char buf[64];
    if (year < 0 || year > 9999) {
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, tm.tm_mon + 1, tm.tm_mday,
            tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
        return buf;
    }
    // Fixed-width digits written directly: every user in an answer has two of
    // these, and snprintf's format parsing was most of their cost.
    auto digits = [](char* at, int value, int width) {
        for (int i = width - 1; i >= 0; --i, value /= 10)
            at[i] = static_cast<char>('0' + value % 10);
    };
    std::string out = "0000-00-00T00:00:00.000Z";
    digits(&out[0], year, 4);
    digits(&out[5], tm.tm_mon + 1, 2);
    digits(&out[8], tm.tm_mday, 2);
    digits(&out[11], tm.tm_hour, 2);
    digits(&out[14], tm.tm_min, 2);
    digits(&out[17], tm.tm_sec, 2);
    digits(&out[20], millis, 3);
    return out;
}

std::optional<std::int64_t> parseIsoTimestamp(std::string_view t) {
    auto digits = [&](std::size_t at, std::size_t n, int& out) {
        if (at + n > t.size()) return false;
        out = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (t[i] < '0' || t[i] > '9') return false;
            out = out * 10 + (t[i] - '0');
        }
        return true;
    };
    int year, month, day, hour, minute, second;
    if (!digits(0, 4, year) || t.size() < 19 || t[4] != '-' || !digits(5, 2, month) || t[7] != '-' ||
        !digits(8, 2, day) || (t[10] != 'T' && t[10] != ' ') || !digits(11, 2, hour) || t[13] != ':' ||
        !digits(14, 2, minute) || t[16] != ':' || !digits(17, 2, second))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    std::size_t i = 19;
    int millis = 0;
    if (i < t.size() && t[i] == '.') {
        int scale = 100;
        for (++i; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
            millis += (t[i] - '0') * scale;
            scale /= 10;
        }
    }
    int offsetMinutes = 0;
    if (i < t.size() && (t[i] == 'Z' || t[i] == 'z')) {
        ++i;
    } else if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
        int oh, om;
        if (!digits(i + 1, 2, oh) || i + 3 >= t.size() || t[i + 3] != ':' || !digits(i + 4, 2, om)) return std::nullopt;
        offsetMinutes = (t[i] == '+' ? 1 : -1) * (oh * 60 + om);
        i += 6;
    } else {
        return std::nullopt; // a time without a zone is ambiguous
    }
    if (i != t.size()) return std::nullopt;
    // Days from civil (Howard Hinnant's algorithm), valid for the proleptic Gregorian calendar.
    int y = year - (month <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    std::int64_t days = static_cast<std::int64_t>(era) * 146097 + doe - 719468;
    std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60;
    return seconds * 1000 + millis;
}

std::optional<std::int64_t> parseDurationSeconds(std::string_view text) {
    if (text.empty() || text.size() > 18) return std::nullopt; // 18 digits cannot overflow int64
    std::int64_t value = 0;
    std::size_t i = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
        value = value * 10 + (text[i] - '0');
    if (i == 0) return std::nullopt;
    std::string_view unit = text.substr(i);
    std::int64_t factor = 0;
    if (unit.empty() || unit == "s")
        factor = 1;
    else if (unit == "m")
        factor = 60;
    else if (unit == "h")
        factor = 3600;
    else if (unit == "d")
        factor = 86400;
    else if (unit == "w")
        factor = 7 * 86400;
    else
        return std::nullopt;
    // Past 100 years a lifetime is a typo, and the product must not overflow
    // (libFuzzer found "66666666666666w").
    constexpr std::int64_t kMaxSeconds = 100LL * 365 * 86400;
    if (value <= 0 || value > kMaxSeconds / factor) return std::nullopt;
    return value * factor;
}

} // namespace usersvc
