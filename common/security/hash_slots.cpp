#include "security/hash_slots.hpp"

#include <algorithm>

namespace usersvc {

HashSlots::HashSlots(unsigned slots) : slots_(std::max(1u, slots)), free_(slots_) {}

bool HashSlots::acquire(std::chrono::milliseconds timeout) {
    auto start = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex_);
    if (free_ > 0 && queue_.empty()) {
        --free_;
        recordWait(0);
        return true;
    }
    // Served `slots_` at a time, the callers ahead and this one need about this
    // many average holds (one more than exact, for the holds under way).
    if (averageHoldSeconds_ > 0) {
        double ahead = static_cast<double>(queue_.size());
        double predicted = (ahead / slots_ + 1) * averageHoldSeconds_;
        if (predicted > std::chrono::duration<double>(timeout).count()) {
            ++stats_.timeouts;
            return false;
        }
    }
    auto me = queue_.emplace(queue_.end());
    me->answerBy = start + timeout;
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

void HashSlots::release(double heldSeconds) {
    std::lock_guard lock(mutex_);
    if (heldSeconds > 0) {
        averageHoldSeconds_ = averageHoldSeconds_ == 0 ? heldSeconds : 0.8 * averageHoldSeconds_ + 0.2 * heldSeconds;
        recentHoldSeconds_[nextHold_] = heldSeconds;
        nextHold_ = (nextHold_ + 1) % recentHoldSeconds_.size();
        slowestHoldSeconds_ = *std::max_element(recentHoldSeconds_.begin(), recentHoldSeconds_.end());
    }
    // The slot passes straight to the longest waiter not yet granted one, so no
    // later arrival can take it first; a waiter it would reach too late gives up.
    auto now = std::chrono::steady_clock::now();
    for (auto& waiter : queue_) {
        if (waiter.granted) continue;
        if (now < lastUsefulGrant(waiter)) {
            waiter.granted = true;
            waiter.wake.notify_one();
            return;
        }
        waiter.wake.notify_one();
    }
    ++free_;
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
