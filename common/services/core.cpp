#include "services/core.hpp"

#include "domain/error.hpp"
#include "security/secret.hpp"
#include "services/data_dir.hpp"

namespace usersvc {

namespace {
std::string secretFor(const CoreSettings& s) {
    return s.jwtSecret.empty() ? loadOrCreateSecret(s.dataDir) : s.jwtSecret;
}
} // namespace

Core::Core(const CoreSettings& settings)
    : settings_(settings), store_(ensureDataDir(settings.dataDir) / "usersvc.db"),
      media_(settings.dataDir / "media", settings.maxUploadBytes),
      hasher_(settings.bcryptCost, settings.bcryptConcurrency, std::chrono::milliseconds(settings.hashQueueTimeoutMs)),
      secret_(secretFor(settings)), tokens_(secret_), sealer_(secret_, "refresh-replay"),
      accounts_(store_, media_, hasher_, tokens_, sealer_, settings.accounts), subscriptions_(store_, accounts_),
      history_(store_), importer_(store_, hasher_, media_), backups_(store_, media_), status_(store_, hasher_) {}

} // namespace usersvc
