#include "output.hpp"

#include "domain/validation.hpp"

#include <iostream>

namespace usersvc::cli {

int exitCodeFor(Code code) {
    switch (code) {
    case Code::Invalid:
    case Code::TooLarge:
    case Code::UnsupportedMedia: return 2;
    case Code::Conflict: return 3;
    case Code::Unauthenticated:
    case Code::Forbidden:
    case Code::RateLimited: return 4;
    case Code::NotFound: return 5;
    case Code::Unavailable:
    case Code::Internal: return 1;
    }
    return 1;
}

void printError(const std::string& message, const std::vector<FieldError>& fields) {
    std::string line = "usersvc: " + message;
    for (std::size_t i = 0; i < fields.size(); ++i)
        line += (i == 0 ? ": " : "; ") + fields[i].field + ": " + fields[i].message;
    std::cerr << line << std::endl;
}

void printJson(const nlohmann::ordered_json& doc) {
    std::cout << doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

namespace {
// JSON carries some values twice, under chai-backend's name beside API.md's
// (domain/user_json.hpp); a person reads each once, under API.md's name.
bool isDialectDuplicate(const std::string& key) {
    return key == "avatar" || key == "coverImage" || key == "accessToken" || key == "refreshToken";
}
} // namespace

void printFields(const nlohmann::ordered_json& object) {
    std::size_t width = 0;
    for (const auto& [key, value] : object.items())
        width = std::max(width, key.size());
    for (const auto& [key, value] : object.items()) {
        if (isDialectDuplicate(key)) continue;
        // Escaped: a User-Agent or a name could otherwise drive the terminal.
        std::string text = escapeControlCharacters(value.is_string() ? value.get<std::string>() : value.dump());
        std::cout << key << std::string(width + 2 - key.size(), ' ') << text << '\n';
    }
}

void printRecord(const nlohmann::ordered_json& object, const std::string& quietLine, bool json, bool quiet) {
    if (json)
        printJson(object);
    else if (quiet)
        std::cout << quietLine << '\n';
    else
        printFields(object);
}

} // namespace usersvc::cli
