#pragma once
// What `usersvc serve` is configured with (cli/cmd_serve.cpp fills it).
#include "connection.hpp"
#include "log.hpp"
#include "login_limiter.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace usersvc::http {

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

} // namespace usersvc::http
