// /api/v1/users: what a signed-in user changes about their account.
#include "auth.hpp"
#include "domain/user_json.hpp"
#include "envelope.hpp"
#include "form_input.hpp"
#include "route_context.hpp"
#include "services/core.hpp"

namespace usersvc::http {

FormSpec textForm(const RouteContext& ctx, std::vector<std::string> fields) {
    FormSpec spec;
    spec.textFields = std::move(fields);
    spec.textLimit = ctx.settings.jsonLimit;
    return spec;
}

ProfileInput readProfileChange(Exchange& ex, RouteContext& ctx) {
    auto form = readForm(ex.body, textForm(ctx, {"username", "email", "fullName", "fullname"}), ctx.core.media());
    ProfileInput input;
    if (form.has("username")) input.username = form.value("username");
    if (form.has("email")) input.email = form.value("email");
    input.fullName = form.firstOf({"fullName", "fullname"});
    return input;
}

std::unique_ptr<StagedImage> readImageUpload(Exchange& ex, RouteContext& ctx, ImageSlot slot) {
    std::string canonical = slot == ImageSlot::Avatar ? "Avatar" : "CoverImg";
    std::string alias = slot == ImageSlot::Avatar ? "avatar" : "coverImage";
    FormSpec spec;
    spec.fileFields = {{canonical, canonical}, {alias, canonical}};
    spec.allowJson = false;
    spec.allowUrlEncoded = false;
    spec.textLimit = ctx.settings.jsonLimit;
    auto form = readForm(ex.body, spec, ctx.core.media());
    return form.takeFile(canonical);
}

namespace {
const std::string kUsers = "/api/v1/users";

void changePassword(Exchange& ex, RouteContext& ctx, const AuthContext& auth) {
    auto form = readForm(ex.body, textForm(ctx, {"oldPassword", "newPassword"}), ctx.core.media());
    ctx.core.accounts().changePassword(
        auth, form.value("oldPassword"), form.value("newPassword"), ex.beforeCredentialCheck);
    sendData(ex.res, 200, "Password changed successfully", nlohmann::ordered_json::object());
}

void updateProfile(Exchange& ex, RouteContext& ctx, const AuthContext& auth) {
    User user = ctx.core.accounts().updateProfile(auth.user.id, readProfileChange(ex, ctx));
    sendData(ex.res, 200, "Account details updated successfully", userJson(user, ctx.publicUrl));
}

// PATCH /updateAvatar (file Avatar) and /avatar (file avatar); likewise the cover.
void updateImage(Exchange& ex, RouteContext& ctx, const AuthContext& auth, ImageSlot slot) {
    User user = ctx.core.accounts().updateImage(auth.user.id, slot, readImageUpload(ex, ctx, slot));
    sendData(ex.res, 200, (slot == ImageSlot::Avatar ? "Avatar" : "Cover image") + std::string(" updated successfully"),
        userJson(user, ctx.publicUrl));
}

void updateAvatar(Exchange& ex, RouteContext& ctx, const AuthContext& auth) {
    updateImage(ex, ctx, auth, ImageSlot::Avatar);
}

void updateCover(Exchange& ex, RouteContext& ctx, const AuthContext& auth) {
    updateImage(ex, ctx, auth, ImageSlot::CoverImage);
}
} // namespace

void registerAccountRoutes(Router& router, RouteContext& ctx) {
    // A stolen access token must not buy unlimited guesses at the password.
    auto password = limitFailedLogins(ctx.loginLimiter, nullptr, bindSignedIn(ctx, changePassword));
    // A 409 tells that a username or e-mail exists: counted per address.
    auto profile = limitConflicts(ctx.loginLimiter, bindSignedIn(ctx, updateProfile));
    auto avatar = bindSignedIn(ctx, updateAvatar);
    auto cover = bindSignedIn(ctx, updateCover);
    // API.md's paths first, then the names chai-backend and its forks' front ends call.
    router.add("POST", kUsers + "/changePassword", password);
    router.add("POST", kUsers + "/change-password", password);
    for (const char* path : {"/updateProfile", "/update-account", "/update-user", "/update-profile"})
        router.add("PATCH", kUsers + path, profile);
    for (const char* path : {"/updateAvatar", "/avatar", "/update-avatar"})
        router.add("PATCH", kUsers + path, avatar);
    // Literal segments match case-insensitively, so /update-coverimage also answers
    // /update-coverImage and /update-coverImg /update-coverimg.
    for (const char* path : {"/updateCoverImg", "/cover-image", "/update-cover-image", "/coverImage",
             "/update-coverImg", "/update-coverimage", "/update-cover"})
        router.add("PATCH", kUsers + path, cover);
}

} // namespace usersvc::http
