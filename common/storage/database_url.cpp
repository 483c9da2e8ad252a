#include "storage/database_url.hpp"

#include "domain/error.hpp"

#include <string_view>

namespace usersvc {

namespace {
constexpr std::string_view kSqlitePrefix = "sqlite:";

bool startsWith(const std::string& s, std::string_view prefix) {
    return s.rfind(prefix, 0) == 0;
}
} // namespace

DatabaseUrl DatabaseUrl::parse(const std::string& value) {
    DatabaseUrl url;
    url.text_ = value;
    if (value.empty()) return url;
    if (startsWith(value, kSqlitePrefix) && value.size() > kSqlitePrefix.size()) {
        url.target_ = value.substr(kSqlitePrefix.size());
        return url;
    }
    // libpq's keyword form: "host=... dbname=..." (a URL of another scheme may
    // hold '=' in its query, and is not one).
    bool keywordForm = value.find("://") == std::string::npos && value.find('=') != std::string::npos;
    if (startsWith(value, "postgres://") || startsWith(value, "postgresql://") || keywordForm) {
        url.postgres_ = true;
        url.target_ = value;
        return url;
    }
    throw Error(Code::Invalid, "--database takes sqlite:PATH, postgres://USER@HOST/DB or postgresql://... (got '" +
                                   redactedDatabaseUrl(value) + "')");
}

std::filesystem::path DatabaseUrl::sqliteFile(const std::filesystem::path& dataDir) const {
    return target_.empty() ? dataDir / "usersvc.db" : std::filesystem::path(target_);
}

std::string DatabaseUrl::redacted() const {
    return redactedDatabaseUrl(text_);
}

std::string redactedDatabaseUrl(const std::string& url) {
    std::string out = url;
    auto scheme = out.find("://");
    if (scheme != std::string::npos) {
        // scheme://user:password@host...: the password is between the first ':'
        // after the scheme and the last '@' before the path.
        auto authorityEnd = out.find_first_of("/?", scheme + 3);
        auto at = out.rfind('@', authorityEnd == std::string::npos ? std::string::npos : authorityEnd);
        if (at != std::string::npos && at > scheme) {
            auto colon = out.find(':', scheme + 3);
            if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
        }
    }
    // Keyword form and query parameters: password=... up to the next space or '&'.
    for (std::size_t at = 0; (at = out.find("password=", at)) != std::string::npos;) {
        auto start = at + 9;
        auto end = out.find_first_of(" &", start);
        out.replace(start, (end == std::string::npos ? out.size() : end) - start, "***");
        at = start + 3;
    }
    return out;
}

} // namespace usersvc
