// /api/v1/users: each handler parses its input, calls one AccountService method
// and presents the result.
#include "auth.hpp"
#include "domain/error.hpp"
#include "domain/user_json.hpp"
#include "domain/validation.hpp"
#include "envelope.hpp"
#include "form_input.hpp"
#include "login_limiter.hpp"
#include "route_context.hpp"
#include "services/core.hpp"

namespace usersvc::http {

namespace {
const std::string kUsers = "/api/v1/users";

FormSpec registrationForm(const RouteContext& ctx) {
    FormSpec spec;
    spec.textFields = {"username", "email", "password", "fullName", "fullname"};
    // API.md's names and the chai-backend aliases.
    spec.fileFields = {
        {"Avatar", "Avatar"}, {"avatar", "Avatar"}, {"CoverImg", "CoverImg"}, {"coverImage", "CoverImg"}};
    spec.textLimit = ctx.settings.jsonLimit;
    return spec;
}

FormSpec loginForm(const RouteContext& ctx) {
    FormSpec spec;
    spec.textFields = {"identifier", "username", "email", "password"};
    spec.textLimit = ctx.settings.jsonLimit;
    return spec;
}

nlohmann::ordered_json sessionJson(const IssuedSession& s, const std::string& publicUrl) {
    return sessionTokensJson(s.user, s.accessToken, s.refreshToken, publicUrl);
}

ClientInfo clientOf(const Exchange& ex) {
    return ClientInfo{ex.req.get_header_value("User-Agent"), ex.state.clientAddress};
}

void registerUser(Exchange& ex, RouteContext& ctx) {
    auto input = readRegistration(ex, ctx);
    User user = ctx.core.accounts().registerUser(input);
    sendData(ex.res, 201, "User registered successfully", userJson(user, ctx.publicUrl));
}

void login(Exchange& ex, RouteContext& ctx) {
    auto form = readForm(ex.body, loginForm(ctx), ctx.core.media());
    LoginInput input;
    // One-box forms send {"email": X, "username": X}; two-box forms leave one empty.
    if (auto field = form.firstNameOf({"identifier", "username", "email"}); !field.empty()) {
        input.identifierField = field;
        input.identifier = LoginIdentifier::from(form.value(field));
    }
    input.password = form.value("password");
    input.client = clientOf(ex);
    ctx.core.sessions().checkLoginInput(input); // a 400 is no login attempt: not counted
    input.beforePasswordCheck = ex.beforeCredentialCheck;
    auto session = ctx.core.sessions().login(input);
    setSessionCookies(ex.res, session, ctx.cookies);
    sendData(ex.res, 200, "User logged in successfully", sessionJson(session, ctx.publicUrl));
}

void refreshToken(Exchange& ex, RouteContext& ctx) {
    const CookiePolicy& cookies = ctx.cookies;
    std::string token = cookieValue(ex.req, "refreshToken").value_or("");
    FormSpec spec;
    spec.textFields = {"refreshToken"};
    spec.textLimit = ctx.settings.jsonLimit;
    // A body the route reads is read even when the cookie wins, so a malformed one
    // is still a 400; one of another type (axios posting text/plain) is ignored
    // when the cookie carries the token.
    if (token.empty() || spec.accepts(ex.body.contentType())) {
        auto form = readForm(ex.body, spec, ctx.core.media());
        if (token.empty()) token = form.value("refreshToken");
    }
    try {
        auto session = ctx.core.sessions().refresh(token, clientOf(ex));
        setSessionCookies(ex.res, session, cookies);
        sendData(ex.res, 200, "Access token refreshed", sessionJson(session, ctx.publicUrl));
    } catch (const Error& e) {
        if (e.code == Code::Unauthenticated) clearSessionCookies(ex.res, cookies);
        throw;
    }
}

// ?scope=local|others|global, as Supabase Auth's POST /logout takes it; local
// (this session only) when absent, as before scopes existed.
LogoutScope scopeOf(const httplib::Request& req) {
    if (!req.has_param("scope")) return LogoutScope::Local;
    std::string scope = req.get_param_value("scope");
    if (scope == "local") return LogoutScope::Local;
    if (scope == "others") return LogoutScope::Others;
    if (scope == "global") return LogoutScope::Global;
    throw Error(Code::Invalid, "Invalid scope", {{"scope", "Must be local, others or global"}});
}

void logout(Exchange& ex, RouteContext& ctx, const AuthContext& auth) {
    auto scope = scopeOf(ex.req);
    ctx.core.sessions().logout(auth, scope);
    if (scope == LogoutScope::Others) {
        sendData(ex.res, 200, "Other sessions logged out", "Other sessions logged out");
        return;
    }
    clearSessionCookies(ex.res, ctx.cookies);
    sendData(ex.res, 200, "User logged out successfully", "User logged out successfully");
}

// GET /sessions: the caller's open sessions, newest first, the one this token
// belongs to marked `current`.
void listSessions(Exchange& ex, RouteContext& ctx, const AuthContext& auth) {
    auto list = nlohmann::ordered_json::array();
    for (const auto& session : ctx.core.sessions().sessionsOf(auth.user.id)) {
        auto json = sessionRecordJson(session);
        json["current"] = session.id == auth.sessionId;
        list.push_back(std::move(json));
    }
    sendData(ex.res, 200, "Sessions fetched successfully", list);
}

// DELETE /sessions/:id: one of the caller's own sessions (404 for any other
// id). Revoking the current one is a logout, cookies included.
void revokeSession(Exchange& ex, RouteContext& ctx, const AuthContext& auth) {
    const std::string& sessionId = ex.params[0];
    ctx.core.sessions().revokeOwnSession(auth.user.id, sessionId);
    if (sessionId == auth.sessionId) clearSessionCookies(ex.res, ctx.cookies);
    sendData(ex.res, 200, "Session revoked", "Session revoked");
}

void currentUser(Exchange& ex, RouteContext& ctx, const AuthContext& auth) {
    sendData(ex.res, 200, "User fetched successfully", userJson(auth.user, ctx.publicUrl));
}
} // namespace

RegistrationInput readRegistration(Exchange& ex, RouteContext& ctx) {
    auto form = readForm(ex.body, registrationForm(ctx), ctx.core.media());
    RegistrationInput input;
    input.username = form.value("username");
    input.email = form.value("email");
    input.password = form.value("password");
    input.fullName = form.firstOf({"fullName", "fullname"}).value_or("");
    input.avatar = form.takeFile("Avatar");
    input.coverImage = form.takeFile("CoverImg");
    return input;
}

void registerUserRoutes(Router& router, RouteContext& ctx) {
    router.add("POST", kUsers + "/register",
        limitRegistrations(ctx.loginLimiter, limitConflicts(ctx.loginLimiter, bindRoute(ctx, registerUser))));
    // Both set the session cookies: no cross-site form may call them.
    auto loginRoute = refuseCrossSiteForms(
        ctx.cors, ctx.publicUrl, limitFailedLogins(ctx.loginLimiter, &ctx.metrics, bindRoute(ctx, login)));
    auto refreshRoute = refuseCrossSiteForms(ctx.cors, ctx.publicUrl, bindRoute(ctx, refreshToken));
    router.add("POST", kUsers + "/login", loginRoute);
    router.add("POST", kUsers + "/logout", bindSignedIn(ctx, logout));
    router.add("GET", kUsers + "/sessions", bindSignedIn(ctx, listSessions));
    router.add("DELETE", kUsers + "/sessions/:sessionId", bindSignedIn(ctx, revokeSession));
    router.add("POST", kUsers + "/refreshToken", refreshRoute);
    router.add("POST", kUsers + "/refresh-token", refreshRoute); // chai-backend alias
    router.add("GET", kUsers + "/getUser", bindSignedIn(ctx, currentUser));
    router.add("GET", kUsers + "/current-user", bindSignedIn(ctx, currentUser));     // chai-backend
    router.add("GET", kUsers + "/get-current-user", bindSignedIn(ctx, currentUser)); // forks
}

} // namespace usersvc::http
