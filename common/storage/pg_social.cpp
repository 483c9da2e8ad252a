// PgStore: subscriptions, counts and watch history.
#include "storage/pg_internal.hpp"

namespace usersvc {

bool PgStore::toggleSubscription(
    const std::string& subscriberId, const std::string& channelId, const std::string& newId, std::int64_t nowMs) {
    return pgGuarded([&] {
        PgLockedWork work(*this);
        bool subscribed =
            work.run("DELETE FROM subscriptions WHERE subscriber_id = $1 AND channel_id = $2", subscriberId, channelId)
                .affected_rows() == 0;
        if (subscribed)
            work.run("INSERT INTO subscriptions (id, subscriber_id, channel_id, created_at) VALUES ($1, $2, $3, $4)",
                newId, subscriberId, channelId, nowMs);
        work.commit();
        return subscribed;
    });
}

bool PgStore::isSubscribed(const std::string& subscriberId, const std::string& channelId) {
    return pgGuarded([&] {
        return !runAlone(
            *this, "SELECT 1 FROM subscriptions WHERE subscriber_id = $1 AND channel_id = $2", subscriberId, channelId)
                    .empty();
    });
}

std::vector<Subscription> PgStore::listSubscribers(
    const std::string& channelId, std::int64_t offset, std::int64_t limit) {
    return listSubscriptionsWhere("channel_id", channelId, offset, limit);
}

std::vector<Subscription> PgStore::listSubscriptions(
    const std::string& subscriberId, std::int64_t offset, std::int64_t limit) {
    return listSubscriptionsWhere("subscriber_id", subscriberId, offset, limit);
}

// Subscriptions whose `key` column is `id`, newest first, each with both users
// (subscriber as `a`, channel as `b`). The column name is fixed in this file.
std::vector<Subscription> PgStore::listSubscriptionsWhere(
    const char* key, const std::string& id, std::int64_t offset, std::int64_t limit) {
    return pgGuarded([&] {
        auto rows = runAlone(*this,
            "SELECT s.id, s.created_at, " + userColumns("a") + ", " + userColumns("b") +
                " FROM subscriptions s JOIN users a ON a.id = s.subscriber_id JOIN users b ON b.id = s.channel_id"
                " WHERE s." +
                key + " = $1 ORDER BY s.created_at DESC, s.id LIMIT $2 OFFSET $3",
            id, limit, offset);
        std::vector<Subscription> out;
        for (const auto& row : rows) {
            Subscription sub;
            sub.id = row[0].c_str();
            sub.createdAtMs = row[1].as<std::int64_t>();
            sub.subscriber = readUser(row, 2);
            sub.channel = readUser(row, 2 + kUserColumnCount);
            out.push_back(std::move(sub));
        }
        return out;
    });
}

UserCounts PgStore::countsFor(const std::string& userId, std::int64_t nowMs) {
    return pgGuarded([&] {
        auto row = runAlone(*this,
            "SELECT (SELECT count(*) FROM subscriptions WHERE channel_id = $1),"
            " (SELECT count(*) FROM subscriptions WHERE subscriber_id = $1),"
            " (SELECT count(*) FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2),"
            " (SELECT count(*) FROM watch_history WHERE user_id = $1)",
            userId, nowMs)[0];
        return UserCounts{
            row[0].as<std::int64_t>(), row[1].as<std::int64_t>(), row[2].as<std::int64_t>(), row[3].as<std::int64_t>()};
    });
}

std::int64_t PgStore::recordWatch(
    const std::string& userId, const std::string& videoId, std::int64_t nowMs, std::int64_t keep) {
    return pgGuarded([&] {
        PgLockedWork work(*this);
        // A repeat within the same millisecond still moves to the front.
        auto newest = work.run("SELECT max(watched_at) FROM watch_history WHERE user_id = $1", userId);
        std::int64_t at = nowMs;
        if (!newest[0][0].is_null()) at = std::max(at, newest[0][0].as<std::int64_t>() + 1);
        work.run("INSERT INTO watch_history (user_id, video_id, watched_at) VALUES ($1, $2, $3)"
                 " ON CONFLICT (user_id, video_id) DO UPDATE SET watched_at = excluded.watched_at",
            userId, videoId, at);
        work.run(
            "DELETE FROM watch_history WHERE user_id = $1 AND watched_at <"
            " (SELECT watched_at FROM watch_history WHERE user_id = $1 ORDER BY watched_at DESC LIMIT 1 OFFSET $2)",
            userId, keep - 1);
        work.commit();
        return at;
    });
}

std::vector<WatchEntry> PgStore::listHistory(const std::string& userId, std::int64_t limit) {
    return pgGuarded([&] {
        auto rows = runAlone(*this,
            "SELECT video_id, watched_at FROM watch_history WHERE user_id = $1 ORDER BY watched_at DESC LIMIT $2",
            userId, limit);
        std::vector<WatchEntry> out;
        for (const auto& row : rows)
            out.push_back({row[0].c_str(), row[1].as<std::int64_t>()});
        return out;
    });
}

} // namespace usersvc
