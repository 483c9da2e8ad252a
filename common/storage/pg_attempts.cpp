// PgStore: the login limiter's failed-attempt windows, shared by every
// instance. A reservation counts first and checks after, inside one
// transaction whose row locks make concurrent attempts on one key take turns;
// over the limit, it rolls back and nothing was counted.
#include "storage/pg_internal.hpp"

#include <algorithm>

namespace usersvc {

namespace {
std::int64_t secondsLeft(std::int64_t windowStart, std::int64_t windowMs, std::int64_t nowMs) {
    return std::max<std::int64_t>(1, (windowStart + windowMs - nowMs + 999) / 1000);
}
} // namespace

std::int64_t PgAttemptWindows::wait(const std::vector<AttemptLimit>& keys, std::int64_t nowMs, std::int64_t windowMs) {
    return pgGuarded([&] {
        std::int64_t wait = 0;
        for (const auto& [key, limit] : keys) {
            auto rows = runAlone(store_,
                "SELECT window_start FROM login_attempts WHERE key = $1 AND window_start + $2 > $3 AND failures >= $4",
                key, windowMs, nowMs, limit);
            if (!rows.empty()) wait = std::max(wait, secondsLeft(rows[0][0].as<std::int64_t>(), windowMs, nowMs));
        }
        return wait;
    });
}

std::int64_t PgAttemptWindows::reserve(
    const std::vector<AttemptLimit>& keys, std::int64_t nowMs, std::int64_t windowMs) {
    return pgGuarded([&] {
        // Keys in one order everywhere, so two reservations never wait for each other's rows in a cycle.
        auto ordered = keys;
        std::sort(ordered.begin(), ordered.end(), [](const auto& x, const auto& y) { return x.key < y.key; });
        PgStore::Lease lease(store_);
        pqxx::work tx(lease.db());
        std::int64_t wait = 0;
        for (const auto& [key, limit] : ordered) {
            auto row = lease.run(tx,
                "INSERT INTO login_attempts AS w (key, window_start, failures) VALUES ($1, $2, 1)"
                " ON CONFLICT (key) DO UPDATE SET"
                " window_start = CASE WHEN w.window_start + $3 <= $2 THEN $2 ELSE w.window_start END,"
                " failures = CASE WHEN w.window_start + $3 <= $2 THEN 1 ELSE w.failures + 1 END"
                " RETURNING window_start, failures",
                key, nowMs, windowMs)[0];
            if (row[1].as<int>() > limit)
                wait = std::max(wait, secondsLeft(row[0].as<std::int64_t>(), windowMs, nowMs));
        }
        if (wait > 0) return wait; // rolled back: nothing counted
        tx.commit();
        return std::int64_t{0};
    });
}

void PgAttemptWindows::takeBack(const std::string& key) {
    pgGuarded([&] {
        runAlone(store_, "UPDATE login_attempts SET failures = failures - 1 WHERE key = $1 AND failures > 0", key);
    });
}

void PgAttemptWindows::clear(const std::string& key) {
    pgGuarded([&] { runAlone(store_, "DELETE FROM login_attempts WHERE key = $1", key); });
}

void PgAttemptWindows::forgetStartedBefore(std::int64_t startMs) {
    pgGuarded([&] { runAlone(store_, "DELETE FROM login_attempts WHERE window_start <= $1", startMs); });
}

std::size_t PgAttemptWindows::trackedKeys() {
    return pgGuarded([&] {
        return static_cast<std::size_t>(
            runAlone(store_, "SELECT count(*) FROM login_attempts")[0][0].as<std::int64_t>());
    });
}

std::vector<AttemptWindow> PgAttemptWindows::openWindows(
    std::int64_t nowMs, std::int64_t windowMs, int minFailures, std::size_t max) {
    return pgGuarded([&] {
        std::vector<AttemptWindow> out;
        for (const auto& row : runAlone(store_,
                 "SELECT key, failures, window_start FROM login_attempts WHERE window_start + $1 > $2"
                 " AND failures >= $3 ORDER BY window_start DESC LIMIT $4",
                 windowMs, nowMs, minFailures, static_cast<std::int64_t>(max)))
            out.push_back({row[0].c_str(), row[1].as<int>(), row[2].as<std::int64_t>()});
        return out;
    });
}

} // namespace usersvc
