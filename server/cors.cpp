#include "cors.hpp"

#include "domain/error.hpp"
#include "domain/validation.hpp"
#include "request_body.hpp"
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

namespace {
// "scheme://host[:port]" of a URL, lowercased.
std::string originOf(const std::string& url) {
    auto scheme = url.find("://");
    if (scheme == std::string::npos) return "";
    auto end = url.find('/', scheme + 3);
    return toLower(url.substr(0, end));
}

bool sameOrigin(const httplib::Request& req, const std::string& origin, const std::string& publicUrl) {
    std::string o = toLower(origin);
    if (o == originOf(publicUrl)) return true;
    std::string host = toLower(req.get_header_value("Host"));
    return !host.empty() && (o == "http://" + host || o == "https://" + host);
}
} // namespace

RouteHandler refuseCrossSiteForms(const CorsPolicy& cors, const std::string& publicUrl, RouteHandler handler) {
    return [&cors, &publicUrl, handler = std::move(handler)](Exchange& ex) {
        std::string origin = ex.req.get_header_value("Origin");
        std::string type = ex.body.contentType();
        bool formLike = type.empty() || type == "application/x-www-form-urlencoded" || type == "multipart/form-data" ||
                        type == "text/plain";
        if (!origin.empty() && formLike && !cors.listed(origin) && !sameOrigin(ex.req, origin, publicUrl))
            throw Error(Code::Forbidden, "A form posted from another site cannot sign in; send JSON, or list the "
                                         "front end's origin with --cors-origin");
        handler(ex);
    };
}

bool fromAnotherOrigin(const httplib::Request& req, const CorsPolicy& cors, const std::string& publicUrl) {
    std::string origin = req.get_header_value("Origin");
    if (cors.listed(origin)) return false;
    std::string site = toLower(trim(req.get_header_value("Sec-Fetch-Site")));
    if (!site.empty()) return site == "cross-site" || site == "same-site";
    return !origin.empty() && !sameOrigin(req, origin, publicUrl);
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
