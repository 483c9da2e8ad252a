#include "services/history_service.hpp"

#include "domain/clock.hpp"
#include "domain/error.hpp"
#include "storage/store.hpp"

#include <algorithm>

namespace usersvc {

HistoryService::HistoryService(Store& store) : store_(store) {}

WatchEntry HistoryService::record(const std::string& userId, const std::string& videoId) {
    bool valid = !videoId.empty() && videoId.size() <= 64 && std::all_of(videoId.begin(), videoId.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
    if (!valid) throw Error(Code::Invalid, "Invalid videoId", {{"videoId", "Must be 1 to 64 of A-Z a-z 0-9 _ -"}});
    return WatchEntry{videoId, store_.recordWatch(userId, videoId, nowMs(), kHistoryKeep)};
}

std::vector<WatchEntry> HistoryService::list(const std::string& userId) {
    return store_.listHistory(userId, kHistoryKeep);
}

} // namespace usersvc
