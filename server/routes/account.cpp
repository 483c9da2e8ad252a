// /api/v1/users: what a signed-in user changes about their account.
#include "auth.hpp"
#include "domain/user_json.hpp"
#include "envelope.hpp"
#include "form_input.hpp"
#include "http_server.hpp"
#include "services/core.hpp"

namespace usersvc::http {

namespace {
const std::string kUsers = "/api/v1/users";

FormSpec textForm(const RouteContext& ctx, std::vector<std::string> fields) {
    FormSpec spec;
    spec.textFields = std::move(fields);
    spec.textLimit = ctx.settings.jsonLimit;
    return spec;
}

void changePassword(Exchange& ex, RouteContext& ctx) {
    auto auth = requireAuth(ex.req, ctx.core.accounts());
    auto form = readForm(ex.body, textForm(ctx, {"oldPassword", "newPassword"}), ctx.core.media());
    ctx.core.accounts().changePassword(auth, form.value("oldPassword"), form.value("newPassword"));
    sendData(ex.res, 200, "Password changed successfully", nlohmann::ordered_json::object());
}

void updateProfile(Exchange& ex, RouteContext& ctx) {
    auto auth = requireAuth(ex.req, ctx.core.accounts());
    auto form = readForm(ex.body, textForm(ctx, {"username", "email", "fullName"}), ctx.core.media());
    ProfileInput input;
    if (form.has("username")) input.username = form.value("username");
    if (form.has("email")) input.email = form.value("email");
    if (form.has("fullName")) input.fullName = form.value("fullName");
    User user = ctx.core.accounts().updateProfile(auth.user.id, input);
    sendData(ex.res, 200, "Account details updated successfully", userJson(user, ctx.publicUrl));
}

// PATCH /updateAvatar (file Avatar) and /avatar (file avatar); likewise the cover.
void updateImage(Exchange& ex, RouteContext& ctx, ImageSlot slot) {
    auto auth = requireAuth(ex.req, ctx.core.accounts());
    std::string canonical = slot == ImageSlot::Avatar ? "Avatar" : "CoverImg";
    std::string alias = slot == ImageSlot::Avatar ? "avatar" : "coverImage";
    FormSpec spec;
    spec.fileFields = {{canonical, canonical}, {alias, canonical}};
    spec.allowJson = false;
    spec.allowUrlEncoded = false;
    spec.allowMultipart = true;
    spec.textLimit = ctx.settings.jsonLimit;
    auto form = readForm(ex.body, spec, ctx.core.media());
    User user = ctx.core.accounts().updateImage(auth.user.id, slot, form.takeFile(canonical));
    sendData(ex.res, 200, (slot == ImageSlot::Avatar ? "Avatar" : "Cover image") + std::string(" updated successfully"),
             userJson(user, ctx.publicUrl));
}
} // namespace

void registerAccountRoutes(Router& router, RouteContext& ctx) {
    auto password = [&ctx](Exchange& ex) { changePassword(ex, ctx); };
    auto profile = [&ctx](Exchange& ex) { updateProfile(ex, ctx); };
    auto avatar = [&ctx](Exchange& ex) { updateImage(ex, ctx, ImageSlot::Avatar); };
    auto cover = [&ctx](Exchange& ex) { updateImage(ex, ctx, ImageSlot::CoverImage); };
    router.add("POST", kUsers + "/changePassword", password);
    router.add("POST", kUsers + "/change-password", password);
    router.add("PATCH", kUsers + "/updateProfile", profile);
    router.add("PATCH", kUsers + "/update-account", profile);
    router.add("PATCH", kUsers + "/updateAvatar", avatar);
    router.add("PATCH", kUsers + "/avatar", avatar);
    router.add("PATCH", kUsers + "/updateCoverImg", cover);
    router.add("PATCH", kUsers + "/cover-image", cover);
}

} // namespace usersvc::http
