#include "options.hpp"

#include "domain/clock.hpp"
#include "domain/error.hpp"
#include "security/secret.hpp"

#include <cstdlib>
#include <iostream>

namespace usersvc::cli {

namespace {
std::int64_t durationOption(const std::string& option, const std::string& text) {
    auto seconds = parseDurationSeconds(text);
    if (!seconds)
        throw Error(Code::Invalid, option + " takes a duration such as 900, 30s, 15m, 2h or 10d (got '" + text + "')");
    return *seconds;
}
} // namespace

std::optional<std::size_t> parseSize(const std::string& text) {
    std::size_t i = 0;
    std::size_t value = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        if (value > (SIZE_MAX - 9) / 10) return std::nullopt;
        value = value * 10 + static_cast<std::size_t>(text[i] - '0');
    }
    if (i == 0) return std::nullopt;
    std::string unit = text.substr(i);
    std::size_t factor = 1;
    if (unit.empty() || unit == "B")
        factor = 1;
    else if (unit == "K" || unit == "KiB" || unit == "k")
        factor = 1024;
    else if (unit == "M" || unit == "MiB")
        factor = 1024 * 1024;
    else
        return std::nullopt;
    return value * factor;
}

CoreSettings GlobalOptions::coreSettings() const {
    CoreSettings s;
    s.dataDir = dataDir;
    s.database = DatabaseUrl::parse(database);
    s.jwtSecret = jwtSecret;
    if (!jwtSecretFile.empty()) s.jwtSecret = readSecretFile(jwtSecretFile);
    const char* fromEnvironment = std::getenv("USERSVC_JWT_SECRET");
    if (!jwtSecret.empty() && !quiet && (!fromEnvironment || jwtSecret != fromEnvironment))
        std::cerr << "warning: --jwt-secret is visible to every local user in ps; prefer --jwt-secret-file or "
                     "USERSVC_JWT_SECRET\n";
    if (bcryptCost < kMinBcryptCost || bcryptCost > kMaxBcryptCost)
        throw Error(Code::Invalid, "--bcrypt-cost must be between 4 and 15");
    s.bcryptCost = bcryptCost;
    auto upload = parseSize(maxUpload);
    if (!upload || *upload == 0)
        throw Error(Code::Invalid, "--max-upload takes a size such as 5MiB (got '" + maxUpload + "')");
    s.maxUploadBytes = *upload;
    s.accounts.accessTtlSeconds = durationOption("--access-ttl", accessTtl);
    s.accounts.refreshTtlSeconds = durationOption("--refresh-ttl", refreshTtl);
    s.accounts.refreshReuseIntervalSeconds = durationOption("--refresh-reuse-interval", refreshReuseInterval);
    if (minPasswordLength < 8 || minPasswordLength > 72)
        throw Error(Code::Invalid, "--min-password-length must be between 8 and 72");
    s.accounts.minPasswordLength = minPasswordLength;
    s.accounts.requireAvatar = requireAvatar;
    s.accounts.maxSessionsPerUser = maxSessionsPerUser;
    s.hashQueueTimeoutMs = durationOption("--hash-queue-timeout", hashQueueTimeout) * 1000;
    return s;
}

std::string GlobalOptions::mediaBaseUrl() const {
    if (!publicUrl.empty()) return publicUrl;
    const char* port = std::getenv("USERSVC_PORT");
    return std::string("http://localhost:") + (port && *port ? port : "8000");
}

void addGlobalOptions(CLI::App& app, GlobalOptions& g) {
    app.add_option("--data-dir", g.dataDir, "Data directory (usersvc.db, media/, secret)")
        ->envname("USERSVC_DATA_DIR")
        ->capture_default_str();
    app.add_option("--database", g.database,
           "The store: sqlite:PATH (default DATA_DIR/usersvc.db) or postgres://USER:PASS@HOST:PORT/DB")
        ->envname("USERSVC_DATABASE_URL");
    app.add_flag("--json", g.json, "Machine-readable output on stdout");
    app.add_flag("-q,--quiet", g.quiet, "Nothing on stdout but the result");
    app.add_option("--env-file", g.envFile, "Read USERSVC_* variables from FILE instead of ./.env");
    app.add_option("--public-url", g.publicUrl, "Base URL of media links (default http://HOST:PORT)")
        ->envname("USERSVC_PUBLIC_URL");
    app.add_option("--bcrypt-cost", g.bcryptCost, "bcrypt cost, 4..15")
        ->envname("USERSVC_BCRYPT_COST")
        ->capture_default_str();
    auto* secret =
        app.add_option("--jwt-secret", g.jwtSecret, "JWT signing secret, >= 32 bytes (default: DATA_DIR/secret)")
            ->envname("USERSVC_JWT_SECRET");
    app.add_option("--jwt-secret-file", g.jwtSecretFile, "Read the JWT signing secret from FILE (mode 0600)")
        ->envname("USERSVC_JWT_SECRET_FILE")
        ->excludes(secret);
    app.add_option("--access-ttl", g.accessTtl, "Access token lifetime")
        ->envname("USERSVC_ACCESS_TTL")
        ->capture_default_str();
    app.add_option("--refresh-ttl", g.refreshTtl, "Refresh token lifetime")
        ->envname("USERSVC_REFRESH_TTL")
        ->capture_default_str();
    app.add_option("--refresh-reuse-interval", g.refreshReuseInterval,
           "Grace period in which a just-rotated refresh token answers again with the same pair")
        ->envname("USERSVC_REFRESH_REUSE_INTERVAL")
        ->capture_default_str();
    app.add_option("--max-upload", g.maxUpload, "Largest image accepted")
        ->envname("USERSVC_MAX_UPLOAD")
        ->capture_default_str();
    app.add_option("--min-password-length", g.minPasswordLength, "Shortest password accepted, in bytes")
        ->envname("USERSVC_MIN_PASSWORD_LENGTH")
        ->capture_default_str();
    app.add_option("--hash-queue-timeout", g.hashQueueTimeout,
           "Longest wait for a bcrypt slot; a login, registration or password change that would wait longer is 503")
        ->envname("USERSVC_HASH_QUEUE_TIMEOUT")
        ->capture_default_str();
    app.add_option("--max-sessions-per-user", g.maxSessionsPerUser,
           "Open sessions kept per user; a login beyond it revokes the least recently used")
        ->envname("USERSVC_MAX_SESSIONS_PER_USER")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    app.add_flag("--require-avatar", g.requireAvatar, "Make Avatar mandatory on registration")
        ->envname("USERSVC_REQUIRE_AVATAR");
}

void addPasswordOptions(CLI::App& cmd, PasswordOptions& p) {
    auto* stdinFlag = cmd.add_flag("--password-stdin", p.fromStdin, "Read the password from the first line of stdin");
    auto* value =
        cmd.add_option("--password", p.value, "The password (lands in shell history; prefer --password-stdin)");
    stdinFlag->excludes(value);
}

std::string readPassword(const PasswordOptions& p, bool quiet) {
    if (p.fromStdin) {
        std::string line;
        if (!std::getline(std::cin, line)) throw Error(Code::Invalid, "--password-stdin: no line on stdin");
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
    }
    if (!p.value.empty()) {
        if (!quiet) std::cerr << "warning: --password lands in shell history; prefer --password-stdin\n";
        return p.value;
    }
    throw Error(Code::Invalid, "a password is required: use --password-stdin (or --password)");
}

} // namespace usersvc::cli
