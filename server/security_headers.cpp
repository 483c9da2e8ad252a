#include "security_headers.hpp"

namespace usersvc::http {

void addSecurityHeaders(const httplib::Request& req, httplib::Response& res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Referrer-Policy", "no-referrer");
    if (req.path.rfind("/media/", 0) != 0) res.set_header("Cache-Control", "no-store");
}

} // namespace usersvc::http
