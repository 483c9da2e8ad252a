#pragma once
// API.md's user object. One presenter for the server's responses and the CLI's
// --json output, so the two never drift apart.
#include "domain/user.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace usersvc {

// An absolute URL for a media reference: "" stays "", absolute URLs (imported
// from Cloudinary) pass through, "3f/<sha>.png" becomes <publicUrl>/media/3f/...
std::string mediaUrl(const std::string& reference, const std::string& publicUrl);

// An empty JSON object with room for `members` members, to be filled with
// operator[] (cheaper than an initializer list; see user_json.cpp).
nlohmann::ordered_json objectWithRoom(std::size_t members);

// The user as its owner sees it. Images appear under both dialects' names:
// `Avatar`/`CoverImg` (API.md) and `avatar`/`coverImage` (chai-backend).
nlohmann::ordered_json userJson(const User& user, const std::string& publicUrl);

// The user as anybody else sees it (subscription lists): no e-mail, no timestamps.
nlohmann::ordered_json publicUserJson(const User& user, const std::string& publicUrl);

// Login and refresh answers: the user and both tokens, under chai-backend's
// names (accessToken) and API.md's (AccessToken), the same values.
nlohmann::ordered_json sessionTokensJson(
    const User& user, const std::string& accessToken, const std::string& refreshToken, const std::string& publicUrl);

// One open session as its user (GET /users/sessions) and the operator
// (`usersvc sessions`) see it: when it began and was last used, until when its
// refresh token lasts, and the client that opened or last refreshed it.
nlohmann::ordered_json sessionRecordJson(const SessionRecord& session);

// The user object with the operator's counts, flat, under chai-backend's
// names where the channel page has them: `subscribersCount`,
// `SubscribedToCount`, then `openSessions` and `watchHistoryCount`. The
// console's user page and `usersvc show-user --json` show this one object.
nlohmann::ordered_json userWithCountsJson(const User& user, const UserCounts& counts, const std::string& publicUrl);

// One row of a user listing (the console's users page, `list-users --json`):
// the user object with `openSessions` and `subscribersCount`.
nlohmann::ordered_json userListingJson(const UserListing& row, const std::string& publicUrl);

// A subscription record as chai-backend's forks return it: `_id`, the
// `subscriber` and the `channel` as public users (never an e-mail), `createdAt`.
nlohmann::ordered_json subscriptionsJson(const std::vector<Subscription>& list, const std::string& publicUrl);

// Watch history entries: `videoId` and `watchedAt`, newest first.
nlohmann::ordered_json watchEntryJson(const WatchEntry& entry);
nlohmann::ordered_json watchHistoryJson(const std::vector<WatchEntry>& entries);

} // namespace usersvc
