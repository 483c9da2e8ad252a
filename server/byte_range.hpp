#pragma once
// The Range header of a GET for a stored image (RFC 9110 14.2). One byte range
// is served as 206; several ranges or a range whose end precedes its start are
// ignored and the whole file is served, as the RFC allows. (A header cpp-httplib
// cannot parse at all, such as another unit, it answers 416 before routing.)
#include <cstdint>
#include <string_view>

namespace usersvc::http {

struct RangeRequest {
    enum class Kind { Whole, Part, Unsatisfiable };
    Kind kind = Kind::Whole;
    std::uint64_t start = 0;
    std::uint64_t length = 0;
};

RangeRequest parseRange(std::string_view header, std::uint64_t size);

} // namespace usersvc::http
