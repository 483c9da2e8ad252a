#include "domain/validation.hpp"

#include "domain/ids.hpp"

#include <algorithm>

namespace usersvc {

namespace {
bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Counts code points of well-formed UTF-8 (RFC 3629, Unicode table 3-7): no
// overlong forms, no surrogates, nothing above U+10FFFF. Nothing for anything else.
std::optional<std::size_t> utf8Length(std::string_view s) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < s.size(); ++count) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        if (len == 0 || i + len > s.size()) return std::nullopt;
        // The second byte's range depends on the first; the rest are 80..BF.
        auto second = static_cast<unsigned char>(s[i + 1]);
        unsigned char low = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
        unsigned char high = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
        if (second < low || second > high) return std::nullopt;
        for (std::size_t k = 2; k < len; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return std::nullopt;
        i += len;
    }
    return count;
}
} // namespace

bool isValidUtf8(std::string_view s) {
    return utf8Length(s).has_value();
}

std::string trim(std::string_view s) {
    std::size_t b = 0, e = s.size();
    while (b < e && isSpace(s[b]))
        ++b;
    while (e > b && isSpace(s[e - 1]))
        --e;
    return std::string(s.substr(b, e - b));
}

std::string asciiOnly(std::string_view s, std::size_t maxBytes) {
    std::string out(s.substr(0, maxBytes));
    for (char& c : out)
        if (static_cast<unsigned char>(c) > 0x7f) c = '?';
    return out;
}

std::string toLower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
    });
    return out;
}

std::string checkUsername(std::string_view raw, std::vector<FieldError>& errors) {
    std::string name = toLower(trim(raw));
    if (name.empty()) {
        errors.push_back({"username", "Username is required"});
    } else if (name.size() < 3 || name.size() > 30) {
        errors.push_back({"username", "Username must be 3 to 30 characters long"});
    } else if (!std::all_of(name.begin(), name.end(), [](char c) {
                   return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
               })) {
        errors.push_back({"username", "Username may contain only letters, digits, '_', '.' and '-'"});
    } else if (isObjectId(name)) {
        // The console and the CLI take an _id or a username: a name shaped like
        // an _id could pose as another user's (issue 21).
        errors.push_back({"username", "Username cannot be 24 hexadecimal characters (the shape of a user _id)"});
    }
    return name;
}

std::string checkEmail(std::string_view raw, std::vector<FieldError>& errors) {
    std::string email = toLower(trim(raw));
    if (email.empty()) {
        errors.push_back({"email", "Email is required"});
        return email;
    }
    auto at = email.find('@');
    bool plausible = email.size() <= kMaxEmailBytes && at != std::string::npos && at > 0 &&
                     email.find('@', at + 1) == std::string::npos &&
                     std::none_of(email.begin(), email.end(),
                         [](unsigned char c) { return isSpace(static_cast<char>(c)) || c < 0x20 || c == 0x7f; });
    if (plausible) {
        std::string_view domain = std::string_view(email).substr(at + 1);
        auto dot = domain.find('.');
        plausible = dot != std::string_view::npos && dot > 0 && domain.back() != '.' &&
                    domain.find("..") == std::string_view::npos;
    }
    if (plausible) plausible = utf8Length(email).has_value();
    if (!plausible) errors.push_back({"email", "Email must be a valid address such as name@example.com"});
    return email;
}

std::string checkFullName(std::string_view raw, std::vector<FieldError>& errors) {
    std::string name = trim(raw);
    auto length = utf8Length(name);
    if (!length) {
        errors.push_back({"fullName", "Full name must be valid UTF-8"});
    } else if (*length > 100) {
        errors.push_back({"fullName", "Full name must be at most 100 characters"});
    } else if (std::any_of(name.begin(), name.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
        errors.push_back({"fullName", "Full name must not contain control characters"});
    }
    return name;
}

void checkPassword(
    std::string_view password, std::size_t minBytes, std::vector<FieldError>& errors, const std::string& field) {
    if (password.empty()) {
        errors.push_back({field, "Password is required"});
    } else if (password.size() < minBytes || password.size() > kMaxPasswordBytes) {
        errors.push_back({field, "Password must be " + std::to_string(minBytes) + " to " +
                                     std::to_string(kMaxPasswordBytes) + " bytes long"});
    } else if (password.find('\0') != std::string_view::npos || !utf8Length(password)) {
        errors.push_back({field, "Password must be valid UTF-8 without NUL characters"});
    }
}

void throwIfInvalid(const std::vector<FieldError>& errors) {
    if (!errors.empty()) throw Error(Code::Invalid, "Validation failed", errors);
}

std::string escapeControlCharacters(std::string_view s) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

LoginIdentifier LoginIdentifier::from(std::string_view raw) {
    LoginIdentifier id;
    id.value = toLower(trim(raw));
    id.kind = id.value.find('@') != std::string::npos ? Kind::Email : Kind::Username;
    return id;
}

} // namespace usersvc
