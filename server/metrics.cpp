#include "metrics.hpp"

#include <cstdio>
#include <sstream>

namespace usersvc::http {

void Metrics::recordRequest(const std::string& method, const std::string& route, int status, double seconds) {
    std::lock_guard lock(mutex_);
    ++requests_[{method, route, status}];
    for (std::size_t i = 0; i < kBucketsSeconds.size(); ++i)
        if (seconds <= kBucketsSeconds[i]) ++buckets_[i];
    ++count_;
    sum_ += seconds;
}

std::string Metrics::render(
    int bcryptWaiting, const HashSlots::WaitStats& bcryptWaits, std::int64_t usersTotal, std::int64_t openSessions) {
    std::ostringstream out;
    {
        std::lock_guard lock(mutex_);
        out << "# HELP usersvc_http_requests_total HTTP requests by method, route and status.\n"
               "# TYPE usersvc_http_requests_total counter\n";
        for (const auto& [key, n] : requests_)
            out << "usersvc_http_requests_total{method=\"" << std::get<0>(key) << "\",route=\"" << std::get<1>(key)
                << "\",status=\"" << std::get<2>(key) << "\"} " << n << '\n';
        out << "# HELP usersvc_http_request_duration_seconds Time from request line to response.\n"
               "# TYPE usersvc_http_request_duration_seconds histogram\n";
        for (std::size_t i = 0; i < kBucketsSeconds.size(); ++i) {
            char le[32];
            std::snprintf(le, sizeof le, "%g", kBucketsSeconds[i]);
            out << "usersvc_http_request_duration_seconds_bucket{le=\"" << le << "\"} " << buckets_[i] << '\n';
        }
        out << "usersvc_http_request_duration_seconds_bucket{le=\"+Inf\"} " << count_ << '\n'
            << "usersvc_http_request_duration_seconds_sum " << sum_ << '\n'
            << "usersvc_http_request_duration_seconds_count " << count_ << '\n';
    }
    out << "# HELP usersvc_logins_total Login attempts by outcome.\n# TYPE usersvc_logins_total counter\n"
        << "usersvc_logins_total{outcome=\"succeeded\"} " << loginsSucceeded << '\n'
        << "usersvc_logins_total{outcome=\"failed\"} " << loginsFailed << '\n'
        << "usersvc_logins_total{outcome=\"rate_limited\"} " << loginsRateLimited << '\n'
        << "# HELP usersvc_bcrypt_queue_depth Password hashes waiting for a core.\n"
           "# TYPE usersvc_bcrypt_queue_depth gauge\nusersvc_bcrypt_queue_depth "
        << bcryptWaiting << '\n'
        << "# HELP usersvc_bcrypt_queue_wait_seconds Time a password hash or check waited for a core.\n"
           "# TYPE usersvc_bcrypt_queue_wait_seconds histogram\n";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < HashSlots::kWaitBucketsSeconds.size(); ++i) {
        char le[32];
        std::snprintf(le, sizeof le, "%g", HashSlots::kWaitBucketsSeconds[i]);
        cumulative += bcryptWaits.buckets[i];
        out << "usersvc_bcrypt_queue_wait_seconds_bucket{le=\"" << le << "\"} " << cumulative << '\n';
    }
    out << "usersvc_bcrypt_queue_wait_seconds_bucket{le=\"+Inf\"} " << bcryptWaits.count << '\n'
        << "usersvc_bcrypt_queue_wait_seconds_sum " << bcryptWaits.sumSeconds << '\n'
        << "usersvc_bcrypt_queue_wait_seconds_count " << bcryptWaits.count << '\n'
        << "# HELP usersvc_bcrypt_queue_timeouts_total Hashes refused with 503 after waiting --hash-queue-timeout.\n"
           "# TYPE usersvc_bcrypt_queue_timeouts_total counter\nusersvc_bcrypt_queue_timeouts_total "
        << bcryptWaits.timeouts << '\n'
        << "# HELP usersvc_users Users in the store.\n# TYPE usersvc_users gauge\nusersvc_users " << usersTotal << '\n'
        << "# HELP usersvc_open_sessions Sessions neither revoked nor expired.\n"
           "# TYPE usersvc_open_sessions gauge\nusersvc_open_sessions "
        << openSessions << '\n';
    return out.str();
}

} // namespace usersvc::http
