#pragma once
// Watch history: newest first, a repeat moves to the front, bounded per user.
#include "domain/user.hpp"

#include <string>
#include <vector>

namespace usersvc {

class Store;

constexpr std::int64_t kHistoryKeep = 1000;

class HistoryService {
public:
    explicit HistoryService(Store& store);

    // Throws Error{Invalid} unless videoId is 1..64 of A-Za-z0-9_-.
    WatchEntry record(const std::string& userId, const std::string& videoId);
    std::vector<WatchEntry> list(const std::string& userId);

private:
    Store& store_;
};

} // namespace usersvc
