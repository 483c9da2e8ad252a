#include "security/hash_slots.hpp"

#include <algorithm>

namespace usersvc {

HashSlots::HashSlots(unsigned slots)
    : slots_(std::max(1u, slots)), free_(slots_), newAccountSlots_(std::max(1u, slots_ / 2)) {}

bool HashSlots::mayTake(HashPriority priority) const {
    return free_ > 0 && (priority == HashPriority::SignIn || newAccountHeld_ < newAccountSlots_);
}

std::size_t HashSlots::waitersAhead(HashPriority priority) const {
    // A sign-in waits only behind sign-ins; a new account behind everyone.
    std::size_t n = 0;
    for (const auto& waiter : queue_)
        n += !waiter.granted && (priority == HashPriority::NewAccount || waiter.priority == HashPriority::SignIn);
    return n;
}

bool HashSlots::acquire(std::chrono::milliseconds timeout, HashPriority priority) {
    auto start = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex_);
    std::size_t ahead = waitersAhead(priority);
    if (mayTake(priority) && ahead == 0) {
        --free_;
        if (priority == HashPriority::NewAccount) ++newAccountHeld_;
        recordWait(0);
        return true;
    }
    // Served `slots_` (new accounts: `newAccountSlots_`) at a time, the callers
    // ahead and this one need about this many average holds (one more than
    // exact, for the holds under way).
    if (averageHoldSeconds_ > 0) {
        unsigned servers = priority == HashPriority::SignIn ? slots_ : newAccountSlots_;
        double predicted = (static_cast<double>(ahead) / servers + 1) * averageHoldSeconds_;
        if (predicted > std::chrono::duration<double>(timeout).count()) {
            ++stats_.timeouts;
            return false;
        }
    }
    auto me = queue_.emplace(queue_.end());
    me->answerBy = start + timeout;
    me->priority = priority;
    // Woken when granted, when release() finds it too late, or at its last
    // useful moment, which moves earlier when holds slow down.
    while (!me->granted) {
        auto lastGrant = lastUsefulGrant(*me);
        if (std::chrono::steady_clock::now() >= lastGrant) break;
        me->wake.wait_until(lock, lastGrant);
    }
    bool granted = me->granted;
    queue_.erase(me);
    if (!granted) {
        ++stats_.timeouts;
        return false;
    }
    recordWait(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return true;
}

void HashSlots::release(double heldSeconds, HashPriority priority) {
    std::lock_guard lock(mutex_);
    if (priority == HashPriority::NewAccount) --newAccountHeld_;
    if (heldSeconds > 0) {
        averageHoldSeconds_ = averageHoldSeconds_ == 0 ? heldSeconds : 0.8 * averageHoldSeconds_ + 0.2 * heldSeconds;
        recentHoldSeconds_[nextHold_] = heldSeconds;
        nextHold_ = (nextHold_ + 1) % recentHoldSeconds_.size();
        slowestHoldSeconds_ = *std::max_element(recentHoldSeconds_.begin(), recentHoldSeconds_.end());
    }
    // The slot passes straight to the longest waiter not yet granted one (a
    // sign-in before any new account), so no later arrival can take it first.
    ++free_;
    auto now = std::chrono::steady_clock::now();
    if (!grantNext(HashPriority::SignIn, now) && mayTake(HashPriority::NewAccount))
        grantNext(HashPriority::NewAccount, now);
}

bool HashSlots::grantNext(HashPriority priority, std::chrono::steady_clock::time_point now) {
    for (auto& waiter : queue_) {
        if (waiter.granted || waiter.priority != priority) continue;
        if (now < lastUsefulGrant(waiter)) {
            waiter.granted = true;
            --free_;
            if (priority == HashPriority::NewAccount) ++newAccountHeld_;
            waiter.wake.notify_one();
            return true;
        }
        waiter.wake.notify_one(); // too late for it: it gives up
    }
    return false;
}

std::chrono::steady_clock::time_point HashSlots::lastUsefulGrant(const Waiter& waiter) const {
    // The timeout bounds the answer, not only the wait: a slot granted later
    // than this, held as long as the slowest recent hold, would end too late.
    return waiter.answerBy - std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(slowestHoldSeconds_));
}

int HashSlots::waiting() {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& waiter : queue_)
        n += waiter.granted ? 0 : 1;
    return n;
}

HashSlots::WaitStats HashSlots::waitStats() {
    std::lock_guard lock(mutex_);
    return stats_;
}

void HashSlots::recordWait(double seconds) {
    for (std::size_t i = 0; i < kWaitBucketsSeconds.size(); ++i)
        if (seconds <= kWaitBucketsSeconds[i]) {
            ++stats_.buckets[i];
            break;
        }
    ++stats_.count;
    stats_.sumSeconds += seconds;
}

} // namespace usersvc
