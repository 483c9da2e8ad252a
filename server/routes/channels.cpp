// Channel pages (/api/v1/users/channel/:username) and subscriptions
// (/api/v1/subscriptions/...).
#include "auth.hpp"
#include "domain/error.hpp"
#include "domain/user_json.hpp"
#include "envelope.hpp"
#include "http_server.hpp"
#include "services/core.hpp"

#include <charconv>

namespace usersvc::http {

namespace {
// ?page=1&limit=20: page >= 1, limit 1..100.
Page pageOf(const httplib::Request& req) {
    Page page;
    std::vector<FieldError> errors;
    auto number = [&](const char* name, std::int64_t& out, std::int64_t max) {
        if (!req.has_param(name)) return;
        std::string text = req.get_param_value(name);
        std::int64_t value = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > max)
            errors.push_back({name, std::string("Must be a whole number from 1 to ") + std::to_string(max)});
        else
            out = value;
    };
    number("page", page.page, 1000000);
    number("limit", page.limit, 100);
    if (!errors.empty()) throw Error(Code::Invalid, "Invalid paging", errors);
    return page;
}

nlohmann::ordered_json usersJson(const std::vector<User>& users, const std::string& publicUrl) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& u : users) out.push_back(userJson(u, publicUrl));
    return out;
}

void channel(Exchange& ex, RouteContext& ctx) {
    auto auth = requireAuth(ex.req, ctx.core.accounts());
    auto c = ctx.core.subscriptions().channel(ex.params[0], auth.user.id);
    sendData(ex.res, 200, "Channel fetched successfully",
             {{"_id", c.user.id},
              {"username", c.user.username},
              {"fullName", c.user.fullName},
              {"Avatar", mediaUrl(c.user.avatar, ctx.publicUrl)},
              {"CoverImg", mediaUrl(c.user.coverImage, ctx.publicUrl)},
              {"subscribersCount", c.subscribersCount},
              {"SubscribedToCount", c.subscribedToCount},
              {"isSubscribed", c.isSubscribed}});
}

void toggle(Exchange& ex, RouteContext& ctx) {
    auto auth = requireAuth(ex.req, ctx.core.accounts());
    bool subscribed = ctx.core.subscriptions().toggle(auth.user.id, ex.params[0]);
    sendData(ex.res, 200, subscribed ? "Subscribed" : "Unsubscribed", {{"subscribed", subscribed}});
}

void subscribers(Exchange& ex, RouteContext& ctx) {
    requireAuth(ex.req, ctx.core.accounts());
    auto users = ctx.core.subscriptions().subscribersOf(ex.params[0], pageOf(ex.req));
    sendData(ex.res, 200, "Subscribers fetched successfully", usersJson(users, ctx.publicUrl));
}

void subscriptions(Exchange& ex, RouteContext& ctx) {
    requireAuth(ex.req, ctx.core.accounts());
    auto users = ctx.core.subscriptions().subscriptionsOf(ex.params[0], pageOf(ex.req));
    sendData(ex.res, 200, "Subscribed channels fetched successfully", usersJson(users, ctx.publicUrl));
}

} // namespace

void registerChannelRoutes(Router& router, RouteContext& ctx) {
    auto bind = [&ctx](void (*fn)(Exchange&, RouteContext&)) {
        return [fn, &ctx](Exchange& ex) { fn(ex, ctx); };
    };
    router.add("GET", "/api/v1/users/channel/:username", bind(channel));
    router.add("GET", "/api/v1/users/c/:username", bind(channel));
    router.add("POST", "/api/v1/subscriptions/c/:channelId", bind(toggle));
    router.add("GET", "/api/v1/subscriptions/c/:channelId", bind(subscribers));
    router.add("GET", "/api/v1/subscriptions/u/:subscriberId", bind(subscriptions));
}

} // namespace usersvc::http
