#pragma once
// Everything both faces share, opened from one data directory and one
// database: the store, the media, the password hasher, the token signer and
// the services.
#include "media/media_store.hpp"
#include "security/password.hpp"
#include "security/sealer.hpp"
#include "security/token.hpp"
#include "services/account_service.hpp"
#include "services/backup_service.hpp"
#include "services/history_service.hpp"
#include "services/import_service.hpp"
#include "services/session_service.hpp"
#include "services/status_service.hpp"
#include "services/subscription_service.hpp"
#include "storage/database_url.hpp"
#include "storage/store.hpp"

#include <filesystem>
#include <string>

namespace usersvc {

struct CoreSettings {
    std::filesystem::path dataDir = "usersvc-data";
    // Where the users are (--database), parsed once (storage/database_url.hpp).
    DatabaseUrl database;
    std::string jwtSecret; // "" : the secret file in dataDir
    int bcryptCost = kDefaultBcryptCost;
    unsigned bcryptConcurrency = 0;          // 0: the core count
    std::int64_t hashQueueTimeoutMs = 10000; // longest wait for a bcrypt slot, then 503
    std::size_t maxUploadBytes = 5 * 1024 * 1024;
    AccountSettings accounts;
};

// The faces (server routes, CLI subcommands) reach the store only through these
// services. MediaStore is handed out too: HTTP uploads stream into staged
// images while the body arrives, before any service is called.
class Core {
public:
    // Creates the data directory (0700), opens and migrates the store. Throws
    // Error{Invalid} for a PostgreSQL store without a JWT secret: instances
    // sharing a database must sign with one secret, so none may invent its own.
    explicit Core(const CoreSettings& settings);

    const CoreSettings& settings() const { return settings_; }
    MediaStore& media() { return media_; }
    AccountService& accounts() { return accounts_; }
    SessionService& sessions() { return sessions_; }
    SubscriptionService& subscriptions() { return subscriptions_; }
    HistoryService& history() { return history_; }
    ImportService& importer() { return importer_; }
    BackupService& backups() { return backups_; }
    StatusService& status() { return status_; }
    // Login-limit windows every instance over the store sees; null when this
    // process counts alone (SQLite: one server per store).
    AttemptWindows* sharedAttemptWindows() { return store_->sharedAttemptWindows(); }

private:
    CoreSettings settings_;
    std::unique_ptr<Store> store_;
    MediaStore media_;
    PasswordHasher hasher_;
    std::string secret_;
    TokenSigner tokens_;
    Sealer sealer_;
    AccountService accounts_;
    SessionService sessions_;
    SubscriptionService subscriptions_;
    HistoryService history_;
    ImportService importer_;
    BackupService backups_;
    StatusService status_;
};

} // namespace usersvc
