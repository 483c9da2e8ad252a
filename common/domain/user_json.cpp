#include "domain/user_json.hpp"

#include "domain/clock.hpp"

namespace usersvc {

std::string mediaUrl(const std::string& reference, const std::string& publicUrl) {
    if (reference.empty()) return "";
    if (reference.rfind("http://", 0) == 0 || reference.rfind("https://", 0) == 0) return reference;
    return publicUrl + "/media/" + reference;
}

nlohmann::ordered_json userJson(const User& u, const std::string& publicUrl) {
    std::string avatar = mediaUrl(u.avatar, publicUrl);
    std::string cover = mediaUrl(u.coverImage, publicUrl);
    return {{"_id", u.id}, {"username", u.username}, {"email", u.email}, {"fullName", u.fullName}, {"Avatar", avatar},
        {"CoverImg", cover}, {"avatar", avatar}, {"coverImage", cover}, {"createdAt", isoTimestamp(u.createdAtMs)},
        {"updatedAt", isoTimestamp(u.updatedAtMs)}};
}

nlohmann::ordered_json publicUserJson(const User& u, const std::string& publicUrl) {
    std::string avatar = mediaUrl(u.avatar, publicUrl);
    std::string cover = mediaUrl(u.coverImage, publicUrl);
    return {{"_id", u.id}, {"username", u.username}, {"fullName", u.fullName}, {"avatar", avatar},
        {"coverImage", cover}, {"Avatar", avatar}, {"CoverImg", cover}};
}

nlohmann::ordered_json sessionTokensJson(
    const User& user, const std::string& accessToken, const std::string& refreshToken, const std::string& publicUrl) {
    return {{"user", userJson(user, publicUrl)}, {"accessToken", accessToken}, {"refreshToken", refreshToken},
        {"AccessToken", accessToken}, {"RefreshToken", refreshToken}};
}

} // namespace usersvc
