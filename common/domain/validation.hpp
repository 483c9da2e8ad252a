#pragma once
// The input rules of API.md, shared by registration, profile edits, login and
// every CLI subcommand that takes the same fields.
#include "domain/error.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace usersvc {

constexpr std::size_t kMaxPasswordBytes = 72; // bcrypt reads no further
constexpr std::size_t kDefaultMinPasswordBytes = 8;

// The longest e-mail address accepted (RFC 5321's path limit); usernames are shorter.
inline constexpr std::size_t kMaxEmailBytes = 254;

std::string trim(std::string_view s);
// Well-formed UTF-8 only: overlong forms, surrogates and code points above
// U+10FFFF are refused, as every text field of the API and the CLI refuses them.
bool isValidUtf8(std::string_view s);
// `s` with control characters (bytes below 0x20, and 0x7f) written as \xNN, for
// text meant for a terminal or a line-based log: what a client sent (a path, a
// User-Agent) can then neither forge a line nor drive the terminal.
std::string escapeControlCharacters(std::string_view s);
std::string toLower(std::string_view s);
// A header value kept for people to read (a session's User-Agent): bytes
// above 0x7f as '?', at most `maxBytes`; always valid UTF-8 whatever the client
// sent. (Control characters stay; the places that show them escape them.)
std::string asciiOnly(std::string_view s, std::size_t maxBytes);

// What a login names, normalised once (trimmed, lowercased). A value with '@'
// is an e-mail, any other a username (usernames cannot contain '@'), whichever
// form field carried it: one-box forms send {"email": X, "username": X}.
struct LoginIdentifier {
    enum class Kind { Username, Email };
    Kind kind = Kind::Username;
    std::string value; // "" when none was given

    static LoginIdentifier from(std::string_view raw);
};

// Each returns the normalised value, or adds a FieldError to `errors`.
std::string checkUsername(std::string_view raw, std::vector<FieldError>& errors);
std::string checkEmail(std::string_view raw, std::vector<FieldError>& errors);
std::string checkFullName(std::string_view raw, std::vector<FieldError>& errors);
void checkPassword(std::string_view password, std::size_t minBytes, std::vector<FieldError>& errors,
    const std::string& field = "password");

// Throws Error{Invalid, "Validation failed", errors} when `errors` is not empty.
void throwIfInvalid(const std::vector<FieldError>& errors);

} // namespace usersvc
