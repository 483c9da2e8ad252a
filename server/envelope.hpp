#pragma once
// API.md's response envelope, and the one mapping from usersvc::Code to HTTP.
#include "domain/error.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <string>

namespace usersvc::http {

int statusFor(Code code);

// {"statusCode", "data", "message", "success": true}
void sendData(httplib::Response& res, int status, const std::string& message, nlohmann::ordered_json data);

// {"statusCode", "data": null, "message", "success": false, "errors": [...]}
void sendError(
    httplib::Response& res, int status, const std::string& message, const std::vector<FieldError>& fields = {});

// The envelope for an Error. 500s carry a generic message; the detail is the
// caller's to log.
void sendError(httplib::Response& res, const Error& error);

// The error envelope, then the connection is closed.
void sendErrorAndClose(httplib::Response& res, int status, const std::string& message);

const char* reasonPhrase(int status);

// The envelope for answers cpp-httplib makes itself and for escaped exceptions.
void installErrorEnvelopes(httplib::Server& server);

} // namespace usersvc::http
