#pragma once
// Channel subscriptions: users subscribe to other users' channels.
#include "domain/user.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace usersvc {

class Store;
class AccountService;

struct ChannelProfile {
    User user;
    std::int64_t subscribersCount = 0;
    std::int64_t subscribedToCount = 0;
    bool isSubscribed = false; // the viewer follows this channel
};

struct Page {
    std::int64_t page = 1;   // 1-based
    std::int64_t limit = 20; // 1..100
};

class SubscriptionService {
public:
    SubscriptionService(Store& store, AccountService& accounts);

    // Subscribes, or unsubscribes when already subscribed. Returns the new state.
    // Throws Error{Invalid} for oneself, {NotFound} for an unknown channel.
    bool toggle(const std::string& subscriberId, const std::string& channelId);

    // The channel page of `username` as `viewerId` sees it. Throws Error{NotFound}.
    ChannelProfile channel(std::string_view username, const std::string& viewerId);

    // The subscriptions to a channel, and those of a subscriber, newest first.
    std::vector<Subscription> subscribersOf(const std::string& channelId, const Page& page);
    std::vector<Subscription> subscriptionsOf(const std::string& subscriberId, const Page& page);

private:
    void requireUser(const std::string& id, const char* what);

    Store& store_;
    AccountService& accounts_;
};

} // namespace usersvc
