#pragma once
// After each answer: one access-log line (unless --no-access-log) and the
// request metrics (with --metrics), both from this thread's RequestState.
#include <httplib.h>

namespace usersvc::http {

class Metrics;

void recordAccess(const httplib::Request& req, const httplib::Response& res, bool accessLog, Metrics* metrics);

} // namespace usersvc::http
