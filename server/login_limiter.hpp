#pragma once
// Failed-login counting per identifier and per client address (API.md: 10 per
// 15 minutes per identifier, 100 per client address). Memory is bounded: expired
// windows are swept, and past `maxKeys` the oldest windows are dropped first.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

namespace usersvc::http {

struct LoginLimits {
    int perIdentifier = 10;
    int perAddress = 100;
    std::int64_t windowSeconds = 15 * 60;
    std::size_t maxKeys = 100000;
};

class LoginLimiter {
public:
    explicit LoginLimiter(LoginLimits limits = {});

    // Seconds until the caller may try again, or 0 when it may try now.
    std::int64_t retryAfter(const std::string& identifier, const std::string& address);
    void recordFailure(const std::string& identifier, const std::string& address);
    void recordSuccess(const std::string& identifier);

    std::size_t trackedKeys();

private:
    struct Window {
        std::int64_t startMs = 0;
        int failures = 0;
    };
    std::int64_t blockedFor(const std::string& key, int limit, std::int64_t now);
    void bump(const std::string& key, std::int64_t now);
    void sweep(std::int64_t now);

    LoginLimits limits_;
    std::mutex mutex_;
    std::unordered_map<std::string, Window> windows_;
};

} // namespace usersvc::http
