#pragma once
// The last requests the server answered, for the console's Activity page: a
// fixed ring in memory (this instance's requests only), so it costs a copy of
// a few strings per request and never grows. Paths only: query strings and
// bodies, where tokens travel, are never kept.
#include <cstdint>
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
    explicit RecentRequests(std::size_t capacity = 200) : ring_(capacity) {}
    void record(RecentRequest request);
    std::vector<RecentRequest> newestFirst() const;

private:
    mutable std::mutex mutex_;
    std::vector<RecentRequest> ring_;
    std::size_t next_ = 0;
    std::size_t count_ = 0;
};

} // namespace usersvc::http
