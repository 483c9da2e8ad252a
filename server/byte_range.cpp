#include "byte_range.hpp"

#include "domain/validation.hpp"

#include <algorithm>
#include <optional>

namespace usersvc::http {

namespace {
std::optional<std::uint64_t> number(std::string_view digits) {
    if (digits.empty() || digits.size() > 18) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return value;
}
} // namespace

RangeRequest parseRange(std::string_view header, std::uint64_t size) {
    using Kind = RangeRequest::Kind;
    constexpr std::string_view unit = "bytes=";
    if (header.size() <= unit.size() || toLower(header.substr(0, unit.size())) != unit) return {};
    std::string spec = trim(header.substr(unit.size()));
    auto dash = spec.find('-');
    if (spec.find(',') != std::string::npos || dash == std::string::npos) return {};
    std::string_view first = std::string_view(spec).substr(0, dash), last = std::string_view(spec).substr(dash + 1);
    if (first.empty()) { // "-N": the last N bytes
        auto suffix = number(last);
        if (!suffix) return {};
        if (*suffix == 0 || size == 0) return {Kind::Unsatisfiable};
        std::uint64_t length = std::min(*suffix, size);
        return {Kind::Part, size - length, length};
    }
    auto start = number(first);
    auto end = last.empty() ? std::optional<std::uint64_t>(UINT64_MAX) : number(last);
    if (!start || !end || *end < *start) return {};
    if (*start >= size) return {Kind::Unsatisfiable};
    std::uint64_t stop = std::min(*end, size - 1);
    return {Kind::Part, *start, stop - *start + 1};
}

} // namespace usersvc::http
