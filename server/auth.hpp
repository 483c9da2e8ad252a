#pragma once
// Where tokens travel over HTTP: the Authorization header and the session cookies.
#include "cors.hpp"
#include "login_limiter.hpp"
#include "router.hpp"
#include "services/session_service.hpp"

#include <httplib.h>

#include <optional>
#include <string>
#include <string_view>

namespace usersvc::http {

struct CookiePolicy {
    bool secure = true;           // false with --insecure-cookies
    std::string sameSite = "Lax"; // --cookie-samesite: "Lax", "Strict" or "None" (None needs secure)
};

std::optional<std::string> cookieValue(const httplib::Request& req, const std::string& name);

// True for three base64url segments joined by dots, the first two non-empty:
// the shape of any JWT, valid or not.
bool looksLikeJwt(std::string_view value);

// The token of an `Authorization: Bearer <token>` header (the scheme in any
// case, the token trimmed); "" when there is none. Both kinds of token, the
// users' and the console's, are read here.
std::string bearerToken(const httplib::Request& req);

// `Authorization: Bearer <token>` when the token has a JWT's shape, else the
// accessToken cookie; "" when neither. Clients send `Bearer undefined`, `Bearer
// null` or an unresolved `{{accessToken}}` beside valid cookies; a real token
// in the header still wins, so an expired or forged one is refused.
std::string accessTokenOf(const httplib::Request& req);

// The same, and whether it came from the cookie.
struct PresentedToken {
    std::string value;
    bool fromCookie = false;
};
PresentedToken presentedToken(const httplib::Request& req);

// The caller's user and session; throws Error{Unauthenticated} (401).
AuthContext requireAuth(const httplib::Request& req, SessionService& sessions);

// Authentication bound in the route table: the handler runs only for a caller
// with a live session, and gets it. A write (POST, PUT, PATCH, DELETE) that
// only the accessToken cookie authenticates is refused with 403 when it comes
// from another origin (fromAnotherOrigin): a browser attaches the cookie to a
// form or fetch another page makes (CSRF). A Bearer token is never attached by
// a browser on its own, so a request that carries one passes from anywhere.
using AuthedHandler = std::function<void(Exchange&, const AuthContext&)>;
RouteHandler authed(
    SessionService& sessions, const CorsPolicy& cors, const std::string& publicUrl, AuthedHandler handler);

// The developer console's guard, bound in the route table for its API: the
// handler runs only for a Bearer token equal to `consoleToken` (compared in
// constant time, as digests of equal length); anything else is 401, counted
// against the client address by `guesses` (countWrongGuess).
RouteHandler requireConsoleToken(const std::string& consoleToken, LoginLimiter& guesses, RouteHandler handler);

void setSessionCookies(httplib::Response& res, const IssuedSession& session, const CookiePolicy& policy);
void clearSessionCookies(httplib::Response& res, const CookiePolicy& policy);

} // namespace usersvc::http
