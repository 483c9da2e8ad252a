// /api/v1/users/watch-History (alias /history): newest first, bounded per user.
#include "auth.hpp"
#include "domain/clock.hpp"
#include "envelope.hpp"
#include "form_input.hpp"
#include "http_server.hpp"
#include "services/core.hpp"

namespace usersvc::http {

namespace {
nlohmann::ordered_json entryJson(const WatchEntry& e) {
    return {{"videoId", e.videoId}, {"watchedAt", isoTimestamp(e.watchedAtMs)}};
}

void history(Exchange& ex, RouteContext& ctx) {
    auto auth = requireAuth(ex.req, ctx.core.accounts());
    auto entries = nlohmann::ordered_json::array();
    for (const auto& e : ctx.core.history().list(auth.user.id))
        entries.push_back(entryJson(e));
    sendData(ex.res, 200, "Watch history fetched successfully", entries);
}

void recordWatch(Exchange& ex, RouteContext& ctx) {
    auto auth = requireAuth(ex.req, ctx.core.accounts());
    FormSpec spec;
    spec.textFields = {"videoId"};
    spec.textLimit = ctx.settings.jsonLimit;
    auto form = readForm(ex.body, spec, ctx.core.media());
    auto entry = ctx.core.history().record(auth.user.id, form.value("videoId"));
    sendData(ex.res, 200, "Added to watch history", entryJson(entry));
}
} // namespace

void registerHistoryRoutes(Router& router, RouteContext& ctx) {
    auto list = [&ctx](Exchange& ex) { history(ex, ctx); };
    auto add = [&ctx](Exchange& ex) { recordWatch(ex, ctx); };
    router.add("GET", "/api/v1/users/watch-History", list);
    router.add("GET", "/api/v1/users/history", list);
    router.add("POST", "/api/v1/users/watch-History", add);
    router.add("POST", "/api/v1/users/history", add);
}

} // namespace usersvc::http
