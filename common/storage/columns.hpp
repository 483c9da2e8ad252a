#pragma once
// Column lists both stores read rows by (SQLite and PostgreSQL name the columns
// alike), so a row reader of either store reads them in this order.
#include <string>

namespace usersvc {

inline constexpr const char* kUserColumns =
    "u.id, u.username, u.email, u.full_name, u.avatar, u.cover_image, u.created_at, u.updated_at, "
    "u.password_hash";
inline constexpr int kUserColumnCount = 9; // what readUser reads

// kUserColumns for a users table joined as `alias`.
inline std::string userColumns(const std::string& alias) {
    std::string out = kUserColumns;
    for (std::size_t at = 0; (at = out.find("u.", at)) != std::string::npos; at += alias.size() + 1)
        out.replace(at, 2, alias + ".");
    return out;
}

inline constexpr const char* kSessionColumns =
    "id, user_id, refresh_hash, created_at, last_used_at, expires_at, revoked_at, user_agent, "
    "client_address, previous_refresh_hash, rotated_at, replay_sealed";

// A search text as a LIKE pattern matching it anywhere, with LIKE's wildcards
// escaped by '\' (both stores say ESCAPE '\').
inline std::string likePattern(const std::string& text) {
    std::string out = "%";
    for (char c : text) {
        if (c == '%' || c == '_' || c == '\\') out += '\\';
        out += c;
    }
    return out + "%";
}

// The bounds of a prefix search: lowered `prefix`, and the same followed by
// U+10FFFF, above every valid UTF-8 continuation, so `from <= x < to` is
// exactly "x starts with prefix" in a bytewise comparison.
struct PrefixRange {
    std::string from;
    std::string to;
};
inline PrefixRange prefixRange(const std::string& prefix) {
    PrefixRange range;
    for (char c : prefix)
        range.from += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    range.to = range.from + "\xF4\x8F\xBF\xBF";
    return range;
}

// A session keeps its newest retired refresh-token hashes only (reuse
// detection looks for a recent one), so a refresh loop cannot grow the table
// without bound.
inline constexpr int kRetiredHashesKept = 100;

} // namespace usersvc
