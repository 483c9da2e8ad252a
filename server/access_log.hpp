#pragma once
// After each answer: one access-log line (unless --no-access-log), the request
// metrics (with --metrics) and the console's recent requests (unless
// --no-console), all from this thread's RequestState.
#include <httplib.h>

namespace usersvc::http {

class Metrics;
class RecentRequests;

// `recent` (the console's activity ring) may be null, as may `metrics`.
void recordAccess(const httplib::Request& req, const httplib::Response& res, bool accessLog, Metrics* metrics,
    RecentRequests* recent);

} // namespace usersvc::http
