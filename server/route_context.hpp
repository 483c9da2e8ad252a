#pragma once
// What the route files (server/routes/*.cpp) share (issue 22): the context each
// handler gets, the route-table binders, and the register functions
// HttpServer calls. A route file includes this, not http_server.hpp.
#include "auth.hpp"
#include "cors.hpp"
#include "form_input.hpp"
#include "login_limiter.hpp"
#include "metrics.hpp"
#include "recent_requests.hpp"
#include "router.hpp"
#include "server_settings.hpp"
#include "sign_in_code.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace usersvc {
class Core;
}

namespace usersvc::http {

// What route handlers share.
struct RouteContext {
    Core& core;
    const ServerSettings& settings;
    std::string publicUrl;
    LoginLimiter& loginLimiter;
    Metrics& metrics;
    CookiePolicy cookies; // from insecureCookies and cookieSameSite
    const CorsPolicy& cors;
    RecentRequests& recent;
    SignInCode& consoleCode; // the console's one-time sign-in code
};

// Route-table binders the route files share: a handler with the context, and
// one that runs only for a signed-in caller (authentication bound here, not
// called inside each handler).
using ContextHandler = void (*)(Exchange&, RouteContext&);
using SignedInHandler = void (*)(Exchange&, RouteContext&, const AuthContext&);
RouteHandler bindRoute(RouteContext& ctx, ContextHandler handler);
RouteHandler bindSignedIn(RouteContext& ctx, SignedInHandler handler);

void registerHealthRoutes(Router& router, RouteContext& ctx);
void registerMediaRoutes(Router& router, RouteContext& ctx);
void registerUserRoutes(Router& router, RouteContext& ctx);
void registerAccountRoutes(Router& router, RouteContext& ctx);
void registerChannelRoutes(Router& router, RouteContext& ctx);
void registerHistoryRoutes(Router& router, RouteContext& ctx);
void registerAdminRoutes(Router& router, RouteContext& ctx);
// The registration form (either dialect's names, images streamed into staged
// files), read for POST /register and the console's "create a user".
RegistrationInput readRegistration(Exchange& ex, RouteContext& ctx);
// Shared by the account routes and the console's (routes/account.cpp): a form
// of only `fields`, the profile change form, and one image upload (multipart,
// the slot's name in either dialect).
FormSpec textForm(const RouteContext& ctx, std::vector<std::string> fields);
ProfileInput readProfileChange(Exchange& ex, RouteContext& ctx);
std::unique_ptr<StagedImage> readImageUpload(Exchange& ex, RouteContext& ctx, ImageSlot slot);
void registerConsoleRoutes(Router& router, RouteContext& ctx);
void registerMetricsRoute(Router& router, RouteContext& ctx);
void registerOpenApiRoute(Router& router, RouteContext& ctx);
// docs/openapi.yaml as JSON, its servers set to `publicUrl`.
nlohmann::ordered_json openApiDocument(const std::string& publicUrl);

} // namespace usersvc::http
