#include "domain/user_json.hpp"

#include "domain/clock.hpp"

namespace usersvc {

std::string mediaUrl(const std::string& reference, const std::string& publicUrl) {
    if (reference.empty()) return "";
    if (reference.rfind("http://", 0) == 0 || reference.rfind("https://", 0) == 0) return reference;
    return publicUrl + "/media/" + reference;
}

// Built member by member: nlohmann's initializer-list constructor makes each
// {key, value} a two-element array first and copies it into the object, which
// was most of the cost of a getUser answer (callgrind). Room for every member
// is made first: ordered_json keeps members in a vector of pairs with const
// keys, so each growth copied every key.
nlohmann::ordered_json objectWithRoom(std::size_t members) {
    auto object = nlohmann::ordered_json::object();
    object.get_ref<nlohmann::ordered_json::object_t&>().reserve(members);
    return object;
}

nlohmann::ordered_json userJson(const User& u, const std::string& publicUrl) {
    std::string avatar = mediaUrl(u.avatar, publicUrl);
    std::string cover = mediaUrl(u.coverImage, publicUrl);
    auto j = objectWithRoom(10);
    j["_id"] = u.id;
    j["username"] = u.username;
    j["email"] = u.email;
    j["fullName"] = u.fullName;
    j["Avatar"] = avatar;
    j["CoverImg"] = cover;
    j["avatar"] = std::move(avatar);
    j["coverImage"] = std::move(cover);
    j["createdAt"] = isoTimestamp(u.createdAtMs);
    j["updatedAt"] = isoTimestamp(u.updatedAtMs);
    return j;
}

nlohmann::ordered_json publicUserJson(const User& u, const std::string& publicUrl) {
    std::string avatar = mediaUrl(u.avatar, publicUrl);
    std::string cover = mediaUrl(u.coverImage, publicUrl);
    auto j = objectWithRoom(7);
    j["_id"] = u.id;
    j["username"] = u.username;
    j["fullName"] = u.fullName;
    j["avatar"] = avatar;
    j["coverImage"] = cover;
    j["Avatar"] = std::move(avatar);
    j["CoverImg"] = std::move(cover);
    return j;
}

nlohmann::ordered_json sessionTokensJson(
    const User& user, const std::string& accessToken, const std::string& refreshToken, const std::string& publicUrl) {
    auto j = objectWithRoom(5);
    j["user"] = userJson(user, publicUrl);
    j["accessToken"] = accessToken;
    j["refreshToken"] = refreshToken;
    j["AccessToken"] = accessToken;
    j["RefreshToken"] = refreshToken;
    return j;
}

nlohmann::ordered_json sessionRecordJson(const SessionRecord& s) {
    auto json = objectWithRoom(6);
    json["sessionId"] = s.id;
    json["createdAt"] = isoTimestamp(s.createdAtMs);
    json["lastUsedAt"] = isoTimestamp(s.lastUsedAtMs);
    json["expiresAt"] = isoTimestamp(s.expiresAtMs);
    json["userAgent"] = s.userAgent;
    json["clientAddress"] = s.clientAddress;
    return json;
}

nlohmann::ordered_json userWithCountsJson(const User& user, const UserCounts& counts, const std::string& publicUrl) {
    auto json = userJson(user, publicUrl);
    json["subscribersCount"] = counts.subscribers;
    json["SubscribedToCount"] = counts.subscribedTo;
    json["openSessions"] = counts.openSessions;
    json["watchHistoryCount"] = counts.historyEntries;
    return json;
}

nlohmann::ordered_json userListingJson(const UserListing& row, const std::string& publicUrl) {
    auto json = userJson(row.user, publicUrl);
    json["openSessions"] = row.openSessions;
    json["subscribersCount"] = row.subscribers;
    return json;
}

nlohmann::ordered_json subscriptionsJson(const std::vector<Subscription>& list, const std::string& publicUrl) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& s : list) {
        auto json = objectWithRoom(4);
        json["_id"] = s.id;
        json["subscriber"] = publicUserJson(s.subscriber, publicUrl);
        json["channel"] = publicUserJson(s.channel, publicUrl);
        json["createdAt"] = isoTimestamp(s.createdAtMs);
        out.push_back(std::move(json));
    }
    return out;
}

nlohmann::ordered_json watchEntryJson(const WatchEntry& entry) {
    auto json = objectWithRoom(2);
    json["videoId"] = entry.videoId;
    json["watchedAt"] = isoTimestamp(entry.watchedAtMs);
    return json;
}

nlohmann::ordered_json watchHistoryJson(const std::vector<WatchEntry>& entries) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& e : entries)
        out.push_back(watchEntryJson(e));
    return out;
}

} // namespace usersvc
