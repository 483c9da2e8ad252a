#pragma once
// What the services need from persistence. SQL lives behind this interface only
// (storage/sqlite_store.cpp); a PostgreSQL store can implement it later.
#include "domain/user.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace usersvc {

struct UserQuery {
    std::string search;  // substring of username, email or fullName; "" for all
    std::string afterId; // keyset pagination: ids strictly greater
    std::int64_t limit = -1; // -1: no limit
};

struct WriteHooks {
    std::function<void()> publish;
    std::function<void()> unpublish;
};

class Store {
public:
    virtual ~Store() = default;

    // Inserts `user` in one write transaction. Throws Error{Conflict} naming the
    // taken field(s). After the insert and before the commit, while the write lock
    // is held, it runs `hooks.publish` (media files move into place there); when
    // anything fails after that it runs `hooks.unpublish`, still under the lock, so
    // deciding whether a file is still needed never races another writer.
    virtual void createUser(const UserRecord& user, const WriteHooks& hooks) = 0;

    virtual std::optional<UserRecord> findUserById(const std::string& id) = 0;
    virtual std::optional<UserRecord> findUserByUsername(const std::string& username) = 0;
    virtual std::optional<UserRecord> findUserByEmail(const std::string& email) = 0;

    virtual void createSession(const SessionRecord& session) = 0;
    virtual std::optional<SessionRecord> findSession(const std::string& sessionId) = 0;
    virtual std::optional<SessionRecord> findSessionByRefreshHash(const std::string& refreshHash) = 0;

    // The user of session `sessionId` when that session is neither revoked nor
    // expired at `nowMs`; the check behind every authenticated request.
    virtual std::optional<UserRecord> findUserOfActiveSession(const std::string& sessionId,
                                                              std::int64_t nowMs) = 0;

    // True when the session was open and is now revoked.
    virtual bool revokeSession(const std::string& sessionId, std::int64_t nowMs) = 0;
    // Revokes every open session of the user except `keepSessionId`; returns how many.
    virtual int revokeUserSessions(const std::string& userId, std::int64_t nowMs,
                                   const std::string& keepSessionId = "") = 0;

    // Calls `each` per user in id order until it returns false. Streams: memory
    // does not grow with the number of users.
    virtual void listUsers(const UserQuery& query, std::int64_t nowMs,
                           const std::function<bool(const UserListing&)>& each) = 0;

    // True when the store answers a trivial query.
    virtual bool ping() = 0;
};

} // namespace usersvc
