#pragma once
// The last requests the server answered, for the console's Activity page: a
// fixed ring in memory (this instance's requests only), so it costs a copy of
// a few strings per request and never grows. Paths only: query strings and
// bodies, where tokens travel, are never kept.
//
// Every request passes through record(), so it takes no lock all requests
// share: an atomic counter picks the slot, and only that slot is locked.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace usersvc::http {

struct RecentRequest {
    std::int64_t atMs = 0;
    std::string method;
    std::string path;
    int status = 0;
    double ms = 0;
    std::string userId; // the signed-in caller, if any
};

class RecentRequests {
public:
    explicit RecentRequests(std::size_t capacity = 200);
    void record(RecentRequest request);
    std::vector<RecentRequest> newestFirst() const;

private:
    struct Slot {
        mutable std::mutex mutex;
        std::uint64_t sequence = 0; // 0: empty; else the record's number, from 1
        RecentRequest request;
    };
    std::unique_ptr<Slot[]> slots_;
    std::size_t capacity_;
    std::atomic<std::uint64_t> next_{1};
};

} // namespace usersvc::http
