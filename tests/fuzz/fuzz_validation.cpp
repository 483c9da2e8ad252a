// libFuzzer: the input rules, timestamp and duration parsers, base64url and
// the import record reader, with invariants that must hold for any input.
#include "domain/clock.hpp"
#include "domain/validation.hpp"
#include "security/crypto.hpp"
#include "services/json_records.hpp"

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

using namespace usersvc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    std::vector<FieldError> errors;

    // A value that passes must pass again unchanged (normalising is idempotent).
    auto username = checkUsername(text, errors);
    if (errors.empty()) {
        if (checkUsername(username, errors) != username || !errors.empty()) std::abort();
    }
    errors.clear();
    auto email = checkEmail(text, errors);
    if (errors.empty()) {
        if (checkEmail(email, errors) != email || !errors.empty() || email.size() > 254) std::abort();
    }
    errors.clear();
    checkFullName(text, errors);
    errors.clear();
    checkPassword(text, 8, errors);

    if (auto ms = parseIsoTimestamp(text)) isoTimestamp(*ms);
    parseDurationSeconds(text);
    if (auto decoded = base64UrlDecode(text)) {
        if (base64UrlEncode(*decoded) != text) std::abort(); // one encoding per value
    }

    std::istringstream in(text);
    JsonRecordReader reader(in);
    std::string record;
    std::size_t line = 0, last = 0;
    while (reader.next(record, line)) {
        if (line < last) std::abort();
        last = line;
    }
    return 0;
}
