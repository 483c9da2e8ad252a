#pragma once
// The paging parameters of every list route, read one way: ?page= and ?limit=
// (subscriber lists, chai-backend's offset paging) and ?limit= with ?after=
// (the console's keyset pages). A value that is not a whole number in range is
// 400 "Invalid paging" naming the parameter.
#include "services/subscription_service.hpp"

#include <httplib.h>

#include <cstdint>

namespace usersvc::http {

// ?page=1&limit=20: page 1..1,000,000, limit 1..100.
Page pageOf(const httplib::Request& req);

// ?limit=: `fallback` when absent, else 1..`max`.
std::int64_t limitOf(const httplib::Request& req, std::int64_t fallback, std::int64_t max);

} // namespace usersvc::http
