#include "services/subscription_service.hpp"

#include "domain/clock.hpp"
#include "domain/error.hpp"
#include "domain/ids.hpp"
#include "domain/validation.hpp"
#include "security/crypto.hpp"
#include "services/account_service.hpp"
#include "storage/store.hpp"

namespace usersvc {

SubscriptionService::SubscriptionService(Store& store, AccountService& accounts) : store_(store), accounts_(accounts) {}

void SubscriptionService::requireUser(const std::string& id, const char* what) {
    if (!isObjectId(id) || !store_.findUserById(id)) throw Error(Code::NotFound, std::string("No such ") + what);
}

bool SubscriptionService::toggle(const std::string& subscriberId, const std::string& channelId) {
    if (subscriberId == channelId)
        throw Error(Code::Invalid, "You cannot subscribe to your own channel", {{"channelId", "Is your own id"}});
    requireUser(channelId, "channel");
    return store_.toggleSubscription(subscriberId, channelId, newObjectId(), nowMs());
}

ChannelProfile SubscriptionService::channel(std::string_view username, const std::string& viewerId) {
    auto user = store_.findUserByUsername(toLower(trim(username)));
    if (!user) throw Error(Code::NotFound, "Channel does not exist");
    auto counts = store_.countsFor(user->id, nowMs());
    return ChannelProfile{*user, counts.subscribers, counts.subscribedTo, store_.isSubscribed(viewerId, user->id)};
}

std::vector<Subscription> SubscriptionService::subscribersOf(const std::string& channelId, const Page& page) {
    requireUser(channelId, "channel");
    return store_.listSubscribers(channelId, (page.page - 1) * page.limit, page.limit);
}

std::vector<Subscription> SubscriptionService::subscriptionsOf(const std::string& subscriberId, const Page& page) {
    requireUser(subscriberId, "subscriber");
    return store_.listSubscriptions(subscriberId, (page.page - 1) * page.limit, page.limit);
}

} // namespace usersvc
