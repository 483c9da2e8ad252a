#include "services/status_service.hpp"

#include "domain/clock.hpp"
#include "domain/error.hpp"
#include "security/password.hpp"
#include "storage/store.hpp"

#include <algorithm>

namespace usersvc {

bool StatusService::storeAnswers() {
    auto now =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
    auto at = verdictAtMs_.load(std::memory_order_acquire);
    if (at >= 0 && now - at < kStoreVerdictTtl.count()) return verdict_.load(std::memory_order_relaxed);
    // Callers that find it stale at once each check; the last one's verdict stays.
    bool ok = store_.ping();
    verdict_.store(ok, std::memory_order_relaxed);
    verdictAtMs_.store(now, std::memory_order_release);
    return ok;
}

void StatusService::checkStoreIntegrity() {
    std::string verdict;
    try {
        verdict = store_.checkIntegrity();
    } catch (const Error& e) {
        verdict = e.what();
    }
    // One line on stderr, whatever the store's report looks like.
    std::replace(verdict.begin(), verdict.end(), '\n', ' ');
    if (verdict != "ok")
        throw Error(
            Code::Unavailable, "the store is damaged (" + verdict +
                                   "); restore a backup with 'usersvc restore', or move the file away to start empty");
}

std::int64_t StatusService::users() {
    return store_.countUsers();
}

std::int64_t StatusService::openSessions() {
    return store_.countOpenSessions(nowMs());
}

int StatusService::hashesWaiting() const {
    return hasher_.waiting();
}

HashSlots::WaitStats StatusService::hashWaits() const {
    return hasher_.waitStats();
}

} // namespace usersvc
