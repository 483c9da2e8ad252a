// /api/v1/admin: the developer console's API (issue 14). Every route takes the
// console token as a Bearer token (requireConsoleToken, auth.hpp, bound in the
// table below) and calls the same services as the public routes and the CLI;
// the token is never logged, and wrong guesses are limited per client address
// like failed logins.
#include "auth.hpp"
#include "domain/clock.hpp"
#include "domain/error.hpp"
#include "domain/user_json.hpp"
#include "envelope.hpp"
#include "form_input.hpp"
#include "log.hpp"
#include "paging.hpp"
#include "route_context.hpp"
#include "services/core.hpp"

namespace usersvc::http {

namespace {
const std::string kAdmin = "/api/v1/admin";
constexpr std::int64_t kDefaultPage = 50, kMaxPage = 500;

using AdminHandler = void (*)(Exchange&, RouteContext&);

// POST /sign-in {"code"}: the one-time code serve printed, traded once for the
// token, so the address a browser keeps in its history opens nothing.
void signIn(Exchange& ex, RouteContext& ctx) {
    auto form = readForm(ex.body, textForm(ctx, {"code"}), ctx.core.media());
    if (!ctx.consoleCode.redeem(form.value("code"))) {
        countWrongGuess(ctx.loginLimiter, ex);
        throw Error(Code::Unauthenticated, "This sign-in code is wrong or was used already; sign in with the token");
    }
    sendData(ex.res, 200, "Signed in", {{"token", ctx.settings.consoleToken}});
}

RouteHandler bindAdmin(RouteContext& ctx, AdminHandler handler) {
    return requireConsoleToken(ctx.settings.consoleToken, ctx.loginLimiter, bindRoute(ctx, handler));
}

// GET /users?search=&after=&limit=: a page in _id order of the users whose
// username, e-mail or name starts with `search`, each with its counts (read
// in the listing query); `next` is the `after` of the following page.
void listUsers(Exchange& ex, RouteContext& ctx) {
    UserQuery query;
    query.search = ex.req.has_param("search") ? ex.req.get_param_value("search") : "";
    query.afterId = ex.req.has_param("after") ? ex.req.get_param_value("after") : "";
    query.prefix = true; // through indexes: a keystroke's answer at any store size
    query.limit = limitOf(ex.req, kDefaultPage, kMaxPage) + 1; // one more tells whether a next page exists
    auto users = nlohmann::ordered_json::array();
    std::string last;
    bool more = false;
    ctx.core.accounts().listUsers(query, [&](const UserListing& row) {
        if (static_cast<std::int64_t>(users.size()) == query.limit - 1) {
            more = true;
            return false;
        }
        users.push_back(userListingJson(row, ctx.publicUrl));
        last = row.user.id;
        return true;
    });
    nlohmann::ordered_json data = {
        {"users", users}, {"next", more ? nlohmann::ordered_json(last) : nlohmann::ordered_json(nullptr)}};
    sendData(ex.res, 200, "Users fetched successfully", data);
}

// GET /users/:userId: everything the user page shows: the object `usersvc
// show-user --json` prints, then its sessions, subscriptions and history.
void showUser(Exchange& ex, RouteContext& ctx) {
    auto view = ctx.core.accounts().overview(ex.params[0], OverviewDetail::Everything);
    auto sessions = nlohmann::ordered_json::array();
    for (const auto& s : view.sessions)
        sessions.push_back(sessionRecordJson(s));
    nlohmann::ordered_json data = {{"user", userWithCountsJson(view.user, view.counts, ctx.publicUrl)},
        {"sessions", sessions}, {"subscribers", subscriptionsJson(view.subscribers, ctx.publicUrl)},
        {"subscriptions", subscriptionsJson(view.subscriptions, ctx.publicUrl)},
        {"history", watchHistoryJson(view.history)}};
    sendData(ex.res, 200, "User fetched successfully", data);
}

void createUser(Exchange& ex, RouteContext& ctx) {
    auto input = readRegistration(ex, ctx);
    User user = ctx.core.accounts().registerUser(input);
    sendData(ex.res, 201, "User created successfully", userJson(user, ctx.publicUrl));
}

void editProfile(Exchange& ex, RouteContext& ctx) {
    auto user = ctx.core.accounts().findUser(ex.params[0]);
    sendData(ex.res, 200, "Account details updated successfully",
        userJson(ctx.core.accounts().updateProfile(user.id, readProfileChange(ex, ctx)), ctx.publicUrl));
}

void replaceImage(Exchange& ex, RouteContext& ctx, ImageSlot slot) {
    auto user = ctx.core.accounts().findUser(ex.params[0]);
    sendData(ex.res, 200, "Image updated successfully",
        userJson(ctx.core.accounts().updateImage(user.id, slot, readImageUpload(ex, ctx, slot)), ctx.publicUrl));
}

void replaceAvatar(Exchange& ex, RouteContext& ctx) {
    replaceImage(ex, ctx, ImageSlot::Avatar);
}

void replaceCover(Exchange& ex, RouteContext& ctx) {
    replaceImage(ex, ctx, ImageSlot::CoverImage);
}

// PUT /users/:userId/password {"password"}: as `usersvc passwd`, every session revoked.
void setPassword(Exchange& ex, RouteContext& ctx) {
    auto form = readForm(ex.body, textForm(ctx, {"password"}), ctx.core.media());
    int revoked = ctx.core.accounts().setPassword(ex.params[0], form.value("password"));
    sendData(ex.res, 200, "Password set", {{"revokedSessions", revoked}});
}

void deleteUser(Exchange& ex, RouteContext& ctx) {
    auto removed = ctx.core.accounts().deleteUser(ex.params[0]);
    sendData(ex.res, 200, "User deleted", userJson(removed, ctx.publicUrl));
}

void revokeUserSessions(Exchange& ex, RouteContext& ctx) {
    int revoked = ctx.core.sessions().logoutEverywhere(ctx.core.accounts().findUser(ex.params[0]).id);
    sendData(ex.res, 200, "Sessions revoked", {{"revoked", revoked}});
}

void revokeSession(Exchange& ex, RouteContext& ctx) {
    ctx.core.sessions().logoutSession(ex.params[0]);
    sendData(ex.res, 200, "Session revoked", {{"revoked", 1}});
}

// POST /users/:userId/access-token: a session as if the user had logged in,
// for trying the API as them. Logged, with the user and the client, so it is
// never silent.
void issueAccessToken(Exchange& ex, RouteContext& ctx) {
    ClientInfo client{"usersvc console", ex.state.clientAddress};
    auto session = ctx.core.sessions().openSessionAsOperator(ctx.core.accounts().findUser(ex.params[0]), client);
    logEvent("warn", requestIdOf(ex.res),
        "console issued an access token for user " + session.user.id + " (" + session.user.username + ") to " +
            ex.state.clientAddress);
    nlohmann::ordered_json data = {{"user", userJson(session.user, ctx.publicUrl)}, {"sessionId", session.sessionId},
        {"accessToken", session.accessToken}, {"expiresIn", session.accessTtlSeconds}};
    sendData(ex.res, 201, "Access token issued", data);
}

// GET /activity: this instance's last requests, and what is locked out now.
void activity(Exchange& ex, RouteContext& ctx) {
    auto requests = nlohmann::ordered_json::array();
    for (const auto& r : ctx.recent.newestFirst())
        requests.push_back({{"at", isoTimestamp(r.atMs)}, {"method", r.method}, {"path", r.path}, {"status", r.status},
            {"ms", static_cast<double>(static_cast<std::int64_t>(r.ms * 100)) / 100},
            {"userId", r.userId.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.userId)}});
    auto lockouts = nlohmann::ordered_json::array();
    for (const auto& l : ctx.loginLimiter.lockouts()) {
        nlohmann::ordered_json entry = {{"key", l.key}, {"kind", l.kind}, {"subject", l.subject},
            {"failures", l.failures}, {"retryAfter", l.retryAfterSeconds}};
        // The limiter counts an account by its id ("u:<_id>"); the page shows whose it is.
        if (l.subject.rfind("u:", 0) == 0) {
            try {
                auto user = ctx.core.accounts().findUser(l.subject.substr(2));
                entry["user"] = {{"_id", user.id}, {"username", user.username}};
            } catch (const Error&) {
                // deleted since: the key alone
            }
        }
        lockouts.push_back(std::move(entry));
    }
    sendData(ex.res, 200, "Activity fetched successfully", {{"requests", requests}, {"lockouts", lockouts}});
}

// DELETE /lockouts/:key: lifts one lockout (the key as /activity lists it).
void unlock(Exchange& ex, RouteContext& ctx) {
    if (!ctx.loginLimiter.unlock(ex.params[0])) throw Error(Code::NotFound, "No such lockout");
    sendData(ex.res, 200, "Unlocked", {{"key", ex.params[0]}});
}
} // namespace

void registerAdminRoutes(Router& router, RouteContext& ctx) {
    router.add("POST", kAdmin + "/sign-in", bindRoute(ctx, signIn));
    router.add("GET", kAdmin + "/users", bindAdmin(ctx, listUsers));
    router.add("POST", kAdmin + "/users", bindAdmin(ctx, createUser));
    router.add("GET", kAdmin + "/users/:userId", bindAdmin(ctx, showUser));
    router.add("PATCH", kAdmin + "/users/:userId", bindAdmin(ctx, editProfile));
    router.add("DELETE", kAdmin + "/users/:userId", bindAdmin(ctx, deleteUser));
    router.add("PATCH", kAdmin + "/users/:userId/avatar", bindAdmin(ctx, replaceAvatar));
    router.add("PATCH", kAdmin + "/users/:userId/cover-image", bindAdmin(ctx, replaceCover));
    router.add("PUT", kAdmin + "/users/:userId/password", bindAdmin(ctx, setPassword));
    router.add("DELETE", kAdmin + "/users/:userId/sessions", bindAdmin(ctx, revokeUserSessions));
    router.add("POST", kAdmin + "/users/:userId/access-token", bindAdmin(ctx, issueAccessToken));
    router.add("DELETE", kAdmin + "/sessions/:sessionId", bindAdmin(ctx, revokeSession));
    router.add("GET", kAdmin + "/activity", bindAdmin(ctx, activity));
    router.add("DELETE", kAdmin + "/lockouts/:key", bindAdmin(ctx, unlock));
}

} // namespace usersvc::http
