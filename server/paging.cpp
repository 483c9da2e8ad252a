#include "paging.hpp"

#include "domain/error.hpp"

#include <charconv>
#include <string>
#include <vector>

namespace usersvc::http {

namespace {
// Reads ?name= into `out` when present; a bad value adds a field error.
void readWholeNumber(const httplib::Request& req, const char* name, std::int64_t max, std::int64_t& out,
    std::vector<FieldError>& errors) {
    if (!req.has_param(name)) return;
    const std::string text = req.get_param_value(name);
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > max)
        errors.push_back({name, "Must be a whole number from 1 to " + std::to_string(max)});
    else
        out = value;
}

void throwIfBadPaging(const std::vector<FieldError>& errors) {
    if (!errors.empty()) throw Error(Code::Invalid, "Invalid paging", errors);
}
} // namespace

Page pageOf(const httplib::Request& req) {
    Page page;
    std::vector<FieldError> errors;
    readWholeNumber(req, "page", 1000000, page.page, errors);
    readWholeNumber(req, "limit", 100, page.limit, errors);
    throwIfBadPaging(errors);
    return page;
}

std::int64_t limitOf(const httplib::Request& req, std::int64_t fallback, std::int64_t max) {
    std::int64_t limit = fallback;
    std::vector<FieldError> errors;
    readWholeNumber(req, "limit", max, limit, errors);
    throwIfBadPaging(errors);
    return limit;
}

} // namespace usersvc::http
