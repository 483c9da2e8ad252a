#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace usersvc {

std::int64_t nowMs();

// "2026-11-24T10:00:00.000Z"
std::string isoTimestamp(std::int64_t ms);

// Parses ISO 8601 date-times as JavaScript's Date.toISOString() and mongoexport
// write them ("2026-11-24T10:00:00.000Z", also "+01:00" offsets, fraction
// optional). Returns milliseconds since the epoch, or nothing.
std::optional<std::int64_t> parseIsoTimestamp(std::string_view text);

// Parses durations as the Express backend's .env writes them ("15m", "1d", "10d",
// "30s", "2h") or plain seconds ("900"). Returns seconds, or nothing when malformed,
// not positive, or longer than 100 years.
std::optional<std::int64_t> parseDurationSeconds(std::string_view text);

} // namespace usersvc
