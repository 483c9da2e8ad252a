#include "services/core.hpp"

#include "domain/error.hpp"
#include "security/secret.hpp"
#include "services/data_dir.hpp"
#include "storage/pg_store.hpp"
#include "storage/sqlite_store.hpp"

namespace usersvc {

namespace {
std::string secretFor(const CoreSettings& s) {
    return s.jwtSecret.empty() ? loadOrCreateSecret(s.dataDir) : s.jwtSecret;
}

std::unique_ptr<Store> openStore(const CoreSettings& s) {
    ensureDataDir(s.dataDir); // media, and on SQLite the secret and the default store
    if (s.database.isPostgres()) {
        if (s.jwtSecret.empty())
            throw Error(Code::Invalid, "a PostgreSQL store needs the JWT secret every instance shares: set "
                                       "USERSVC_JWT_SECRET, --jwt-secret-file or --jwt-secret");
        return std::make_unique<PgStore>(s.database.connectionString());
    }
    return std::make_unique<SqliteStore>(s.database.sqliteFile(s.dataDir));
}

// Where published images live follows the store, decided here once: rows of
// the PostgreSQL database every instance shares, else files in the media
// directory beside the SQLite store (MediaStore's default).
std::unique_ptr<ImageStorage> imageStorageFor(Store& store, const CoreSettings& s) {
    if (s.database.isPostgres()) return std::make_unique<PgImageRows>(static_cast<PgStore&>(store));
    return nullptr;
}
} // namespace

Core::Core(const CoreSettings& settings)
    : settings_(settings), store_(openStore(settings)),
      media_(settings.dataDir / "media", settings.maxUploadBytes, imageStorageFor(*store_, settings)),
      hasher_(settings.bcryptCost, settings.bcryptConcurrency, std::chrono::milliseconds(settings.hashQueueTimeoutMs)),
      secret_(secretFor(settings)), tokens_(secret_), sealer_(secret_, "refresh-replay"),
      accounts_(*store_, media_, hasher_, settings.accounts),
      sessions_(*store_, hasher_, tokens_, sealer_, settings.accounts), subscriptions_(*store_, accounts_),
      history_(*store_), importer_(*store_, hasher_, media_), backups_(*store_, media_), status_(*store_, hasher_) {}

} // namespace usersvc
