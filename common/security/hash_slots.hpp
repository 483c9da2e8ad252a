#pragma once
// The bcrypt slots: at most `slots` hashes run at once, granted first come,
// first served (std::counting_semaphore wakes waiters in no particular order,
// so under load some logins waited five times longer than others), and a
// caller that would wait longer than its timeout gets no slot at all: refused
// at once when the queue ahead of it, at the recent time a hash holds a slot,
// predicts a longer wait, and otherwise when no slot has come by the timeout
// less the slowest of the recent holds (so the hash, too, ends within the
// timeout: under a flood a hold takes several times its unloaded length, and
// an average let the slowest answers end 1-2 s late).
//
// Two kinds of caller (issue 21): a flood of registrations from one address
// slowed logins from 0.2 s to 5 s and then to 503. Hashes for new accounts
// (registration, import) hold at most half the slots (at least one) and wait
// behind every login, password change and check: a freed slot goes to the
// longest-waiting sign-in first.
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <mutex>

namespace usersvc {

// Who a hash is for: someone signing in (or changing a password), or a new account.
enum class HashPriority { SignIn, NewAccount };

class HashSlots {
public:
    explicit HashSlots(unsigned slots);

    // Waits for a slot in arrival order among its priority; false (holding
    // nothing) when the wait is predicted to exceed `timeout`, or does.
    bool acquire(std::chrono::milliseconds timeout, HashPriority priority = HashPriority::SignIn);
    // Hands the slot to the longest waiter that may take it, or frees it.
    // `heldSeconds`, how long the slot was held, feeds the prediction.
    void release(double heldSeconds = 0, HashPriority priority = HashPriority::SignIn);

    // Callers waiting right now.
    int waiting();

    // How long acquisitions waited, for /metrics: counts per bucket (a wait
    // counts in the first bucket it fits), the total, and timeouts.
    static constexpr std::array<double, 9> kWaitBucketsSeconds = {0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 5};
    struct WaitStats {
        std::array<std::uint64_t, kWaitBucketsSeconds.size()> buckets{};
        std::uint64_t count = 0;
        double sumSeconds = 0;
        std::uint64_t timeouts = 0;
    };
    WaitStats waitStats();

private:
    struct Waiter {
        std::condition_variable wake;
        std::chrono::steady_clock::time_point answerBy; // arrival + timeout
        HashPriority priority = HashPriority::SignIn;
        bool granted = false;
    };
    std::chrono::steady_clock::time_point lastUsefulGrant(const Waiter& waiter) const;
    // True when a free slot may go to `priority` now.
    bool mayTake(HashPriority priority) const;
    // The first waiter a freed slot goes to (granted or told to give up), or null.
    bool grantNext(HashPriority priority, std::chrono::steady_clock::time_point now);
    std::size_t waitersAhead(HashPriority priority) const;
    void recordWait(double seconds);

    std::mutex mutex_;
    unsigned slots_;
    unsigned free_;
    unsigned newAccountSlots_;                   // at most this many held for new accounts
    unsigned newAccountHeld_ = 0;                // held for new accounts now
    double averageHoldSeconds_ = 0;              // moving average; 0 until a hold is reported
    std::array<double, 32> recentHoldSeconds_{}; // the last holds reported, oldest overwritten
    std::size_t nextHold_ = 0;
    double slowestHoldSeconds_ = 0; // of recentHoldSeconds_, kept as holds are reported
    std::list<Waiter> queue_;       // front waited longest
    WaitStats stats_;
};

} // namespace usersvc
