#include "auth.hpp"

#include "domain/error.hpp"
#include "domain/validation.hpp"
#include "security/crypto.hpp"

namespace usersvc::http {

namespace {
std::string cookie(const std::string& name, const std::string& value, std::int64_t maxAge, const CookiePolicy& policy) {
    return name + "=" + value + "; Max-Age=" + std::to_string(maxAge) +
           "; Path=/; HttpOnly; SameSite=" + policy.sameSite + (policy.secure ? "; Secure" : "");
}
} // namespace

std::optional<std::string> cookieValue(const httplib::Request& req, const std::string& name) {
    auto count = req.get_header_value_count("Cookie");
    for (std::size_t i = 0; i < count; ++i) {
        std::string header = req.get_header_value("Cookie", i);
        std::size_t start = 0;
        while (start < header.size()) {
            auto end = header.find(';', start);
            if (end == std::string::npos) end = header.size();
            std::string pair = trim(std::string_view(header).substr(start, end - start));
            auto eq = pair.find('=');
            if (eq != std::string::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
            start = end + 1;
        }
    }
    return std::nullopt;
}

bool looksLikeJwt(std::string_view value) {
    std::size_t segment = 0, length = 0;
    for (char c : value) {
        if (c == '.') {
            if (length == 0 || ++segment > 2) return false;
            length = 0;
        } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
            ++length;
        } else {
            return false;
        }
    }
    // The signature may be empty ("alg": "none"): such a token is refused, not skipped.
    return segment == 2;
}

std::string bearerToken(const httplib::Request& req) {
    std::string header = req.get_header_value("Authorization");
    if (header.size() > 7 && toLower(header.substr(0, 7)) == "bearer ") return trim(header.substr(7));
    return "";
}

PresentedToken presentedToken(const httplib::Request& req) {
    if (std::string token = bearerToken(req); looksLikeJwt(token)) return {token, false};
    auto cookie = cookieValue(req, "accessToken");
    return {cookie.value_or(""), cookie.has_value()};
}

std::string accessTokenOf(const httplib::Request& req) {
    return presentedToken(req).value;
}

AuthContext requireAuth(const httplib::Request& req, SessionService& sessions) {
    std::string token = accessTokenOf(req);
    if (token.empty()) throw Error(Code::Unauthenticated, "Authentication required");
    return sessions.authenticate(token);
}

namespace {
bool isWrite(const std::string& method) {
    return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}
} // namespace

RouteHandler authed(
    SessionService& sessions, const CorsPolicy& cors, const std::string& publicUrl, AuthedHandler handler) {
    return [&sessions, &cors, &publicUrl, handler = std::move(handler)](Exchange& ex) {
        auto token = presentedToken(ex.req);
        if (token.fromCookie && !token.value.empty() && isWrite(ex.req.method) &&
            fromAnotherOrigin(ex.req, cors, publicUrl))
            throw Error(Code::Forbidden, "A write from another site or origin cannot use the session cookie; send "
                                         "the access token as a Bearer header, or list the front end's origin with "
                                         "--cors-origin");
        auto auth = requireAuth(ex.req, sessions);
        ex.state.userId = auth.user.id;
        handler(ex, auth);
    };
}

RouteHandler requireConsoleToken(const std::string& consoleToken, LoginLimiter& guesses, RouteHandler handler) {
    return [&consoleToken, &guesses, handler = std::move(handler)](Exchange& ex) {
        std::string presented = bearerToken(ex.req);
        if (presented.empty() || !constantTimeEquals(sha256(presented), sha256(consoleToken))) {
            countWrongGuess(guesses, ex);
            throw Error(Code::Unauthenticated, presented.empty() ? "Console token required" : "Invalid console token");
        }
        handler(ex);
    };
}

void setSessionCookies(httplib::Response& res, const IssuedSession& session, const CookiePolicy& policy) {
    res.set_header("Set-Cookie", cookie("accessToken", session.accessToken, session.accessTtlSeconds, policy));
    res.set_header("Set-Cookie", cookie("refreshToken", session.refreshToken, session.refreshTtlSeconds, policy));
}

void clearSessionCookies(httplib::Response& res, const CookiePolicy& policy) {
    res.set_header("Set-Cookie", cookie("accessToken", "", 0, policy));
    res.set_header("Set-Cookie", cookie("refreshToken", "", 0, policy));
}

} // namespace usersvc::http
