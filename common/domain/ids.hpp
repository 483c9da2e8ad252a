#pragma once
#include <string>
#include <string_view>

namespace usersvc {

// A new MongoDB-ObjectId-shaped id: 4-byte big-endian seconds, then 8 random bytes,
// as 24 lowercase hex. Time-ordered, so `ORDER BY id` lists users by creation.
std::string newObjectId();

bool isObjectId(std::string_view s);

} // namespace usersvc
