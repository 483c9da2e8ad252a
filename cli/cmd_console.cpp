// The console's two views of a running server's own state, from the shell:
// `activity` (recent requests, lockouts) and `unlock KEY`. The server keeps
// them in its memory (or, on PostgreSQL, its lockouts in the database), so
// these ask it over its admin API with the console token, as the console does.
#include "client_address.hpp"
#include "commands.hpp"
#include "domain/validation.hpp"
#include "env_file.hpp"
#include "output.hpp"

#include <httplib.h>

#include <cctype>
#include <cstdlib>
#include <iostream>
#include <memory>

namespace usersvc::cli {

namespace {
// A path segment: unreserved characters, ':' and '@' as they are, the rest %XX.
std::string pathSegment(const std::string& text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == '@')
            out += static_cast<char>(c);
        else
            out += {'%', hex[c >> 4], hex[c & 15]};
    }
    return out;
}

struct ServerArgs {
    std::string server;
    std::string token;
};

void addServerOptions(CLI::App& cmd, ServerArgs& args) {
    cmd.add_option("--server", args.server, "The running server (default http://127.0.0.1:$USERSVC_PORT, else :8000)")
        ->envname("USERSVC_SERVER_URL");
    cmd.add_option("--console-token", args.token, "The server's console token")->envname("USERSVC_CONSOLE_TOKEN");
}

// The host of an http(s) URL ("" when it has none), brackets of IPv6 removed.
std::string hostOf(const std::string& url) {
    auto start = url.find("://");
    start = start == std::string::npos ? 0 : start + 3;
    auto end = url.find_first_of("/?#", start);
    std::string authority = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (auto at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
    if (!authority.empty() && authority[0] == '[') return authority.substr(1, authority.find(']') - 1);
    return authority.substr(0, authority.find(':'));
}

// Sends one admin request; the envelope's data, or the server's answer as an Error.
nlohmann::ordered_json adminCall(const ServerArgs& args, const std::string& method, const std::string& path) {
    if (args.token.empty())
        throw Error(Code::Invalid, "needs the console token the server uses: USERSVC_CONSOLE_TOKEN or --console-token "
                                   "(serve prints it on stderr at start)");
    // A checked-out repository's .env must not send the token to a host of its
    // choosing: a server named there is believed on this machine only.
    const char* fromEnv = std::getenv("USERSVC_SERVER_URL");
    if (setByEnvFile("USERSVC_SERVER_URL") && fromEnv && args.server == fromEnv &&
        !http::isLoopbackHost(hostOf(args.server)))
        throw Error(Code::Invalid, "USERSVC_SERVER_URL in the .env file names another machine (" + hostOf(args.server) +
                                       "); the console token goes there only with --server or USERSVC_SERVER_URL "
                                       "set in the environment");
    std::string base = args.server;
    if (base.empty()) {
        const char* port = std::getenv("USERSVC_PORT");
        base = std::string("http://127.0.0.1:") + (port && *port ? port : "8000");
    }
    httplib::Client client(base);
    client.set_connection_timeout(5);
    httplib::Headers headers = {{"Authorization", "Bearer " + args.token}};
    auto res = method == "GET" ? client.Get(("/api/v1/admin" + path).c_str(), headers)
                               : client.Delete(("/api/v1/admin" + path).c_str(), headers);
    if (!res)
        throw Error(Code::Unavailable, "cannot reach the server at " + base + ": " + httplib::to_string(res.error()));
    auto body = nlohmann::ordered_json::parse(res->body, nullptr, false);
    std::string message =
        body.is_object() && body.contains("message") ? body["message"].get<std::string>() : res->reason;
    switch (res->status) {
    case 200: return body["data"];
    case 401: throw Error(Code::Unauthenticated, message);
    case 404: throw Error(Code::NotFound, message);
    default: throw Error(Code::Internal, "the server answered " + std::to_string(res->status) + ": " + message);
    }
}
} // namespace

void addConsoleCommands(CLI::App& app, GlobalOptions& g) {
    auto activityArgs = std::make_shared<ServerArgs>();
    auto* activity = app.add_subcommand("activity", "A running server's recent requests and lockouts (the console's "
                                                    "Activity page)");
    addServerOptions(*activity, *activityArgs);
    activity->footer("Example:\n  USERSVC_CONSOLE_TOKEN=... usersvc activity --server http://127.0.0.1:8000");
    activity->callback([&g, activityArgs] {
        auto data = adminCall(*activityArgs, "GET", "/activity");
        if (g.json) {
            printJson(data);
            return;
        }
        for (const auto& l : data["lockouts"]) {
            std::string who =
                l.contains("user") ? l["user"]["username"].get<std::string>() : l["subject"].get<std::string>();
            if (g.quiet)
                std::cout << escapeControlCharacters(l["key"].get<std::string>()) << '\n';
            else
                std::cout << "locked out: " << l["kind"].get<std::string>() << " " << escapeControlCharacters(who)
                          << ", " << l["failures"].get<int>() << " failures, " << l["retryAfter"].get<long long>()
                          << " s left (usersvc unlock '" << escapeControlCharacters(l["key"].get<std::string>())
                          << "')\n";
        }
        if (g.quiet) return;
        for (const auto& r : data["requests"])
            std::cout << r["at"].get<std::string>() << "  " << escapeControlCharacters(r["method"].get<std::string>())
                      << " " << escapeControlCharacters(r["path"].get<std::string>()) << "  " << r["status"].get<int>()
                      << "  " << r["ms"].dump() << " ms"
                      << (r["userId"].is_null() ? "" : "  " + r["userId"].get<std::string>()) << '\n';
    });

    auto unlockArgs = std::make_shared<ServerArgs>();
    auto key = std::make_shared<std::string>();
    auto* unlock = app.add_subcommand("unlock", "Lift a lockout on a running server (its key as activity lists it)");
    unlock->add_option("KEY", *key, "The lockout's key, e.g. i:u:6743f0c2a1b2c3d4e5f60718")->required();
    addServerOptions(*unlock, *unlockArgs);
    unlock->footer("Example:\n  usersvc unlock \"$(usersvc activity -q | head -1)\"");
    unlock->callback([&g, unlockArgs, key] {
        adminCall(*unlockArgs, "DELETE", "/lockouts/" + pathSegment(*key));
        if (g.json)
            printJson({{"unlocked", *key}});
        else if (!g.quiet)
            std::cout << "unlocked " << *key << '\n';
    });
}

} // namespace usersvc::cli
