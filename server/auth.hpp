#pragma once
// Where tokens travel over HTTP: the Authorization header and the session cookies.
#include "services/account_service.hpp"

#include <httplib.h>

#include <optional>
#include <string>

namespace usersvc::http {

struct CookiePolicy {
    bool secure = true; // false with --insecure-cookies
};

std::optional<std::string> cookieValue(const httplib::Request& req, const std::string& name);

// `Authorization: Bearer <token>` first, else the accessToken cookie; "" when neither.
std::string accessTokenOf(const httplib::Request& req);

// The caller's user and session; throws Error{Unauthenticated} (401).
AuthContext requireAuth(const httplib::Request& req, AccountService& accounts);

void setSessionCookies(httplib::Response& res, const IssuedSession& session, const CookiePolicy& policy);
void clearSessionCookies(httplib::Response& res, const CookiePolicy& policy);

} // namespace usersvc::http
