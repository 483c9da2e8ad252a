#include "login_limiter.hpp"

#include "domain/error.hpp"
#include "metrics.hpp"

#include "domain/clock.hpp"

#include <algorithm>
#include <vector>

namespace usersvc::http {

std::int64_t MemoryAttemptWindows::waitLocked(
    const std::vector<AttemptLimit>& keys, std::int64_t now, std::int64_t windowMs) {
    std::int64_t wait = 0;
    for (const auto& [key, limit] : keys) {
        auto it = windows_.find(key);
        if (it == windows_.end()) continue;
        std::int64_t end = it->second.startMs + windowMs;
        if (end <= now) {
            windows_.erase(it);
            continue;
        }
        if (it->second.failures >= limit) wait = std::max(wait, (end - now + 999) / 1000);
    }
    return wait;
}

std::int64_t MemoryAttemptWindows::wait(
    const std::vector<AttemptLimit>& keys, std::int64_t now, std::int64_t windowMs) {
    std::lock_guard lock(mutex_);
    return waitLocked(keys, now, windowMs);
}

std::int64_t MemoryAttemptWindows::reserve(
    const std::vector<AttemptLimit>& keys, std::int64_t now, std::int64_t windowMs) {
    std::lock_guard lock(mutex_);
    if (auto wait = waitLocked(keys, now, windowMs); wait > 0) return wait;
    if (windows_.size() + keys.size() > maxKeys_) sweep(now, windowMs);
    for (const auto& attempt : keys) {
        auto& w = windows_[attempt.key];
        if (w.failures == 0 || w.startMs + windowMs <= now) w = Window{now, 0};
        ++w.failures;
    }
    return 0;
}

void MemoryAttemptWindows::takeBack(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = windows_.find(key);
    if (it != windows_.end() && it->second.failures > 0) --it->second.failures;
}

void MemoryAttemptWindows::clear(const std::string& key) {
    std::lock_guard lock(mutex_);
    windows_.erase(key);
}

void MemoryAttemptWindows::forgetStartedBefore(std::int64_t startMs) {
    std::lock_guard lock(mutex_);
    std::erase_if(windows_, [&](const auto& e) { return e.second.startMs <= startMs; });
}

std::size_t MemoryAttemptWindows::trackedKeys() {
    std::lock_guard lock(mutex_);
    return windows_.size();
}

void MemoryAttemptWindows::sweep(std::int64_t now, std::int64_t windowMs) {
    std::erase_if(windows_, [&](const auto& e) { return e.second.startMs + windowMs <= now; });
    if (windows_.size() + 2 <= maxKeys_) return;
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

std::vector<AttemptWindow> MemoryAttemptWindows::openWindows(
    std::int64_t now, std::int64_t windowMs, int minFailures, std::size_t max) {
    std::vector<AttemptWindow> out;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [key, w] : windows_)
            if (w.startMs + windowMs > now && w.failures >= minFailures) out.push_back({key, w.failures, w.startMs});
    }
    std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.startMs > y.startMs; });
    if (out.size() > max) out.resize(max);
    return out;
}

LoginLimiter::LoginLimiter(LoginLimits limits, AttemptWindows* shared)
    : limits_(limits), memory_(limits.maxKeys), windows_(shared ? shared : &memory_) {}

std::vector<AttemptLimit> LoginLimiter::loginKeys(const std::string& identifier, const std::string& address) const {
    return {{"i:" + identifier, limits_.perIdentifier}, {"a:" + address, limits_.perAddress}};
}

void LoginLimiter::forgetOldShared(std::int64_t now) {
    if (windows_ == &memory_) return; // memory sweeps itself by size
    std::int64_t last = lastForgetMs_.load();
    if (now - last < 60000 || !lastForgetMs_.compare_exchange_strong(last, now)) return;
    windows_->forgetStartedBefore(now - windowMs());
}

std::int64_t LoginLimiter::retryAfter(const std::string& identifier, const std::string& address) {
    return windows_->wait(loginKeys(identifier, address), nowMs(), windowMs());
}

std::int64_t LoginLimiter::reserveAttempt(const std::string& identifier, const std::string& address) {
    auto keys = loginKeys(identifier, address);
    auto giveUpAt = std::chrono::steady_clock::now() + std::chrono::milliseconds(limits_.inFlightWaitMs);
    for (;;) {
        std::uint64_t seen;
        {
            std::lock_guard lock(inFlightMutex_);
            seen = settlements_;
        }
        std::int64_t now = nowMs();
        forgetOldShared(now);
        std::int64_t wait = windows_->reserve(keys, now, windowMs());
        if (wait == 0) {
            beginInFlight(keys);
            return 0;
        }
        // Over the budget. If attempts of this identifier or address are still
        // being checked, their outcome decides (a success clears the
        // identifier): wait for one to settle, then ask again.
        std::unique_lock lock(inFlightMutex_);
        auto pending = [&] {
            for (const auto& key : keys)
                if (auto it = inFlight_.find(key.key); it != inFlight_.end() && it->second > 0) return true;
            return false;
        };
        if (!pending()) return wait;
        if (!settled_.wait_until(lock, giveUpAt, [&] { return settlements_ != seen; })) return wait;
    }
}

void LoginLimiter::beginInFlight(const std::vector<AttemptLimit>& keys) {
    std::lock_guard lock(inFlightMutex_);
    for (const auto& key : keys)
        ++inFlight_[key.key];
}

void LoginLimiter::endInFlight(const std::string& identifier, const std::string& address) {
    {
        std::lock_guard lock(inFlightMutex_);
        for (const auto& key : loginKeys(identifier, address))
            if (auto it = inFlight_.find(key.key); it != inFlight_.end() && --it->second <= 0) inFlight_.erase(it);
        ++settlements_;
    }
    settled_.notify_all();
}

void LoginLimiter::settleSuccess(const std::string& identifier, const std::string& address) {
    windows_->clear("i:" + identifier);
    windows_->takeBack("a:" + address);
    endInFlight(identifier, address);
}

void LoginLimiter::refundAttempt(const std::string& identifier, const std::string& address) {
    windows_->takeBack("i:" + identifier);
    windows_->takeBack("a:" + address);
    endInFlight(identifier, address);
}

void LoginLimiter::settleFailure(const std::string& identifier, const std::string& address) {
    endInFlight(identifier, address);
}

std::int64_t LoginLimiter::countFailure(const std::string& identifier, const std::string& address) {
    return windows_->reserve(loginKeys(identifier, address), nowMs(), windowMs());
}

AttemptLimit LoginLimiter::perAddressKey(PerAddress kind, const std::string& address) const {
    return kind == PerAddress::Conflicts ? AttemptLimit{"c:" + address, limits_.conflictsPerAddress}
                                         : AttemptLimit{"r:" + address, limits_.registrationsPerAddress};
}

std::int64_t LoginLimiter::reserve(PerAddress kind, const std::string& address) {
    return windows_->reserve({perAddressKey(kind, address)}, nowMs(), windowMs());
}

void LoginLimiter::takeBack(PerAddress kind, const std::string& address) {
    windows_->takeBack(perAddressKey(kind, address).key);
}

std::size_t LoginLimiter::trackedKeys() {
    return windows_->trackedKeys();
}

std::vector<LoginLimiter::Lockout> LoginLimiter::lockouts() {
    std::int64_t now = nowMs();
    int lowest = std::min(
        {limits_.perIdentifier, limits_.perAddress, limits_.conflictsPerAddress, limits_.registrationsPerAddress});
    std::vector<Lockout> out;
    for (const auto& w : windows_->openWindows(now, windowMs(), lowest, 1000)) {
        Lockout lockout;
        lockout.key = w.key;
        lockout.subject = w.key.substr(2);
        lockout.failures = w.failures;
        int limit = 0;
        if (w.key.rfind("i:", 0) == 0) {
            lockout.kind = "identifier";
            limit = limits_.perIdentifier;
        } else if (w.key.rfind("a:", 0) == 0) {
            lockout.kind = "address";
            limit = limits_.perAddress;
        } else if (w.key.rfind("c:", 0) == 0) {
            lockout.kind = "conflicts";
            limit = limits_.conflictsPerAddress;
        } else {
            lockout.kind = "registrations";
            limit = limits_.registrationsPerAddress;
        }
        if (w.failures < limit) continue;
        lockout.retryAfterSeconds = (w.startMs + windowMs() - now + 999) / 1000;
        out.push_back(std::move(lockout));
    }
    return out;
}

bool LoginLimiter::unlock(const std::string& key) {
    for (const auto& lockout : lockouts())
        if (lockout.key == key) {
            windows_->clear(key);
            return true;
        }
    return false;
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
            if (reserved) limiter.settleFailure(key, address); // counted when reserved
            if (reserved && metrics) ++metrics->loginsFailed;
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

namespace {
// One kind of request counted per client address around `handler`: refused
// with 429 and `message` past the limit; `counts(error)` (null after a
// success) says whether the request stays counted.
RouteHandler limitPerAddress(LoginLimiter& limiter, LoginLimiter::PerAddress kind, const char* message,
    bool (*counts)(const Error* error), RouteHandler handler) {
    return [&limiter, kind, message, counts, handler = std::move(handler)](Exchange& ex) {
        const std::string& address = ex.state.clientAddress;
        if (auto wait = limiter.reserve(kind, address); wait > 0) {
            ex.res.set_header("Retry-After", std::to_string(wait));
            throw Error(Code::RateLimited, message);
        }
        try {
            handler(ex);
        } catch (const Error& e) {
            if (!counts(&e)) limiter.takeBack(kind, address);
            throw;
        } catch (...) {
            limiter.takeBack(kind, address);
            throw;
        }
        if (!counts(nullptr)) limiter.takeBack(kind, address);
    };
}
} // namespace

RouteHandler limitConflicts(LoginLimiter& limiter, RouteHandler handler) {
    // Only a 409 tells that an account exists.
    return limitPerAddress(
        limiter, LoginLimiter::PerAddress::Conflicts,
        "Too many requests naming a taken username or email; try again later",
        [](const Error* e) { return e && e->code == Code::Conflict; }, std::move(handler));
}

RouteHandler limitRegistrations(LoginLimiter& limiter, RouteHandler handler) {
    // A registration that spent a hash: a new user, or one refused as taken
    // after hashing.
    return limitPerAddress(
        limiter, LoginLimiter::PerAddress::Registrations, "Too many registrations from this address; try again later",
        [](const Error* e) { return !e || e->code == Code::Conflict; }, std::move(handler));
}

void countWrongGuess(LoginLimiter& limiter, Exchange& ex) {
    const std::string& address = ex.state.clientAddress;
    if (auto wait = limiter.countFailure("(console)@" + address, address); wait > 0) {
        ex.res.set_header("Retry-After", std::to_string(wait));
        throw Error(Code::RateLimited, "Too many wrong console tokens; try again later");
    }
}

} // namespace usersvc::http
