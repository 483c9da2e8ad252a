#pragma once
// The PostgreSQL store (issue 13): the Store interface over one PostgreSQL
// database that several usersvc instances share. Its statements are in
// storage/pg_<group>.cpp, grouped by table as the SQLite store's are. Images
// are kept in the database too (PgImageRows below, pg_images.cpp), and so are
// the login limiter's counts (pg_attempts.cpp): instances share nothing else.
#include "media/image_storage.hpp"
#include "storage/store.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace usersvc {

// Connections are pooled and capped (PostgreSQL's max_connections is 100 by
// default, shared by every instance); statements are prepared once per
// connection. A read or a one-statement write runs outside any transaction, so
// getUser costs one round trip. A write of several statements runs in a
// transaction that first takes one advisory lock shared by all instances: the
// same one-writer-at-a-time rule as SQLite's BEGIN IMMEDIATE, now across
// processes and machines.
class PgStore final : public Store {
public:
    // `url`: a libpq connection string (postgres://..., postgresql://..., or
    // "host=/run/postgresql dbname=..."). Connects, migrates (pg_schema.hpp).
    explicit PgStore(std::string url, std::size_t maxConnections = kDefaultMaxConnections, int lockTimeoutMs = 15000);
    ~PgStore() override;

    static constexpr std::size_t kDefaultMaxConnections = 32;

    std::unique_ptr<WriteTransaction> beginWrite() override; // pg_store.cpp

    // users: pg_users.cpp
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

    // sessions: pg_sessions.cpp
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

    // social: pg_social.cpp
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

    // outbox: pg_outbox.cpp
    std::vector<OutboxMessage> claimMessages(
        const std::string& owner, std::int64_t nowMs, std::int64_t leaseMs, int max) override;
    bool finishMessage(
        const std::string& id, const std::string& owner, const MessageOutcome& outcome, std::int64_t nowMs) override;
    std::optional<OutboxMessage> findMessage(const std::string& id) override;
    std::vector<OutboxMessage> listMessages(const MessageQuery& query) override;
    std::int64_t pruneMessages(std::int64_t beforeMs) override;

    // maintenance: pg_maintenance.cpp
    std::vector<ImportOutcome> importUsers(const std::vector<UserRecord>& users, bool stopAtConflict) override;
    void backupTo(
        const std::string& file, const std::function<void(const std::vector<std::string>&)>& whileLocked) override;
    void restoreFrom(const std::string& file) override;
    bool ping() override;
    std::string checkIntegrity() override;

    // images: PgImageRows below

    // login limits: pg_attempts.cpp
    AttemptWindows* sharedAttemptWindows() override { return attempts_.get(); }

    // Closes the pooled connections nobody holds (the server closed one: it
    // has most likely closed them all).
    void dropIdleConnections();

    struct Connection; // a pooled connection with its prepared statements
    class Lease;       // one pooled connection, borrowed for a scope

private:
    std::unique_ptr<Connection> openConnection();
    std::optional<UserRecord> findUserBy(const char* column, const std::string& value);
    std::vector<Subscription> listSubscriptionsWhere(
        const char* key, const std::string& id, std::int64_t offset, std::int64_t limit);

    std::string url_;
    std::size_t maxConnections_;
    int lockTimeoutMs_;
    std::mutex poolMutex_;
    std::condition_variable poolFreed_;
    std::size_t open_ = 0; // connections in existence, leased or idle
    std::vector<std::unique_ptr<Connection>> idle_;
    std::unique_ptr<AttemptWindows> attempts_;
};

// What backup and restore answer on PostgreSQL: its own tools do that job
// (consistent online dumps, point-in-time recovery) better than a copy could.
inline constexpr const char* kPgBackupAdvice =
    "backup and restore copy SQLite stores; for PostgreSQL use pg_dump and pg_restore"
    " (README: PostgreSQL)";

// Published images as rows of table images (pg_images.cpp): instances that
// share no disk serve what another stored, and a rollback takes back what the
// transaction published. Used with PgStore's own write transactions only.
class PgImageRows final : public ImageStorage {
public:
    explicit PgImageRows(PgStore& store) : store_(store) {}

    bool publish(const std::filesystem::path& tempFile, std::size_t size, const std::string& reference,
        WriteTransaction& tx) override;
    void unpublish(const std::string& reference) override; // nothing: the rollback took it
    void remove(const std::string& reference, WriteTransaction& tx) override;
    bool exists(const std::string& reference) override;
    std::shared_ptr<const StoredImage> open(const std::string& reference, ImageKind kind) override;
    std::vector<std::vector<std::string>> publishedByShard() override;
    std::optional<std::filesystem::path> fileOf(const std::string&) override { return std::nullopt; }

private:
    std::optional<std::string> read(const std::string& reference);

    PgStore& store_;
    // Images read from the database that some download still holds: concurrent
    // downloads of one image share one copy (slow clients cannot each hold
    // their own), and it is read from the database once.
    std::mutex inFlightMutex_;
    std::unordered_map<std::string, std::weak_ptr<const StoredImage>> inFlight_;
};

} // namespace usersvc
