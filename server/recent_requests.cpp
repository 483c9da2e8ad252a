#include "recent_requests.hpp"

#include <algorithm>

namespace usersvc::http {

RecentRequests::RecentRequests(std::size_t capacity)
    : slots_(std::make_unique<Slot[]>(capacity)), capacity_(capacity) {}

void RecentRequests::record(RecentRequest request) {
    std::uint64_t sequence = next_.fetch_add(1, std::memory_order_relaxed);
    Slot& slot = slots_[sequence % capacity_];
    std::lock_guard lock(slot.mutex);
    if (slot.sequence > sequence) return; // a later request already took the slot
    slot.sequence = sequence;
    slot.request = std::move(request);
}

std::vector<RecentRequest> RecentRequests::newestFirst() const {
    std::vector<std::pair<std::uint64_t, RecentRequest>> taken;
    taken.reserve(capacity_);
    for (std::size_t i = 0; i < capacity_; ++i) {
        std::lock_guard lock(slots_[i].mutex);
        if (slots_[i].sequence != 0) taken.emplace_back(slots_[i].sequence, slots_[i].request);
    }
    std::sort(taken.begin(), taken.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<RecentRequest> out;
    out.reserve(taken.size());
    for (auto& entry : taken)
        out.push_back(std::move(entry.second));
    return out;
}

} // namespace usersvc::http
