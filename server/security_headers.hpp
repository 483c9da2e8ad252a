#pragma once
// Headers every answer carries (docs/API.md): nosniff, no framing, no referrer,
// no caching except of content-addressed media.
#include <httplib.h>

namespace usersvc::http {

void addSecurityHeaders(const httplib::Request& req, httplib::Response& res);

} // namespace usersvc::http
