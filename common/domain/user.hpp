#pragma once
// The records both faces talk about. Password hashes and refresh-token hashes
// live only in the *Record types, which never leave common/.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/error.hpp"

namespace usersvc {

// Public view of a user, as API.md's user object shows it.
struct User {
    std::string id; // 24 hex, ObjectId-shaped
    std::string username;
    std::string email;
    std::string fullName;
    std::string avatar;     // media reference ("3f/<sha256>.png") or absolute URL, or ""
    std::string coverImage; // same
    std::int64_t createdAtMs = 0;
    std::int64_t updatedAtMs = 0;
};

struct UserRecord : User {
    std::string passwordHash;
};

// One login: an access token names it by `sid`; its refresh token is stored hashed.
// What one session purge removed.
struct SessionPurge {
    std::int64_t sessions = 0;
    std::int64_t replays = 0;
};

struct SessionRecord {
    std::string id;
    std::string userId;
    std::string refreshHash; // SHA-256 hex of the current refresh token
    std::int64_t createdAtMs = 0;
    std::int64_t lastUsedAtMs = 0;
    std::int64_t expiresAtMs = 0; // refresh-token expiry
    std::optional<std::int64_t> revokedAtMs;
    std::string userAgent;
    std::string clientAddress;
    // Refresh rotation: the token this one replaced, when, and the answer a
    // repeat of that token gets within the reuse interval (sealed with the secret).
    std::string previousRefreshHash;
    std::optional<std::int64_t> rotatedAtMs;
    std::string replaySealed;
};

// What became of one record of a bulk import.
struct ImportOutcome {
    bool inserted = false;
    std::vector<std::string> takenFields; // "_id", "username", "email" already taken
};

// Which stored image of a user.
enum class ImageSlot { Avatar, CoverImage };

struct ProfileChange {
    std::optional<std::string> username;
    std::optional<std::string> email;
    std::optional<std::string> fullName;
};

// A user's counts: the channel page shows the first two, the operator's
// overview (console, `show-user`) all four.
struct UserCounts {
    std::int64_t subscribers = 0;
    std::int64_t subscribedTo = 0;
    std::int64_t openSessions = 0;
    std::int64_t historyEntries = 0;
};

// One user following another's channel; `id` is ObjectId-shaped like a user's.
struct Subscription {
    std::string id;
    User subscriber;
    User channel;
    std::int64_t createdAtMs = 0;
};

struct WatchEntry {
    std::string videoId;
    std::int64_t watchedAtMs = 0;
};

// One row of `list-users` and of the console's users page, counts read in
// the listing query itself (no query per row).
struct UserListing {
    UserRecord user; // the hash is there for `export --include-password-hashes` only
    std::int64_t openSessions = 0;
    std::int64_t subscribers = 0;
};

// What an operator sees of one user (the console's user page and `usersvc
// show-user`): one read model, so both show the same numbers under the same
// names (domain/user_json.hpp's userWithCountsJson).
struct UserOverview {
    UserRecord user;
    UserCounts counts;
    // Left empty by OverviewDetail::Counts:
    std::vector<SessionRecord> sessions;     // open ones, newest first
    std::vector<Subscription> subscribers;   // the newest kOverviewListLength
    std::vector<Subscription> subscriptions; // the same
    std::vector<WatchEntry> history;         // newest first
};
enum class OverviewDetail { Counts, Everything };
constexpr std::int64_t kOverviewListLength = 100;

} // namespace usersvc
