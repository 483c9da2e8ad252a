#pragma once
// Options every subcommand shares, and the settings they turn into.
#include "services/core.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace usersvc::cli {

struct GlobalOptions {
    std::string dataDir = "./usersvc-data";
    std::string database; // --database: "" (DATA_DIR/usersvc.db), sqlite:PATH or a PostgreSQL URL
    bool json = false;
    bool quiet = false;
    std::string envFile;
    std::string publicUrl;

    int bcryptCost = kDefaultBcryptCost;
    std::string jwtSecret;
    std::string jwtSecretFile;
    std::string accessTtl = "15m";
    std::string refreshTtl = "10d";
    std::string refreshReuseInterval = "10s";
    std::string maxUpload = "5MiB";
    std::size_t minPasswordLength = 8;
    int maxSessionsPerUser = 100;
    std::string hashQueueTimeout = "10s";
    bool requireAvatar = false;

    // Parses durations and sizes, reads --jwt-secret-file; throws Error{Invalid}
    // naming the bad option. Warns (unless quiet) when --jwt-secret came on the
    // command line, where every user of the machine can read it in ps.
    CoreSettings coreSettings() const;
    // The base of media URLs in printed users (the server's --public-url).
    std::string mediaBaseUrl() const;
};

void addGlobalOptions(CLI::App& app, GlobalOptions& g);

// Bytes from "5242880", "512K", "5M", "5MiB"; nothing when malformed.
std::optional<std::size_t> parseSize(const std::string& text);

// --password-stdin | --password P, shared by register, login (and passwd).
struct PasswordOptions {
    bool fromStdin = false;
    std::string value;
    bool given = false;
};
void addPasswordOptions(CLI::App& cmd, PasswordOptions& p);
// The password; warns on stderr when it came from the command line.
std::string readPassword(const PasswordOptions& p, bool quiet);

} // namespace usersvc::cli
