#include "http_server.hpp"

#include "access_log.hpp"
#include "connection.hpp"
#include "domain/error.hpp"
#include "domain/validation.hpp"
#include "envelope.hpp"
#include "framing.hpp"
#include "log.hpp"
#include "security/crypto.hpp"
#include "security_headers.hpp"
#include "services/core.hpp"
#include "worker_pool.hpp"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <thread>

namespace usersvc::http {

namespace {
bool saneRequestId(const std::string& id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == '.';
    });
}

// Request ids must be unique, not unpredictable: a generator per thread, seeded
// once from the OS, instead of the CSPRNG (its locks and fork check) on every
// request.
std::string newRequestId() {
    thread_local std::mt19937_64 generator([] {
        std::uint64_t seed = 0;
        std::string bytes = randomBytes(sizeof seed);
        std::memcpy(&seed, bytes.data(), sizeof seed);
        return seed;
    }());
    std::uint64_t id = generator();
    return hexEncode(std::string_view(reinterpret_cast<const char*>(&id), sizeof id));
}

std::string requestIdFor(const httplib::Request& req) {
    std::string incoming = req.get_header_value("X-Request-Id");
    return saneRequestId(incoming) ? incoming : newRequestId();
}

// What the kernel grants: it caps any backlog at net.core.somaxconn.
int effectiveBacklog(int requested) {
    int somaxconn = 4096;
    std::ifstream in("/proc/sys/net/core/somaxconn");
    if (!(in >> somaxconn) || somaxconn <= 0) somaxconn = 4096;
    return std::min(requested > 0 ? requested : 4096, somaxconn);
}

unsigned defaultThreads() {
    return std::max(16u, 4 * std::max(1u, std::thread::hardware_concurrency()));
}

// A login over its budget waits for attempts in flight as long as a hash may wait.
ServerSettings withHashQueueWait(ServerSettings settings, std::int64_t hashQueueTimeoutMs) {
    settings.loginLimits.inFlightWaitMs = hashQueueTimeoutMs;
    return settings;
}

// Browsers drop a SameSite=None cookie that is not Secure, so that pair is refused
// at start rather than leaving a front end mysteriously logged out.
CookiePolicy cookiePolicyOf(const ServerSettings& s) {
    std::string sameSite = toLower(s.cookieSameSite);
    if (sameSite != "lax" && sameSite != "strict" && sameSite != "none")
        throw Error(Code::Invalid, "--cookie-samesite takes lax, strict or none");
    if (sameSite == "none" && s.insecureCookies)
        throw Error(Code::Invalid, "--cookie-samesite none needs Secure cookies; drop --insecure-cookies");
    sameSite[0] = static_cast<char>(sameSite[0] - 'a' + 'A');
    return CookiePolicy{!s.insecureCookies, sameSite};
}
} // namespace

RouteHandler bindRoute(RouteContext& ctx, ContextHandler handler) {
    return [handler, &ctx](Exchange& ex) { handler(ex, ctx); };
}

RouteHandler bindSignedIn(RouteContext& ctx, SignedInHandler handler) {
    return authed(ctx.core.sessions(), ctx.cors, ctx.publicUrl,
        [handler, &ctx](Exchange& ex, const AuthContext& auth) { handler(ex, ctx, auth); });
}

HttpServer::HttpServer(Core& core, ServerSettings settings)
    : core_(core), settings_(withHashQueueWait(std::move(settings), core.settings().hashQueueTimeoutMs)),
      loginLimiter_(settings_.loginLimits, core.sharedAttemptWindows()), cors_(settings_.corsOrigins),
      proxies_(settings_.trustedProxies), server_(std::make_unique<ConnectionServer>()) {
    setLogFormat(settings_.logFormat);
    // 256 bits from the OS for each start, unless the operator set one.
    if (settings_.console && settings_.consoleToken.empty()) settings_.consoleToken = hexEncode(randomBytes(32));
    context_ = std::make_unique<RouteContext>(RouteContext{core_, settings_, settings_.publicUrl, loginLimiter_,
        metrics_, cookiePolicyOf(settings_), cors_, recent_, consoleCode_});
    registerHealthRoutes(router_, *context_);
    registerUserRoutes(router_, *context_);
    registerAccountRoutes(router_, *context_);
    registerChannelRoutes(router_, *context_);
    registerHistoryRoutes(router_, *context_);
    registerMediaRoutes(router_, *context_);
    if (settings_.console) {
        registerAdminRoutes(router_, *context_);
        registerConsoleRoutes(router_, *context_);
    }
    registerOpenApiRoute(router_, *context_);
    if (settings_.metrics) registerMetricsRoute(router_, *context_);
    configure();
}

HttpServer::~HttpServer() = default;

void HttpServer::configure() {
    auto& s = *server_;
    unsigned threads = settings_.threads ? settings_.threads : defaultThreads();
    unsigned maxThreads = std::max(threads, settings_.maxConnections);
    // The pool is started in bind(), before "listening" is printed, so a thread
    // count the system refuses is a clear error at start; cpp-httplib takes it over.
    poolSize_ = {threads, maxThreads};
    s.new_task_queue = [this] {
        servingPool_ = pool_ ? pool_.release() : new WorkerPool(poolSize_.first, poolSize_.second);
        return servingPool_.load();
    };
    s.limits() = settings_.connectionLimits;
    s.limits().othersWaiting = [this] {
        WorkerPool* pool = servingPool_.load(std::memory_order_relaxed);
        return pool && pool->backlogged();
    };
    // Off by default in cpp-httplib 0.11: Nagle plus delayed ACK costs ~40 ms per
    // keep-alive response on loopback.
    s.set_tcp_nodelay(true);
    // cpp-httplib's default sets SO_REUSEPORT, which lets a second `usersvc serve`
    // on the same port silently take half the connections. SO_REUSEADDR alone
    // still allows a quick restart but refuses a second listener.
    s.set_socket_options([this](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        listeningSocket_ = sock; // for the backlog, set in bind()
    });
    s.set_keep_alive_max_count(1000);
    s.set_keep_alive_timeout(5);
    // A client that stops sending mid-request loses its worker after 5 s.
    s.set_read_timeout(5, 0);
    s.set_write_timeout(10, 0);
    // The largest legitimate request: two images at the upload limit plus form fields.
    std::size_t hardLimit = 2 * core_.settings().maxUploadBytes + 1024 * 1024;
    s.set_payload_max_length(hardLimit);

    s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        currentRequest().clientAddress = proxies_.clientOf(req); // begun by the connection loop
        res.set_header("X-Request-Id", requestIdFor(req));
        // cpp-httplib hands this hook a const view of its own, non-const Request;
        // this is the one place usersvc edits it, before anything reads the body.
        auto& request = const_cast<httplib::Request&>(req);
        if (auto problem = framingProblem(request)) {
            sendErrorAndClose(res, 400, *problem);
            return httplib::Server::HandlerResponse::Handled;
        }
        if (bodyLeftUnread(request)) closeConnectionAfterResponse(res);
        normalizeMediaType(request);
        // cpp-httplib would cut any body to a Range it parsed, whatever the
        // status; only the media route serves ranges, and reads the header itself.
        request.ranges.clear();
        return cors_.answerPreflight(req, res, router_) ? httplib::Server::HandlerResponse::Handled
                                                        : httplib::Server::HandlerResponse::Unhandled;
    });

    auto plain = [this](
                     const httplib::Request& req, httplib::Response& res) { router_.dispatch(req, res, nullptr, 0); };
    auto withBody = [this, hardLimit](const httplib::Request& req, httplib::Response& res,
                        const httplib::ContentReader& reader) { router_.dispatch(req, res, &reader, hardLimit); };
    s.Get(".*", plain);
    s.Options(".*", plain);
    s.Post(".*", withBody);
    s.Put(".*", withBody);
    s.Patch(".*", withBody);
    s.Delete(".*", withBody);

    installErrorEnvelopes(s);

    s.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        if (!res.has_header("X-Request-Id")) res.set_header("X-Request-Id", requestIdFor(req));
        addSecurityHeaders(req, res);
        cors_.decorate(req, res);
    });

    if (settings_.accessLog || settings_.metrics || settings_.console) {
        s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
            recordAccess(req, res, settings_.accessLog, settings_.metrics ? &metrics_ : nullptr,
                settings_.console ? &recent_ : nullptr);
        });
    }
}

int HttpServer::bind() {
    pool_ = std::make_unique<WorkerPool>(poolSize_.first, poolSize_.second);
    int port = settings_.port == 0 ? server_->bind_to_any_port(settings_.host)
                                   : (server_->bind_to_port(settings_.host, settings_.port) ? settings_.port : -1);
    if (port <= 0)
        throw Error(Code::Unavailable, "cannot listen on " + settings_.host + ":" + std::to_string(settings_.port) +
                                           " (address in use or not available)");
    // cpp-httplib 0.11 listens with a compiled-in backlog of 5: a burst of new
    // connections (a browser opens six) overflows it and waits for SYN
    // retransmits, a second or more. listen() again on the bound socket sets
    // the queue length on Linux.
    backlog_ = effectiveBacklog(settings_.listenBacklog);
    if (listeningSocket_ < 0 || ::listen(listeningSocket_, backlog_) != 0)
        throw Error(Code::Unavailable, "cannot set the listen backlog to " + std::to_string(backlog_));
    if (context_->publicUrl.empty()) {
        std::string host = settings_.host.find(':') != std::string::npos ? "[" + settings_.host + "]" : settings_.host;
        context_->publicUrl = "http://" + host + ":" + std::to_string(port);
    }
    while (!context_->publicUrl.empty() && context_->publicUrl.back() == '/')
        context_->publicUrl.pop_back();
    if (!isLoopbackHost(settings_.host) && proxies_.empty())
        logEvent("warn", "",
            "listening on " + settings_.host +
                ", reachable from other machines without --trusted-proxy: put a reverse proxy in front"
                " (docs/deploy/nginx.conf) and name it with --trusted-proxy");
    return port;
}

void HttpServer::run() {
    server_->listen_after_bind();
    servingPool_ = nullptr; // cpp-httplib has joined its workers and deleted the pool
}

void HttpServer::stop() {
    server_->stop();
}

} // namespace usersvc::http
