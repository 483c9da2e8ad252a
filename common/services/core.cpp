#include "services/core.hpp"

#include "domain/error.hpp"
#include "security/secret.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace usersvc {

namespace {
// Runs first in Core's initialiser list: the directory must exist before the store opens.
const std::filesystem::path& ensureDataDir(const std::filesystem::path& dir) {
    std::error_code ec;
    bool created = std::filesystem::create_directories(dir, ec);
    if (ec || !std::filesystem::is_directory(dir))
        throw Error(Code::Internal,
                    "cannot create the data directory " + dir.string() + (ec ? ": " + ec.message() : ""));
    // Only a directory we made: `--data-dir .` must not change the mode of the cwd.
    if (created) ::chmod(dir.c_str(), 0700);
    return dir;
}

std::string secretFor(const CoreSettings& s) {
    return s.jwtSecret.empty() ? loadOrCreateSecret(s.dataDir) : s.jwtSecret;
}
} // namespace

Core::Core(const CoreSettings& settings)
    : settings_(settings), store_(ensureDataDir(settings.dataDir) / "usersvc.db"),
      media_(settings.dataDir / "media", settings.maxUploadBytes),
      hasher_(settings.bcryptCost, settings.bcryptConcurrency), secret_(secretFor(settings)), tokens_(secret_),
      sealer_(secret_, "refresh-replay"), accounts_(store_, media_, hasher_, tokens_, sealer_, settings.accounts),
      subscriptions_(store_, accounts_), history_(store_), importer_(store_, hasher_, media_), backups_(store_, media_),
      status_(store_, hasher_) {}

} // namespace usersvc
