#pragma once
// CORS for the origins given with --cors-origin, and no others: preflights
// answered before routing, and the allow headers on every answer to them.
#include "router.hpp"

#include <httplib.h>

#include <string>
#include <vector>

namespace usersvc::http {

class Router;

class CorsPolicy {
public:
    explicit CorsPolicy(std::vector<std::string> origins) : origins_(std::move(origins)) {}

    // Answers a preflight from a listed origin for a known path (204 with the
    // path's methods); false when the request is not one, and routing goes on.
    bool answerPreflight(const httplib::Request& req, httplib::Response& res, const Router& router) const;
    // Access-Control-Allow-Origin and friends on a response to a listed origin.
    void decorate(const httplib::Request& req, httplib::Response& res) const;

    bool listed(const std::string& origin) const;

private:
    std::vector<std::string> origins_;
};

// Login CSRF: a page on another site can post a plain HTML form (urlencoded,
// multipart or text/plain bodies need no preflight) to a route that sets the
// session cookies, signing the browser in as the attacker. A browser sends
// Origin with such a post; unless it is this server's own origin (its public
// URL, or the Host it was reached at) or a listed one, the route answers 403.
// Requests without Origin (curl, apps) and JSON bodies (which need a preflight
// that CORS refuses) are not affected.
RouteHandler refuseCrossSiteForms(const CorsPolicy& cors, const std::string& publicUrl, RouteHandler handler);

// API.md, "Cookies and cross-site writes": true when the browser says this
// request comes from another site or another origin of this site, and that
// origin is not a --cors-origin. Fetch Metadata first (`Sec-Fetch-Site:
// cross-site` or `same-site`; `same-origin`, which includes a front end behind
// its dev server's proxy, and `none` pass), else an Origin that is neither
// this server's own (its public URL, or the Host it was reached at) nor listed.
bool fromAnotherOrigin(const httplib::Request& req, const CorsPolicy& cors, const std::string& publicUrl);

} // namespace usersvc::http
