#include "login_limiter.hpp"

#include "domain/error.hpp"
#include "metrics.hpp"

#include "domain/clock.hpp"

#include <algorithm>
#include <vector>

namespace usersvc::http {

LoginLimiter::LoginLimiter(LoginLimits limits) : limits_(limits) {}

std::int64_t LoginLimiter::blockedFor(const std::string& key, int limit, std::int64_t now) {
    auto it = windows_.find(key);
    if (it == windows_.end()) return 0;
    std::int64_t end = it->second.startMs + limits_.windowSeconds * 1000;
    if (end <= now) {
        windows_.erase(it);
        return 0;
    }
    if (it->second.failures < limit) return 0;
    return (end - now + 999) / 1000;
}

std::int64_t LoginLimiter::waitLocked(const std::string& identifier, const std::string& address, std::int64_t now) {
    return std::max(
        blockedFor("i:" + identifier, limits_.perIdentifier, now), blockedFor("a:" + address, limits_.perAddress, now));
}

std::int64_t LoginLimiter::retryAfter(const std::string& identifier, const std::string& address) {
    std::lock_guard lock(mutex_);
    return waitLocked(identifier, address, nowMs());
}

void LoginLimiter::bump(const std::string& key, std::int64_t now) {
    auto& w = windows_[key];
    if (w.failures == 0 || w.startMs + limits_.windowSeconds * 1000 <= now) w = Window{now, 0};
    ++w.failures;
}

std::int64_t LoginLimiter::reserveAttempt(const std::string& identifier, const std::string& address) {
    std::lock_guard lock(mutex_);
    std::int64_t now = nowMs();
    if (auto wait = waitLocked(identifier, address, now); wait > 0) return wait;
    if (windows_.size() + 2 > limits_.maxKeys) sweep(now);
    bump("i:" + identifier, now);
    bump("a:" + address, now);
    return 0;
}

void LoginLimiter::unbump(const std::string& key) {
    auto it = windows_.find(key);
    if (it != windows_.end() && it->second.failures > 0) --it->second.failures;
}

void LoginLimiter::settleSuccess(const std::string& identifier, const std::string& address) {
    std::lock_guard lock(mutex_);
    windows_.erase("i:" + identifier);
    unbump("a:" + address);
}

void LoginLimiter::refundAttempt(const std::string& identifier, const std::string& address) {
    std::lock_guard lock(mutex_);
    unbump("i:" + identifier);
    unbump("a:" + address);
}

std::int64_t LoginLimiter::reserveConflict(const std::string& address) {
    std::lock_guard lock(mutex_);
    std::int64_t now = nowMs();
    if (auto wait = blockedFor("c:" + address, limits_.conflictsPerAddress, now); wait > 0) return wait;
    if (windows_.size() + 1 > limits_.maxKeys) sweep(now);
    bump("c:" + address, now);
    return 0;
}

void LoginLimiter::refundConflict(const std::string& address) {
    std::lock_guard lock(mutex_);
    unbump("c:" + address);
}

std::size_t LoginLimiter::trackedKeys() {
    std::lock_guard lock(mutex_);
    return windows_.size();
}

void LoginLimiter::sweep(std::int64_t now) {
    std::erase_if(windows_, [&](const auto& e) { return e.second.startMs + limits_.windowSeconds * 1000 <= now; });
    if (windows_.size() + 2 <= limits_.maxKeys) return;
    // Still full of live windows (a flood of random identifiers): drop the oldest half.
    std::vector<std::int64_t> starts;
    starts.reserve(windows_.size());
    for (const auto& e : windows_)
        starts.push_back(e.second.startMs);
    auto middle = starts.begin() + static_cast<std::ptrdiff_t>(starts.size() / 2);
    std::nth_element(starts.begin(), middle, starts.end());
    std::int64_t cutoff = *middle;
    std::erase_if(windows_, [&](const auto& e) { return e.second.startMs <= cutoff; });
}

RouteHandler limitFailedLogins(LoginLimiter& limiter, Metrics* metrics, RouteHandler handler) {
    return [&limiter, metrics, handler = std::move(handler)](Exchange& ex) {
        const std::string& address = ex.state.clientAddress;
        bool reserved = false;
        std::string key;
        ex.beforeCredentialCheck = [&](const std::string& identifier) {
            if (auto wait = limiter.reserveAttempt(identifier, address); wait > 0) {
                if (metrics) ++metrics->loginsRateLimited;
                ex.res.set_header("Retry-After", std::to_string(wait));
                throw Error(Code::RateLimited, "Too many failed login attempts; try again later");
            }
            reserved = true;
            key = identifier;
        };
        try {
            handler(ex);
        } catch (const WrongPassword&) {
            if (reserved && metrics) ++metrics->loginsFailed; // counted when reserved
            throw;
        } catch (...) {
            if (reserved) limiter.refundAttempt(key, address);
            throw;
        }
        if (reserved) {
            limiter.settleSuccess(key, address);
            if (metrics) ++metrics->loginsSucceeded;
        }
    };
}

RouteHandler limitConflicts(LoginLimiter& limiter, RouteHandler handler) {
    return [&limiter, handler = std::move(handler)](Exchange& ex) {
        const std::string& address = ex.state.clientAddress;
        if (auto wait = limiter.reserveConflict(address); wait > 0) {
            ex.res.set_header("Retry-After", std::to_string(wait));
            throw Error(Code::RateLimited, "Too many requests naming a taken username or email; try again later");
        }
        try {
            handler(ex);
        } catch (const Error& e) {
            if (e.code != Code::Conflict) limiter.refundConflict(address);
            throw;
        } catch (...) {
            limiter.refundConflict(address);
            throw;
        }
        limiter.refundConflict(address);
    };
}

} // namespace usersvc::http
