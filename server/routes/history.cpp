// /api/v1/users/watch-History (alias /history): newest first, bounded per user.
#include "auth.hpp"
#include "domain/user_json.hpp"
#include "envelope.hpp"
#include "form_input.hpp"
#include "route_context.hpp"
#include "services/core.hpp"

namespace usersvc::http {

namespace {
void history(Exchange& ex, RouteContext& ctx, const AuthContext& auth) {
    sendData(
        ex.res, 200, "Watch history fetched successfully", watchHistoryJson(ctx.core.history().list(auth.user.id)));
}

void recordWatch(Exchange& ex, RouteContext& ctx, const AuthContext& auth) {
    FormSpec spec;
    spec.textFields = {"videoId"};
    spec.textLimit = ctx.settings.jsonLimit;
    auto form = readForm(ex.body, spec, ctx.core.media());
    auto entry = ctx.core.history().record(auth.user.id, form.value("videoId"));
    sendData(ex.res, 200, "Added to watch history", watchEntryJson(entry));
}
} // namespace

void registerHistoryRoutes(Router& router, RouteContext& ctx) {
    auto list = bindSignedIn(ctx, history);
    auto add = bindSignedIn(ctx, recordWatch);
    router.add("GET", "/api/v1/users/watch-History", list);
    router.add("GET", "/api/v1/users/history", list);
    router.add("POST", "/api/v1/users/watch-History", add);
    router.add("POST", "/api/v1/users/history", add);
}

} // namespace usersvc::http
