#pragma once
// The route table. cpp-httplib hands every request to Router::dispatch, which
// matches method and path itself so that unknown paths get a JSON 404, known
// paths with the wrong method a JSON 405 with Allow, and every handler's
// exceptions become envelopes.
#include "request_body.hpp"
#include "request_state.hpp"

#include <httplib.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace usersvc::http {

struct Exchange {
    const httplib::Request& req;
    httplib::Response& res;
    RequestBody& body;
    std::vector<std::string> params; // values of the pattern's :name segments, in order
    RequestState& state;
    // Set by limitFailedLogins (login_limiter.hpp): handed to the service, which
    // calls it with the account key before checking a password.
    std::function<void(const std::string& accountKey)> beforeCredentialCheck = {};
};

using RouteHandler = std::function<void(Exchange&)>;

// How a path is compared with a pattern. Express's defaults (what front ends of
// the Express backend were written against): one trailing slash is ignored and
// literal segments match case-insensitively. Exact: neither (media files, whose
// names are content hashes).
enum class PathMatch { ExpressDefaults, Exact };

class Router {
public:
    // `pattern` is a path whose segments are literal or ":name" (one segment).
    void add(
        std::string method, std::string pattern, RouteHandler handler, PathMatch matching = PathMatch::ExpressDefaults);

    void dispatch(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader* reader,
        std::size_t hardBodyLimit) const;

    // Methods registered for `path` ("GET, HEAD, POST"); "" when the path is unknown.
    std::string allowedMethods(std::string_view path) const;

    struct Route {
        std::string method;
        std::string pattern;
        std::vector<std::string> segments;
        RouteHandler handler;
        PathMatch matching;
    };
    const std::vector<Route>& routes() const { return routes_; }

private:
    struct SplitPath {
        bool valid = false;
        std::vector<std::string> parts; // the segments as sent
        bool trailingSlash = false;     // the last segment is empty ("/a/b/")
    };
    static SplitPath split(std::string_view path);
    static bool match(const Route& route, const SplitPath& path, std::vector<std::string>* params);
    std::string allowedMethods(const SplitPath& path) const;
    std::vector<Route> routes_;
};

// The request id set on the response by the pre-routing hook.
const std::string& requestIdOf(const httplib::Response& res);

} // namespace usersvc::http
