#pragma once
// Failed-login counting per identifier and per client address (API.md: 10 per
// 15 minutes per identifier, 100 per client address). The windows are kept in
// memory (bounded: expired windows are swept, and past `maxKeys` the oldest are
// dropped first), or in a store several instances share (Core::sharedAttemptWindows).
#include "domain/attempt_windows.hpp"
#include "router.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
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
    // 409s (username or e-mail taken) per client address: each one tells that
    // an account exists, so they are limited like failed logins.
    int conflictsPerAddress = 30;
    // Registrations per client address (each costs a bcrypt hash). High enough
    // that a test suite registering hundreds of users a minute from one
    // machine never meets it (docs/DESIGN-NOTES.md, "Registration floods").
    int registrationsPerAddress = 1000;
    // How long a login over its identifier's budget waits for attempts still
    // in flight to settle (one success clears the budget) before it is 429:
    // the hash queue's timeout, set by HttpServer.
    std::int64_t inFlightWaitMs = 10000;
};

// AttemptWindows in this process's memory.
class MemoryAttemptWindows final : public AttemptWindows {
public:
    explicit MemoryAttemptWindows(std::size_t maxKeys) : maxKeys_(maxKeys) {}
    std::int64_t wait(const std::vector<AttemptLimit>& keys, std::int64_t nowMs, std::int64_t windowMs) override;
    std::int64_t reserve(const std::vector<AttemptLimit>& keys, std::int64_t nowMs, std::int64_t windowMs) override;
    void takeBack(const std::string& key) override;
    void clear(const std::string& key) override;
    void forgetStartedBefore(std::int64_t startMs) override;
    std::size_t trackedKeys() override;
    std::vector<AttemptWindow> openWindows(
        std::int64_t nowMs, std::int64_t windowMs, int minFailures, std::size_t max) override;

private:
    struct Window {
        std::int64_t startMs = 0;
        int failures = 0;
    };
    std::int64_t waitLocked(const std::vector<AttemptLimit>& keys, std::int64_t nowMs, std::int64_t windowMs);
    void sweep(std::int64_t nowMs, std::int64_t windowMs);

    std::size_t maxKeys_;
    std::mutex mutex_;
    std::unordered_map<std::string, Window> windows_;
};

class LoginLimiter {
public:
    // `shared`: windows every instance sees; null for this process's memory.
    explicit LoginLimiter(LoginLimits limits = {}, AttemptWindows* shared = nullptr);

    // Seconds until the caller may try again, or 0 when it may try now.
    std::int64_t retryAfter(const std::string& identifier, const std::string& address);

    // Counts an attempt as failed before its password is checked, in one step
    // with the check, so that concurrent attempts cannot all pass a check made
    // before any of them failed. Returns the seconds to wait (and counts
    // nothing) when the identifier or the address is limited. When the budget
    // is spent only by attempts still in flight, it first waits (at most
    // inFlightWaitMs) for them to settle: 30 parallel logins with the right
    // password must not be refused because none has finished yet.
    std::int64_t reserveAttempt(const std::string& identifier, const std::string& address);
    // A reserved attempt that did not fail: a success clears the identifier and
    // takes back the address's count; any other answer (400, 500) takes back both.
    void settleSuccess(const std::string& identifier, const std::string& address);
    void refundAttempt(const std::string& identifier, const std::string& address);
    // A reserved attempt that failed: it stays counted, and is no longer in flight.
    void settleFailure(const std::string& identifier, const std::string& address);

    // A failure counted at once, with nothing in flight to wait for (a wrong
    // console token); the seconds to wait, and nothing counted, when limited.
    std::int64_t countFailure(const std::string& identifier, const std::string& address);

    // Requests of one kind counted per client address (registrations, answers
    // that reveal a taken username or e-mail): reserved before the request
    // runs, taken back when it did not count (limitPerAddress).
    enum class PerAddress { Conflicts, Registrations };
    std::int64_t reserve(PerAddress kind, const std::string& address);
    void takeBack(PerAddress kind, const std::string& address);

    std::size_t trackedKeys();

    // What is locked out now (the console's Activity page): identifiers and
    // addresses at their failed-login limit, addresses at their 409 limit.
    struct Lockout {
        std::string key;     // "i:<identifier>", "a:<address>", "c:<address>" or "r:<address>"
        std::string kind;    // "identifier", "address", "conflicts" or "registrations"
        std::string subject; // the identifier or the address
        int failures = 0;
        std::int64_t retryAfterSeconds = 0;
    };
    std::vector<Lockout> lockouts();
    // Lifts one (the key of a Lockout). False when it was not locked out.
    bool unlock(const std::string& key);

private:
    std::vector<AttemptLimit> loginKeys(const std::string& identifier, const std::string& address) const;
    AttemptLimit perAddressKey(PerAddress kind, const std::string& address) const;
    std::int64_t windowMs() const { return limits_.windowSeconds * 1000; }
    // Shared windows are not swept by size: old ones are forgotten at most once a minute.
    void forgetOldShared(std::int64_t now);

    // Login attempts reserved and not yet settled in this process, by window
    // key; `settled_` is signalled (and `settlements_` counts up) as each ends.
    void beginInFlight(const std::vector<AttemptLimit>& keys);
    void endInFlight(const std::string& identifier, const std::string& address);

    LoginLimits limits_;
    MemoryAttemptWindows memory_;
    AttemptWindows* windows_;
    std::atomic<std::int64_t> lastForgetMs_{0};
    std::mutex inFlightMutex_;
    std::condition_variable settled_;
    std::unordered_map<std::string, int> inFlight_;
    std::uint64_t settlements_ = 0;
};

class Metrics;

// The limiter bound around a route that checks a password (login, password
// change) in the route table. The service names the account it is about to
// check (Exchange::beforeCredentialCheck); when that account or the client
// address is limited, the answer is 429 with Retry-After at once, before any
// bcrypt. The outcome is counted here: WrongPassword is a failure, a success
// clears the account's count. `metrics` (login counters) may be null.
RouteHandler limitFailedLogins(LoginLimiter& limiter, Metrics* metrics, RouteHandler handler);

// The limiter bound around a route that can answer 409 (register, profile).
RouteHandler limitConflicts(LoginLimiter& limiter, RouteHandler handler);

// Registrations per client address, bound around POST /register.
RouteHandler limitRegistrations(LoginLimiter& limiter, RouteHandler handler);

// A wrong guess at the console's token or sign-in code, counted per client
// address like a failed login (a per-address key, so a stranger's guesses
// cannot lock the developer out); throws 429 with Retry-After past the limit.
void countWrongGuess(LoginLimiter& limiter, Exchange& ex);

} // namespace usersvc::http
