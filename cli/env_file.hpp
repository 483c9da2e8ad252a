#pragma once
#include <set>
#include <string>
#include <vector>

namespace usersvc::cli {

// Reads KEY=VALUE lines (optional `export`, quotes, # comments) into the process
// environment without overriding variables already set: flags win over the
// environment, the environment over .env. A missing default file is fine; a
// missing --env-file is an error (Error{Invalid}).
void loadEnvFile(const std::string& path, bool required);

// True when `key` holds the value a .env file gave it (the environment had none).
bool setByEnvFile(const std::string& key);

// Maps the Express backend's variable names to ours when ours are unset
// (PORT, CORS_ORIGIN, ACCESS_TOKEN_SECRET, ACCESS_TOKEN_EXPIRY, REFRESH_TOKEN_EXPIRY)
// and returns the names it ignores (MONGODB_URI, CLOUDINARY_*) that are set.
std::vector<std::string> adoptLegacyEnvironment();

} // namespace usersvc::cli
