#include "env_file.hpp"

#include "domain/error.hpp"
#include "domain/validation.hpp"
#include "storage/database_url.hpp"

#include <cstdlib>
#include <fstream>

extern char** environ;

namespace usersvc::cli {

namespace {
std::set<std::string>& keysFromEnvFile() {
    static std::set<std::string> keys;
    return keys;
}
} // namespace

bool setByEnvFile(const std::string& key) {
    return keysFromEnvFile().count(key) > 0;
}

void loadEnvFile(const std::string& path, bool required) {
    std::ifstream in(path);
    if (!in) {
        if (required) throw Error(Code::Invalid, "cannot read the env file " + path);
        return;
    }
    std::string line;
    while (std::getline(in, line)) {
        std::string text = trim(line);
        if (text.empty() || text[0] == '#') continue;
        if (text.rfind("export ", 0) == 0) text = trim(text.substr(7));
        auto eq = text.find('=');
        if (eq == std::string::npos || eq == 0) continue;
        std::string key = trim(text.substr(0, eq));
        std::string value = trim(text.substr(eq + 1));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        } else {
            auto hash = value.find(" #");
            if (hash != std::string::npos) value = trim(value.substr(0, hash));
        }
        if (!std::getenv(key.c_str())) keysFromEnvFile().insert(key);
        ::setenv(key.c_str(), value.c_str(), 0);
    }
}

std::vector<std::string> adoptLegacyEnvironment() {
    const std::pair<const char*, const char*> aliases[] = {
        {"PORT", "USERSVC_PORT"},
        {"CORS_ORIGIN", "USERSVC_CORS_ORIGIN"},
        {"ACCESS_TOKEN_SECRET", "USERSVC_JWT_SECRET"},
        {"ACCESS_TOKEN_EXPIRY", "USERSVC_ACCESS_TTL"},
        {"REFRESH_TOKEN_EXPIRY", "USERSVC_REFRESH_TTL"},
    };
    for (const auto& [legacy, ours] : aliases)
        if (const char* v = std::getenv(legacy); v && !std::getenv(ours)) ::setenv(ours, v, 0);
    // Heroku-style hosts name the database in DATABASE_URL. Only a PostgreSQL
    // one is taken: a developer's shell may hold another app's MySQL URL, and
    // that must not stop the SQLite default from working.
    if (const char* url = std::getenv("DATABASE_URL"); url && !std::getenv("USERSVC_DATABASE_URL")) {
        try {
            if (DatabaseUrl::parse(url).isPostgres()) ::setenv("USERSVC_DATABASE_URL", url, 0);
        } catch (const Error&) { // another kind of database: not ours
        }
    }

    std::vector<std::string> ignored;
    for (char** e = environ; e && *e; ++e) {
        std::string entry = *e;
        std::string name = entry.substr(0, entry.find('='));
        bool foreignDatabase = name == "DATABASE_URL" && !std::getenv("USERSVC_DATABASE_URL");
        if (foreignDatabase || name == "MONGODB_URI" || name.rfind("CLOUDINARY_", 0) == 0 ||
            name == "REFRESH_TOKEN_SECRET")
            ignored.push_back(name);
    }
    return ignored;
}

} // namespace usersvc::cli
