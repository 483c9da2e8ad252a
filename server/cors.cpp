#include "cors.hpp"

#include "router.hpp"

#include <algorithm>

namespace usersvc::http {

bool CorsPolicy::listed(const std::string& origin) const {
    return !origin.empty() && std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

bool CorsPolicy::answerPreflight(const httplib::Request& req, httplib::Response& res, const Router& router) const {
    if (req.method != "OPTIONS" || !req.has_header("Access-Control-Request-Method") ||
        !listed(req.get_header_value("Origin")))
        return false;
    std::string allow = router.allowedMethods(req.path);
    if (allow.empty()) return false;
    res.status = 204;
    res.set_header("Access-Control-Allow-Methods", allow);
    res.set_header("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Request-Id");
    res.set_header("Access-Control-Max-Age", "600");
    return true;
}

void CorsPolicy::decorate(const httplib::Request& req, httplib::Response& res) const {
    std::string origin = req.get_header_value("Origin");
    if (!listed(origin)) return;
    res.set_header("Access-Control-Allow-Origin", origin);
    res.set_header("Access-Control-Allow-Credentials", "true");
    res.set_header("Access-Control-Expose-Headers", "X-Request-Id");
    res.set_header("Vary", "Origin");
}

} // namespace usersvc::http
