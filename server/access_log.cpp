#include "access_log.hpp"

#include "log.hpp"
#include "metrics.hpp"
#include "request_state.hpp"
#include "router.hpp"

namespace usersvc::http {

void recordAccess(const httplib::Request& req, const httplib::Response& res, bool accessLog, Metrics* metrics) {
    const auto& state = currentRequest();
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - state.start).count();
    if (metrics) metrics->recordRequest(req.method, state.matchedRoute, res.status, ms / 1000);
    if (accessLog)
        logAccess(req.method, req.path, res.status, ms, res.body.empty() ? res.content_length_ : res.body.size(),
            requestIdOf(res));
    // Answers cpp-httplib makes itself (a bad request line) skip the pre-routing
    // hook: they must not inherit this request's route.
    beginRequest();
}

} // namespace usersvc::http
