#pragma once
#include "storage/store.hpp"

#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

namespace SQLite {
class Database;
}

namespace usersvc {

// SQLite in WAL mode, one connection per concurrent caller (pooled), every write
// in BEGIN IMMEDIATE, synchronous=FULL, a busy timeout long enough that the
// server and several CLI processes never see "database is locked".
class SqliteStore final : public Store {
public:
    explicit SqliteStore(std::filesystem::path dbFile, int busyTimeoutMs = 15000);
    ~SqliteStore() override;

    std::unique_ptr<WriteTransaction> beginWrite() override; // sqlite_store.cpp

    // users: sqlite_users.cpp
    std::optional<UserRecord> findUserById(const std::string& id) override;
    std::optional<UserRecord> findUserByUsername(const std::string& username) override;
    std::optional<UserRecord> findUserByEmail(const std::string& email) override;
    std::optional<UserRecord> updateProfile(
        const std::string& userId, const ProfileChange& change, std::int64_t nowMs) override;
    std::optional<int> setPasswordHash(const std::string& userId, const std::string& hash, std::int64_t nowMs,
        const std::string& keepSessionId) override;
    bool replacePasswordHash(
        const std::string& userId, const std::string& oldHash, const std::string& newHash) override;
    std::optional<UserRecord> deleteUser(const std::string& userId) override;
    void listUsers(
        const UserQuery& query, std::int64_t nowMs, const std::function<bool(const UserListing&)>& each) override;
    std::int64_t countUsers() override;

    // sessions: sqlite_sessions.cpp
    void createSession(const SessionRecord& session) override;
    int revokeSessionsBeyond(const std::string& userId, int keep, std::int64_t nowMs) override;
    SessionPurge purgeSessions(std::int64_t nowMs, std::int64_t replayBeforeMs) override;
    std::optional<SessionRecord> findSession(const std::string& sessionId) override;
    std::optional<SessionRecord> findSessionByRefreshHash(const std::string& refreshHash) override;
    std::optional<UserRecord> findUserOfActiveSession(const std::string& sessionId, std::int64_t nowMs) override;
    bool revokeSession(const std::string& sessionId, std::int64_t nowMs) override;
    int revokeUserSessions(const std::string& userId, std::int64_t nowMs, const std::string& keepSessionId) override;
    bool rotateRefresh(const std::string& sessionId, const std::string& oldHash, const SessionRecord& next) override;
    std::optional<SessionRecord> findSessionByRetiredRefreshHash(const std::string& refreshHash) override;
    std::vector<SessionRecord> listOpenSessions(const std::string& userId, std::int64_t nowMs) override;
    std::int64_t countOpenSessions(std::int64_t nowMs) override;

    // social: sqlite_social.cpp
    bool toggleSubscription(const std::string& subscriberId, const std::string& channelId, const std::string& newId,
        std::int64_t nowMs) override;
    bool isSubscribed(const std::string& subscriberId, const std::string& channelId) override;
    std::vector<Subscription> listSubscribers(
        const std::string& channelId, std::int64_t offset, std::int64_t limit) override;
    std::vector<Subscription> listSubscriptions(
        const std::string& subscriberId, std::int64_t offset, std::int64_t limit) override;
    UserCounts countsFor(const std::string& userId, std::int64_t nowMs) override;
    std::int64_t recordWatch(
        const std::string& userId, const std::string& videoId, std::int64_t nowMs, std::int64_t keep) override;
    std::vector<WatchEntry> listHistory(const std::string& userId, std::int64_t limit) override;

    // outbox: sqlite_outbox.cpp
    std::vector<OutboxMessage> claimMessages(
        const std::string& owner, std::int64_t nowMs, std::int64_t leaseMs, int max) override;
    bool finishMessage(
        const std::string& id, const std::string& owner, const MessageOutcome& outcome, std::int64_t nowMs) override;
    std::optional<OutboxMessage> findMessage(const std::string& id) override;
    std::vector<OutboxMessage> listMessages(const MessageQuery& query) override;
    std::int64_t pruneMessages(std::int64_t beforeMs) override;

    // maintenance: sqlite_maintenance.cpp
    std::vector<ImportOutcome> importUsers(const std::vector<UserRecord>& users, bool stopAtConflict) override;
    void backupTo(
        const std::string& file, const std::function<void(const std::vector<std::string>&)>& whileLocked) override;
    void restoreFrom(const std::string& file) override;
    bool ping() override;
    std::string checkIntegrity() override;

    int schemaVersion();

    struct Connection; // a pooled connection with its prepared statements
    class Lease;       // one pooled connection, borrowed for a scope

private:
    std::unique_ptr<Connection> openConnection();
    std::optional<UserRecord> findUserBy(const char* column, const std::string& value);
    std::vector<Subscription> listSubscriptionsWhere(
        const char* key, const std::string& id, std::int64_t offset, std::int64_t limit);

    std::filesystem::path file_;
    int busyTimeoutMs_;
    std::mutex poolMutex_;
    std::vector<std::unique_ptr<Connection>> idle_;
};

// Brings the schema to the newest version (PRAGMA user_version); idempotent and
// safe when several processes open the store at once.
void migrate(SQLite::Database& db);
int latestSchemaVersion();

} // namespace usersvc
