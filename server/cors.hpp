#pragma once
// CORS for the origins given with --cors-origin, and no others: preflights
// answered before routing, and the allow headers on every answer to them.
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

private:
    bool listed(const std::string& origin) const;
    std::vector<std::string> origins_;
};

} // namespace usersvc::http
