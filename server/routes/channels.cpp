// Channel pages (/api/v1/users/channel/:username) and subscriptions
// (/api/v1/subscriptions/...).
#include "auth.hpp"
#include "domain/clock.hpp"
#include "domain/user_json.hpp"
#include "envelope.hpp"
#include "paging.hpp"
#include "route_context.hpp"
#include "services/core.hpp"

namespace usersvc::http {

namespace {
// The channel page in both dialects; the e-mail only for the channel's owner.
nlohmann::ordered_json channelJson(const ChannelProfile& c, const std::string& viewerId, const std::string& publicUrl) {
    auto json = publicUserJson(c.user, publicUrl);
    if (c.user.id == viewerId) json["email"] = c.user.email;
    json["subscribersCount"] = c.subscribersCount;
    json["SubscribedToCount"] = c.subscribedToCount;
    json["channelsSubscribedToCount"] = c.subscribedToCount;
    json["isSubscribed"] = c.isSubscribed;
    // Front ends show "Join Date" from it (chai-backend's aggregation returns the whole user).
    json["createdAt"] = isoTimestamp(c.user.createdAtMs);
    return json;
}

void channel(Exchange& ex, RouteContext& ctx, const AuthContext& auth) {
    auto c = ctx.core.subscriptions().channel(ex.params[0], auth.user.id);
    sendData(ex.res, 200, "Channel fetched successfully", channelJson(c, auth.user.id, ctx.publicUrl));
}

void toggle(Exchange& ex, RouteContext& ctx, const AuthContext& auth) {
    bool subscribed = ctx.core.subscriptions().toggle(auth.user.id, ex.params[0]);
    sendData(ex.res, 200, subscribed ? "Subscribed" : "Unsubscribed", {{"subscribed", subscribed}});
}

void subscribers(Exchange& ex, RouteContext& ctx, const AuthContext&) {
    auto list = ctx.core.subscriptions().subscribersOf(ex.params[0], pageOf(ex.req));
    sendData(ex.res, 200, "Subscribers fetched successfully", subscriptionsJson(list, ctx.publicUrl));
}

void subscriptions(Exchange& ex, RouteContext& ctx, const AuthContext&) {
    auto list = ctx.core.subscriptions().subscriptionsOf(ex.params[0], pageOf(ex.req));
    sendData(ex.res, 200, "Subscribed channels fetched successfully", subscriptionsJson(list, ctx.publicUrl));
}

} // namespace

void registerChannelRoutes(Router& router, RouteContext& ctx) {
    auto bind = [&ctx](SignedInHandler handler) { return bindSignedIn(ctx, handler); };
    // API.md's paths, then chai-backend's and its forks'.
    router.add("GET", "/api/v1/users/channel/:username", bind(channel));
    router.add("GET", "/api/v1/users/c/:username", bind(channel));
    router.add("GET", "/api/v1/users/channel-profile/:username", bind(channel));
    router.add("POST", "/api/v1/subscriptions/c/:channelId", bind(toggle));
    router.add("GET", "/api/v1/subscriptions/c/:channelId", bind(subscribers));
    router.add("GET", "/api/v1/subscriptions/channel-subscribers/:channelId", bind(subscribers));
    router.add("GET", "/api/v1/subscriptions/u/:subscriberId", bind(subscriptions));
    router.add("GET", "/api/v1/subscriptions/subscribed-channels/:subscriberId", bind(subscriptions));
}

} // namespace usersvc::http
