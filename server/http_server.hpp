#pragma once
// `usersvc serve`: cpp-httplib configured explicitly (thread pool, keep-alive,
// timeouts, payload limits, TCP_NODELAY) in front of the Router.
#include "auth.hpp"
#include "client_address.hpp"
#include "connection.hpp"
#include "cors.hpp"
#include "form_input.hpp"
#include "log.hpp"
#include "login_limiter.hpp"
#include "metrics.hpp"
#include "recent_requests.hpp"
#include "router.hpp"
#include "sign_in_code.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace httplib {
class Server;
}

namespace usersvc {
class Core;
}

namespace usersvc::http {

class WorkerPool;

struct ServerSettings {
    std::string host = "127.0.0.1";
    int port = 8000;
    std::string publicUrl; // "" : http://<host>:<bound port>
    std::vector<std::string> corsOrigins;
    // Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR blocks).
    std::vector<std::string> trustedProxies;
    unsigned threads = 0;          // workers kept; 0 : max(16, 4 x cores)
    unsigned maxConnections = 512; // workers at most = connections served at once
    int listenBacklog = 0;         // 0: min(4096, the kernel's somaxconn)
    bool insecureCookies = false;
    std::string cookieSameSite = "lax"; // lax, strict or none (none needs Secure cookies)
    std::size_t jsonLimit = 16 * 1024;
    LogFormat logFormat = LogFormat::Text;
    bool accessLog = true;
    bool metrics = false; // serve GET /metrics
    LoginLimits loginLimits;
    // The developer console at /_/ and its API under /api/v1/admin/ (issue 14),
    // open to whoever presents `consoleToken` as a Bearer token.
    bool console = true;
    std::string consoleToken; // "" with console on: a fresh 256-bit token per start
    // Bounds on each connection's request heads (connection.hpp).
    ConnectionLimits connectionLimits;
};

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

class HttpServer {
public:
    HttpServer(Core& core, ServerSettings settings);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds the socket (port 0 picks a free one); it accepts connections from here on.
    // Returns the bound port; throws Error{Unavailable} when the address is taken.
    int bind();
    // The listen queue length in effect (after bind()).
    int listenBacklog() const { return backlog_; }
    // Serves until stop(); returns once requests in flight have finished.
    void run();
    // Stops accepting; safe from any thread.
    void stop();

    const std::string& publicUrl() const { return context_->publicUrl; }
    // The console's token in effect (settings' or generated); "" with the console off.
    const std::string& consoleToken() const { return settings_.consoleToken; }
    // A fresh one-time code that the console page trades for the token (any
    // code before it stops working); "" with the console off.
    std::string issueConsoleCode() { return settings_.console ? consoleCode_.issue() : ""; }
    const Router& router() const { return router_; }

private:
    void configure();

    Core& core_;
    ServerSettings settings_;
    LoginLimiter loginLimiter_;
    CorsPolicy cors_;
    TrustedProxies proxies_;
    std::pair<unsigned, unsigned> poolSize_; // workers kept, workers at most
    std::unique_ptr<WorkerPool> pool_;       // started by bind(), handed to cpp-httplib
    std::atomic<WorkerPool*> servingPool_{}; // the pool cpp-httplib runs, while it runs
    int listeningSocket_ = -1;               // seen by the socket-options hook
    int backlog_ = 0;                        // in effect after bind()
    Metrics metrics_;
    RecentRequests recent_;
    SignInCode consoleCode_;
    std::unique_ptr<RouteContext> context_;
    Router router_;
    std::unique_ptr<ConnectionServer> server_;
};

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
