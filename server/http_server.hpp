#pragma once
// `usersvc serve`: cpp-httplib configured explicitly (thread pool, keep-alive,
// timeouts, payload limits, TCP_NODELAY) in front of the Router.
#include "client_address.hpp"
#include "connection.hpp"
#include "route_context.hpp"
#include "server_settings.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace httplib {
class Server;
}

namespace usersvc::http {

class WorkerPool;

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

} // namespace usersvc::http
