#pragma once
// Prometheus counters for GET /metrics (served only with --metrics): requests
// by route and status, a latency histogram, login outcomes. Gauges (bcrypt
// queue, users, open sessions) are read at scrape time.
#include "security/hash_slots.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace usersvc::http {

class Metrics {
public:
    static constexpr std::array<double, 10> kBucketsSeconds = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};

    // `route` is the matched pattern ("/api/v1/users/channel/:username"), or
    // "unmatched", so cardinality stays bounded.
    void recordRequest(const std::string& method, const std::string& route, int status, double seconds);

    std::atomic<std::uint64_t> loginsSucceeded{0};
    std::atomic<std::uint64_t> loginsFailed{0};
    std::atomic<std::uint64_t> loginsRateLimited{0};

    // The exposition text; gauges are passed in by the caller.
    std::string render(
        int bcryptWaiting, const HashSlots::WaitStats& bcryptWaits, std::int64_t usersTotal, std::int64_t openSessions);

private:
    std::mutex mutex_;
    std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
    std::array<std::uint64_t, kBucketsSeconds.size()> buckets_{};
    std::uint64_t count_ = 0;
    double sum_ = 0;
};

} // namespace usersvc::http
