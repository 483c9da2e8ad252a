#pragma once
// Request framing checked before routing (issue 12, finding 3; issue 21). cpp-httplib
// 0.11 frames a body by Content-Length unless Transfer-Encoding is exactly
// "chunked", never reads a body on GET/HEAD/OPTIONS, and compares
// "multipart/form-data" case-sensitively; each of these let the rest of a body
// run as a second request.
#include <httplib.h>

#include <optional>
#include <string>

namespace usersvc::http {

// Why this request's framing is ambiguous (the 400's message), or nothing. Such a
// request is answered without reading its body and its connection is closed.
std::optional<std::string> framingProblem(const httplib::Request& req);

// True for a body on a method whose body cpp-httplib never reads (GET, HEAD,
// OPTIONS). Real clients send form bodies on GETs (a chai-backend Postman
// collection does, and chai-backend answers them), so such a request is
// answered as usual and its connection closed: the body is never parsed.
bool bodyLeftUnread(const httplib::Request& req);

// Lowercases the media type of Content-Type in place, so that cpp-httplib's
// case-sensitive multipart test agrees with usersvc's case-insensitive one.
void normalizeMediaType(httplib::Request& req);

} // namespace usersvc::http
