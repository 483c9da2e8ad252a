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

nlohmann::ordered_json userJson(const User& user, const std::string& publicUrl);

} // namespace usersvc
