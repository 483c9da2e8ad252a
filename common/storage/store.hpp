#pragma once
// What the services need from persistence, grouped by table as the SQLite store
// files are (storage/sqlite_<group>.cpp): users, sessions, social
// (subscriptions and history), maintenance. SQL lives behind this interface
// only; a PostgreSQL store implements the same methods and passes the same
// contract suite (tests/contract).
//
// The store words no user-facing message: a write that finds a unique field
// taken throws UniqueConflict naming the fields, and the services say what it
// means (services/store_writes.hpp).
#include "domain/attempt_windows.hpp"
#include "domain/outbox.hpp"
#include "domain/user.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace usersvc {

// Unique fields a write found taken by another user: "_id", "username", "email".
struct UniqueConflict : std::runtime_error {
    explicit UniqueConflict(std::vector<std::string> takenFields)
        : std::runtime_error("unique field taken"), fields(std::move(takenFields)) {}
    std::vector<std::string> fields;
};

struct UserQuery {
    std::string search;      // substring of username, email or fullName; "" for all
    std::string afterId;     // keyset pagination: ids strictly greater
    std::int64_t limit = -1; // -1: no limit
    // The search is the start of username, email or fullName (ASCII case
    // folded) instead, found through indexes: fast on any store size.
    bool prefix = false;
};

// A write transaction the service holds while it composes a use case: the
// store's write lock is held from begin (SQLite: BEGIN IMMEDIATE) to the end,
// and it rolls back on destruction unless committed. Images are published and
// released inside one (media/image_storage.hpp: where they live is not the
// store's business), so deciding whether one is still needed never races
// another writer.
class WriteTransaction {
public:
    virtual ~WriteTransaction() = default;

    // users
    // Throws UniqueConflict naming every taken field (id, username, email).
    virtual void insertUser(const UserRecord& user) = 0;
    // Points the slot at `reference`; returns the reference it replaced, or
    // nothing when there is no such user.
    virtual std::optional<std::string> setImage(
        const std::string& userId, ImageSlot slot, const std::string& reference, std::int64_t nowMs) = 0;
    // True when some user's avatar or cover is `reference`.
    virtual bool isMediaReferenced(const std::string& reference) = 0;

    // outbox: the message goes with this transaction's commit, or not at all.
    virtual void enqueueMessage(const OutboxMessage& message) = 0;

    virtual void commit() = 0;
};

class Store {
public:
    virtual ~Store() = default;

    // Begins a write transaction (blocks while another writer holds the lock,
    // up to the busy timeout).
    virtual std::unique_ptr<WriteTransaction> beginWrite() = 0;

    // ---- users (sqlite_users.cpp)
    virtual std::optional<UserRecord> findUserById(const std::string& id) = 0;
    virtual std::optional<UserRecord> findUserByUsername(const std::string& username) = 0;
    virtual std::optional<UserRecord> findUserByEmail(const std::string& email) = 0;
    // Applies the given fields (already normalised). Throws UniqueConflict naming
    // fields taken by another user. Returns the new record, or nothing when the
    // user is gone.
    virtual std::optional<UserRecord> updateProfile(
        const std::string& userId, const ProfileChange& change, std::int64_t nowMs) = 0;
    // Replaces the password hash and revokes every open session but
    // `keepSessionId`, in one transaction. Returns how many sessions were
    // revoked, or nothing when the user is gone.
    virtual std::optional<int> setPasswordHash(
        const std::string& userId, const std::string& hash, std::int64_t nowMs, const std::string& keepSessionId) = 0;
    // Replaces the hash only if it is still `oldHash` (login re-hashing at a new cost).
    virtual bool replacePasswordHash(
        const std::string& userId, const std::string& oldHash, const std::string& newHash) = 0;
    // Deletes the user with sessions, subscriptions and history. Returns the
    // removed record (for its image references), or nothing when there was none.
    virtual std::optional<UserRecord> deleteUser(const std::string& userId) = 0;
    // Calls `each` per user in id order until it returns false. Streams: memory
    // does not grow with the number of users.
    virtual void listUsers(
        const UserQuery& query, std::int64_t nowMs, const std::function<bool(const UserListing&)>& each) = 0;
    virtual std::int64_t countUsers() = 0;

    // ---- sessions (sqlite_sessions.cpp)
    virtual void createSession(const SessionRecord& session) = 0;
    virtual std::optional<SessionRecord> findSession(const std::string& sessionId) = 0;
    virtual std::optional<SessionRecord> findSessionByRefreshHash(const std::string& refreshHash) = 0;
    // The user of session `sessionId` when that session is neither revoked nor
    // expired at `nowMs`; the check behind every authenticated request.
    virtual std::optional<UserRecord> findUserOfActiveSession(const std::string& sessionId, std::int64_t nowMs) = 0;
    // True when the session was open and is now revoked.
    virtual bool revokeSession(const std::string& sessionId, std::int64_t nowMs) = 0;
    // Revokes every open session of the user except `keepSessionId`; returns how many.
    virtual int revokeUserSessions(
        const std::string& userId, std::int64_t nowMs, const std::string& keepSessionId = "") = 0;
    // Rotates the session's refresh token from `oldHash` to `next.refreshHash`
    // (also its expiry, last use, client, replay answer) and retires the old hash.
    // False when the session no longer holds `oldHash` (rotated concurrently, revoked).
    virtual bool rotateRefresh(const std::string& sessionId, const std::string& oldHash, const SessionRecord& next) = 0;
    // The session that once held `refreshHash` and has since rotated it away.
    virtual std::optional<SessionRecord> findSessionByRetiredRefreshHash(const std::string& refreshHash) = 0;
    // Open (neither revoked nor expired) sessions of a user, newest first.
    virtual std::vector<SessionRecord> listOpenSessions(const std::string& userId, std::int64_t nowMs) = 0;
    virtual std::int64_t countOpenSessions(std::int64_t nowMs) = 0;
    // Revokes the user's open sessions beyond the `keep` most recently used;
    // returns how many.
    virtual int revokeSessionsBeyond(const std::string& userId, int keep, std::int64_t nowMs) = 0;
    // Deletes sessions that are revoked or expired at `nowMs` (with their retired
    // refresh tokens), and forgets the sealed replay answer of every rotation
    // made before `replayBeforeMs` (its reuse interval is over).
    virtual SessionPurge purgeSessions(std::int64_t nowMs, std::int64_t replayBeforeMs) = 0;

    // ---- social: subscriptions and watch history (sqlite_social.cpp)
    // True when now subscribed (a new subscription with id `newId`), false when
    // the call unsubscribed.
    virtual bool toggleSubscription(const std::string& subscriberId, const std::string& channelId,
        const std::string& newId, std::int64_t nowMs) = 0;
    virtual bool isSubscribed(const std::string& subscriberId, const std::string& channelId) = 0;
    // Subscriptions to a channel, or of a subscriber, newest first, with both users.
    virtual std::vector<Subscription> listSubscribers(
        const std::string& channelId, std::int64_t offset, std::int64_t limit) = 0;
    virtual std::vector<Subscription> listSubscriptions(
        const std::string& subscriberId, std::int64_t offset, std::int64_t limit) = 0;
    virtual UserCounts countsFor(const std::string& userId, std::int64_t nowMs) = 0;
    // Records a view (a repeat moves the video to the front), keeps the newest
    // `keep` entries of the user, and returns the time it stored for the view.
    virtual std::int64_t recordWatch(
        const std::string& userId, const std::string& videoId, std::int64_t nowMs, std::int64_t keep) = 0;
    virtual std::vector<WatchEntry> listHistory(const std::string& userId, std::int64_t limit) = 0;

    // ---- outbox: messages on their way out (sqlite_outbox.cpp; domain/outbox.hpp)
    // Leases up to `max` queued messages due at `nowMs` that no live lease
    // holds to `owner` until nowMs + leaseMs, counting an attempt on each;
    // oldest due first. Two owners never hold one message at once.
    virtual std::vector<OutboxMessage> claimMessages(
        const std::string& owner, std::int64_t nowMs, std::int64_t leaseMs, int max) = 0;
    // Records what `owner` made of a message it holds, and releases it. False
    // when `owner` no longer holds it (the lease ran out and another took it).
    virtual bool finishMessage(
        const std::string& id, const std::string& owner, const MessageOutcome& outcome, std::int64_t nowMs) = 0;
    virtual std::optional<OutboxMessage> findMessage(const std::string& id) = 0;
    virtual std::vector<OutboxMessage> listMessages(const MessageQuery& query) = 0;
    // Deletes messages sent, kept or failed before `beforeMs`; returns how many.
    virtual std::int64_t pruneMessages(std::int64_t beforeMs) = 0;

    // ---- maintenance: import, backup, restore, health (sqlite_maintenance.cpp)
    // Inserts many users in one write transaction, each record entirely or not
    // at all. A record whose _id, username or email is taken is left out and
    // reported; with `stopAtConflict` nothing after it is attempted.
    virtual std::vector<ImportOutcome> importUsers(const std::vector<UserRecord>& users, bool stopAtConflict) = 0;
    // Copies the whole store into `file` while holding the write lock, and runs
    // `whileLocked` with the media references the copy holds, so no image they
    // name can be deleted before it is copied.
    virtual void backupTo(
        const std::string& file, const std::function<void(const std::vector<std::string>&)>& whileLocked) = 0;
    // Replaces the whole store with the content of `file` (checked first).
    virtual void restoreFrom(const std::string& file) = 0;
    // True when the store answers and holds the schema this build expects (its
    // version, and every table): a database emptied or cut short is not healthy.
    virtual bool ping() = 0;
    // A quick structural check of the whole database (SQLite's quick_check):
    // "ok", or what is wrong.
    virtual std::string checkIntegrity() = 0;

    // ---- login limits every instance sees (a store instances share keeps
    // them); null: each process counts in its own memory.
    virtual AttemptWindows* sharedAttemptWindows() { return nullptr; }
};

} // namespace usersvc
