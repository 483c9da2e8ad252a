// SqliteStore: subscriptions, counts and watch history.
#include "storage/sqlite_internal.hpp"

namespace usersvc {

bool SqliteStore::toggleSubscription(
    const std::string& subscriberId, const std::string& channelId, const std::string& newId, std::int64_t nowMs) {
    return guarded([&] {
        Lease lease(*this);
        auto& db = lease.db();
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        auto& del = lease.statement("DELETE FROM subscriptions WHERE subscriber_id = ? AND channel_id = ?");
        SQLite::bind(del, subscriberId, channelId);
        bool subscribed = del.exec() == 0;
        if (subscribed) {
            auto& add = lease.statement("INSERT INTO subscriptions (id, subscriber_id, channel_id, created_at)"
                                        " VALUES (?, ?, ?, ?)");
            SQLite::bind(add, newId, subscriberId, channelId, static_cast<int64_t>(nowMs));
            add.exec();
        }
        tx.commit();
        return subscribed;
    });
}

bool SqliteStore::isSubscribed(const std::string& subscriberId, const std::string& channelId) {
    return guarded([&] {
        Lease lease(*this);
        auto& q = lease.statement("SELECT 1 FROM subscriptions WHERE subscriber_id = ? AND channel_id = ?");
        SQLite::bind(q, subscriberId, channelId);
        return q.executeStep();
    });
}

std::vector<Subscription> SqliteStore::listSubscribers(
    const std::string& channelId, std::int64_t offset, std::int64_t limit) {
    return listSubscriptionsWhere("channel_id", channelId, offset, limit);
}

std::vector<Subscription> SqliteStore::listSubscriptions(
    const std::string& subscriberId, std::int64_t offset, std::int64_t limit) {
    return listSubscriptionsWhere("subscriber_id", subscriberId, offset, limit);
}

// Subscriptions whose `key` column is `id`, newest first, each with both users
// (subscriber as `a`, channel as `b`). The column name is fixed in this file.
std::vector<Subscription> SqliteStore::listSubscriptionsWhere(
    const char* key, const std::string& id, std::int64_t offset, std::int64_t limit) {
    return guarded([&] {
        Lease lease(*this);
        auto& q = lease.statement("SELECT s.id, s.created_at, " + userColumns("a") + ", " + userColumns("b") +
                                  " FROM subscriptions s JOIN users a ON a.id = s.subscriber_id"
                                  " JOIN users b ON b.id = s.channel_id WHERE s." +
                                  key +
                                  " = ?"
                                  " ORDER BY s.created_at DESC, s.id LIMIT ? OFFSET ?");
        SQLite::bind(q, id, static_cast<int64_t>(limit), static_cast<int64_t>(offset));
        std::vector<Subscription> out;
        while (q.executeStep()) {
            Subscription sub;
            sub.id = q.getColumn(0).getString();
            sub.createdAtMs = q.getColumn(1).getInt64();
            sub.subscriber = readUser(q, 2);
            sub.channel = readUser(q, 2 + kUserColumnCount);
            out.push_back(std::move(sub));
        }
        return out;
    });
}

UserCounts SqliteStore::countsFor(const std::string& userId, std::int64_t nowMs) {
    return guarded([&] {
        Lease lease(*this);
        auto& q = lease.statement("SELECT (SELECT count(*) FROM subscriptions WHERE channel_id = ?1),"
                                  " (SELECT count(*) FROM subscriptions WHERE subscriber_id = ?1),"
                                  " (SELECT count(*) FROM sessions WHERE user_id = ?1 AND revoked_at IS NULL"
                                  "  AND expires_at > ?2),"
                                  " (SELECT count(*) FROM watch_history WHERE user_id = ?1)");
        SQLite::bind(q, userId, static_cast<int64_t>(nowMs));
        q.executeStep();
        return UserCounts{
            q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getInt64(), q.getColumn(3).getInt64()};
    });
}

std::int64_t SqliteStore::recordWatch(
    const std::string& userId, const std::string& videoId, std::int64_t nowMs, std::int64_t keep) {
    return guarded([&] {
        Lease lease(*this);
        auto& db = lease.db();
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        // A repeat within the same millisecond still moves to the front.
        auto& newest = lease.statement("SELECT max(watched_at) FROM watch_history WHERE user_id = ?");
        SQLite::bind(newest, userId);
        newest.executeStep();
        std::int64_t at = nowMs;
        if (!newest.getColumn(0).isNull()) at = std::max(at, newest.getColumn(0).getInt64() + 1);
        newest.reset();
        auto& upsert =
            lease.statement("INSERT INTO watch_history (user_id, video_id, watched_at) VALUES (?, ?, ?)"
                            " ON CONFLICT (user_id, video_id) DO UPDATE SET watched_at = excluded.watched_at");
        SQLite::bind(upsert, userId, videoId, static_cast<int64_t>(at));
        upsert.exec();
        auto& trim = lease.statement("DELETE FROM watch_history WHERE user_id = ?1 AND watched_at <"
                                     " (SELECT watched_at FROM watch_history WHERE user_id = ?1"
                                     "  ORDER BY watched_at DESC LIMIT 1 OFFSET ?2)");
        SQLite::bind(trim, userId, static_cast<int64_t>(keep - 1));
        trim.exec();
        tx.commit();
        return at;
    });
}

std::vector<WatchEntry> SqliteStore::listHistory(const std::string& userId, std::int64_t limit) {
    return guarded([&] {
        Lease lease(*this);
        auto& q = lease.statement("SELECT video_id, watched_at FROM watch_history WHERE user_id = ?"
                                  " ORDER BY watched_at DESC LIMIT ?");
        SQLite::bind(q, userId, static_cast<int64_t>(limit));
        std::vector<WatchEntry> out;
        while (q.executeStep())
            out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64()});
        return out;
    });
}

} // namespace usersvc
