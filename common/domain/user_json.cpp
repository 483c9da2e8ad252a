#include "domain/user_json.hpp"

#include "domain/clock.hpp"

namespace usersvc {

std::string mediaUrl(const std::string& reference, const std::string& publicUrl) {
    if (reference.empty()) return "";
    if (reference.rfind("http://", 0) == 0 || reference.rfind("https://", 0) == 0) return reference;
    return publicUrl + "/media/" + reference;
}

nlohmann::ordered_json userJson(const User& u, const std::string& publicUrl) {
    return {{"_id", u.id},
            {"username", u.username},
            {"email", u.email},
            {"fullName", u.fullName},
            {"Avatar", mediaUrl(u.avatar, publicUrl)},
            {"CoverImg", mediaUrl(u.coverImage, publicUrl)},
            {"createdAt", isoTimestamp(u.createdAtMs)},
            {"updatedAt", isoTimestamp(u.updatedAtMs)}};
}

} // namespace usersvc
