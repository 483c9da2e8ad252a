#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace usersvc {

// A MongoDB-ObjectId-shaped id: 4-byte big-endian seconds, then 8 bytes (the
// caller's randomness: newObjectId in security/crypto.hpp), as 24 lowercase
// hex. Time-ordered, so `ORDER BY id` lists users by creation.
std::string objectIdOf(std::uint32_t seconds, std::string_view eightBytes);

bool isObjectId(std::string_view s);

} // namespace usersvc
