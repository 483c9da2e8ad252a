#include "recent_requests.hpp"

namespace usersvc::http {

void RecentRequests::record(RecentRequest request) {
    std::lock_guard lock(mutex_);
    ring_[next_] = std::move(request);
    next_ = (next_ + 1) % ring_.size();
    if (count_ < ring_.size()) ++count_;
}

std::vector<RecentRequest> RecentRequests::newestFirst() const {
    std::lock_guard lock(mutex_);
    std::vector<RecentRequest> out;
    out.reserve(count_);
    for (std::size_t i = 1; i <= count_; ++i)
        out.push_back(ring_[(next_ + ring_.size() - i) % ring_.size()]);
    return out;
}

} // namespace usersvc::http
