#include "commands.hpp"
#include "domain/error.hpp"
#include "http_server.hpp"
#include "output.hpp"
#include "security/secret.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

namespace usersvc::cli {

namespace {
constexpr auto kShutdownGrace = std::chrono::seconds(10);
constexpr auto kHousekeepingEvery = std::chrono::minutes(1);

// Runs `task` every `period` on its own thread, until destroyed.
class Periodic {
public:
    Periodic(std::chrono::seconds period, std::function<void()> task)
        : thread_([this, period, task = std::move(task)] {
              std::unique_lock lock(mutex_);
              while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
                  lock.unlock();
                  task();
                  lock.lock();
              }
          }) {}
    ~Periodic() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }
    Periodic(const Periodic&) = delete;
    Periodic& operator=(const Periodic&) = delete;

private:
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

// Sessions that can no longer be used, and replay answers past their interval,
// are deleted; a failure is logged and tried again next time.
void purgeSessions(Core& core) {
    try {
        auto purged = core.sessions().purgeSessions();
        if (purged.sessions > 0)
            http::logEvent("info", "", "purged " + std::to_string(purged.sessions) + " revoked or expired sessions");
    } catch (const std::exception& e) {
        http::logEvent("warn", "", std::string("session purge failed: ") + e.what());
    }
}

// Runs the server until SIGINT/SIGTERM. Signals are blocked in every thread and
// taken by one waiter with sigwait, so the handler may call ordinary code.
void serveUntilSignalled(http::HttpServer& server) {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);

    std::mutex mutex;
    std::condition_variable finished;
    std::atomic<bool> done{false};
    std::atomic<bool> stopping{false};

    std::thread waiter([&] {
        int sig = 0;
        sigwait(&signals, &sig);
        if (done) return;
        stopping = true;
        http::logEvent("info", "", "signal received; finishing requests in flight");
        server.stop();
        std::unique_lock lock(mutex);
        if (!finished.wait_for(lock, kShutdownGrace, [&] { return done.load(); })) {
            http::logEvent("warn", "", "requests still in flight after the grace period; exiting");
            std::fflush(nullptr);
            ::_exit(0);
        }
    });
    server.run();
    {
        std::lock_guard lock(mutex);
        done = true;
    }
    finished.notify_all();
    if (!stopping) ::pthread_kill(waiter.native_handle(), SIGTERM); // release the waiter
    waiter.join();
}
struct ServeArgs {
    http::ServerSettings server;
    std::string logFormat = "text";
    std::string jsonLimit = "16KiB";
    bool noAccessLog = false;
    bool noConsole = false;
    std::string seed;
    std::string consoleTokenFile;
};

void addServeOptions(CLI::App* cmd, ServeArgs& args) {
    auto& s = args.server;
    cmd->add_option("--host", s.host, "Address to listen on")->envname("USERSVC_HOST")->capture_default_str();
    cmd->add_option("--port", s.port, "Port; 0 picks a free one")->envname("USERSVC_PORT")->capture_default_str();
    cmd->add_option("--cors-origin", s.corsOrigins, "Allow this browser origin (repeatable)")
        ->envname("USERSVC_CORS_ORIGIN")
        ->delimiter(',');
    cmd->add_option("--trusted-proxy", s.trustedProxies,
           "Believe X-Forwarded-For from this reverse proxy (address or CIDR, repeatable)")
        ->envname("USERSVC_TRUSTED_PROXY")
        ->delimiter(',');
    cmd->add_option("--threads", s.threads, "HTTP worker threads (default max(16, 4 x cores))")
        ->envname("USERSVC_THREADS")
        ->check(CLI::Range(1, 10000));
    cmd->add_option("--listen-backlog", s.listenBacklog,
           "Connections the kernel queues before they are accepted (default 4096, at most net.core.somaxconn)")
        ->envname("USERSVC_LISTEN_BACKLOG")
        ->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--max-connections", s.maxConnections, "Connections served at once (workers grow to this)")
        ->envname("USERSVC_MAX_CONNECTIONS")
        ->check(CLI::Range(1, 10000))
        ->capture_default_str();
    cmd->add_option("--register-limit", s.loginLimits.registrationsPerAddress,
           "Registrations per client address per 15 minutes, then 429")
        ->envname("USERSVC_REGISTER_LIMIT")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    cmd->add_option("--log-format", args.logFormat, "text or json")
        ->envname("USERSVC_LOG_FORMAT")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    cmd->add_flag("--no-access-log", args.noAccessLog, "Do not log one line per request");
    cmd->add_flag("--metrics", s.metrics, "Serve Prometheus metrics at GET /metrics")->envname("USERSVC_METRICS");
    cmd->add_flag("--no-console", args.noConsole, "Do not serve the developer console at /_/ and its API")
        ->envname("USERSVC_NO_CONSOLE");
    cmd->add_option("--console-token", s.consoleToken,
           "The console's token (default: a fresh 256-bit one per start, printed on stderr); visible in ps, prefer "
           "--console-token-file or USERSVC_CONSOLE_TOKEN")
        ->envname("USERSVC_CONSOLE_TOKEN");
    cmd->add_option("--console-token-file", args.consoleTokenFile, "Read the console's token from FILE (mode 0600)")
        ->envname("USERSVC_CONSOLE_TOKEN_FILE");
    cmd->add_option("--seed", args.seed, "Import this fixtures file at start when the store has no users")
        ->envname("USERSVC_SEED");
    cmd->add_flag("--insecure-cookies", s.insecureCookies, "Set cookies without Secure (plain-HTTP dev servers)")
        ->envname("USERSVC_INSECURE_COOKIES");
    cmd->add_option("--cookie-samesite", s.cookieSameSite,
           "SameSite of the session cookies: lax, strict, or none for a front end on another site"
           " (none needs Secure cookies)")
        ->envname("USERSVC_COOKIE_SAMESITE") // checked by HttpServer, with --insecure-cookies
        ->capture_default_str();
    cmd->add_option("--json-limit", args.jsonLimit, "Largest JSON or urlencoded body")
        ->envname("USERSVC_JSON_LIMIT")
        ->capture_default_str();
}

// The stop signals are blocked before any thread starts, so only the waiter
// (serveUntilSignalled) sees them.
void blockStopSignals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    ::signal(SIGXFSZ, SIG_IGN); // a file-size limit is a failed write (EFBIG), not a crash
}

// Turns the parsed options into the server's settings. True when the
// operator chose the console token (it is never echoed then).
bool settleServerSettings(ServeArgs& args, const GlobalOptions& g) {
    auto limit = parseSize(args.jsonLimit);
    if (!limit || *limit == 0) throw Error(Code::Invalid, "--json-limit takes a size such as 16KiB");
    args.server.jsonLimit = *limit;
    args.server.logFormat = args.logFormat == "json" ? http::LogFormat::Json : http::LogFormat::Text;
    args.server.accessLog = !args.noAccessLog;
    args.server.console = !args.noConsole;
    auto& consoleToken = args.server.consoleToken;
    const char* tokenFromEnvironment = std::getenv("USERSVC_CONSOLE_TOKEN");
    if (!consoleToken.empty() && (!tokenFromEnvironment || consoleToken != tokenFromEnvironment))
        std::cerr << "warning: --console-token is visible to every local user in ps; prefer "
                     "--console-token-file or USERSVC_CONSOLE_TOKEN\n";
    if (!args.consoleTokenFile.empty()) consoleToken = readSecretFile(args.consoleTokenFile);
    bool operatorToken = !consoleToken.empty();
    if (args.server.console && operatorToken && consoleToken.size() < 32)
        throw Error(Code::Invalid, "--console-token must be at least 32 characters");
    args.server.publicUrl = g.publicUrl;
    return operatorToken;
}

// Before the first request: the store checked, what a crash left behind
// cleared, the fixtures seeded into an empty store, dead sessions purged.
void prepareStore(Core& core, const std::string& seed) {
    core.status().checkStoreIntegrity();
    if (int removed = core.media().removeOrphanedTemps(); removed > 0)
        http::logEvent("info", "", "removed " + std::to_string(removed) + " unfinished uploads left by a crash");
    if (int removed = core.accounts().sweepUnreferencedMedia(); removed > 0)
        http::logEvent("info", "", "removed " + std::to_string(removed) + " images no user refers to");
    if (!seed.empty() && core.status().users() == 0) {
        auto report = runImport(core, seed, OnConflict::Skip, 5000, false);
        for (const auto& p : report.problems)
            http::logEvent("warn", "", "seed line " + std::to_string(p.line) + ": " + p.message);
        http::logEvent("info", "", "seeded " + std::to_string(report.imported) + " users from " + seed);
    }
    purgeSessions(core);
}

// "listening on ..." on stdout (scripts wait for it), and the console's
// address on stderr. The address carries a one-time code, not the token: a
// browser keeps the address in its history, and the page trades the code for
// the token once. A generated token is written here once, for the sign-in box
// and `usersvc activity`; the operator's own, never.
void announce(http::HttpServer& server, const std::string& listenHost, int port, bool operatorToken) {
    std::string host = listenHost.find(':') != std::string::npos ? "[" + listenHost + "]" : listenHost;
    http::logEvent("info", "", "listen backlog " + std::to_string(server.listenBacklog()));
    std::cout << "listening on http://" << host << ":" << port << std::endl;
    if (std::string code = server.issueConsoleCode(); !code.empty()) {
        std::cerr << "console: http://" << host << ":" << port << "/_/#code=" << code
                  << " (opens once; then sign in with the console token)" << std::endl;
        if (!operatorToken) std::cerr << "console token: " << server.consoleToken() << std::endl;
    }
}
} // namespace

void addServeCommand(CLI::App& app, GlobalOptions& g) {
    auto args = std::make_shared<ServeArgs>();
    auto* cmd = app.add_subcommand("serve", "Run the HTTP API");
    addServeOptions(cmd, *args);
    cmd->footer("Example:\n  usersvc serve --port 0 --cors-origin http://localhost:5173 --insecure-cookies");
    cmd->callback([&g, args] {
        blockStopSignals();
        bool operatorToken = settleServerSettings(*args, g);
        auto serveLock = ServeLock::shared(g.dataDir); // restore refuses while this is held
        Core core(g.coreSettings());
        prepareStore(core, args->seed);
        http::HttpServer server(core, args->server);
        int port = server.bind();
        Periodic housekeeping(kHousekeepingEvery, [&core] { purgeSessions(core); });
        announce(server, args->server.host, port, operatorToken);
        serveUntilSignalled(server);
    });
}

} // namespace usersvc::cli
