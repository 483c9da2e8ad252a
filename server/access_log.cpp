#include "access_log.hpp"

#include "domain/clock.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "recent_requests.hpp"
#include "request_state.hpp"
#include "router.hpp"

namespace usersvc::http {

void recordAccess(const httplib::Request& req, const httplib::Response& res, bool accessLog, Metrics* metrics,
    RecentRequests* recent) {
    const auto& state = currentRequest();
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - state.start).count();
    if (metrics) metrics->recordRequest(req.method, state.matchedRoute, res.status, ms / 1000);
    if (accessLog)
        logAccess(req.method, req.path, res.status, ms, res.body.empty() ? res.content_length_ : res.body.size(),
            requestIdOf(res));
    // The console's own calls would bury what the developer came to see.
    bool console = req.path.rfind("/_/", 0) == 0 || req.path.rfind("/api/v1/admin/", 0) == 0;
    if (recent && !console) recent->record({nowMs(), req.method, req.path, res.status, ms, state.userId});
}

} // namespace usersvc::http
