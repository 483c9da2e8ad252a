#pragma once
// The one error type of usersvc. Services throw it; the server maps `code` to an
// HTTP status and envelope (server/envelope.cpp), the CLI maps it to an exit code
// (cli/output.cpp). Nothing else invents a second vocabulary for failures.
#include <stdexcept>
#include <string>
#include <vector>

namespace usersvc {

enum class Code {
    Invalid,          // 400 / exit 2
    Unauthenticated,  // 401 / exit 4
    Forbidden,        // 403 / exit 4
    NotFound,         // 404 / exit 5
    Conflict,         // 409 / exit 3
    TooLarge,         // 413 / exit 2
    UnsupportedMedia, // 415 / exit 2
    RateLimited,      // 429 / exit 4
    Unavailable,      // 503 / exit 1
    Internal,         // 500 / exit 1
};

struct FieldError {
    std::string field;
    std::string message;
};

struct Error : std::runtime_error {
    Code code;
    std::vector<FieldError> fields;

    Error(Code c, const std::string& message, std::vector<FieldError> f = {})
        : std::runtime_error(message), code(c), fields(std::move(f)) {}
};

// A password that did not match (at login a 401, a wrong old password a 400):
// what the failed-attempt limits count.
struct WrongPassword : Error {
    using Error::Error;
};

} // namespace usersvc
