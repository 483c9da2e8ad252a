#include "router.hpp"

#include "domain/error.hpp"
#include "envelope.hpp"
#include "log.hpp"

#include <set>

namespace usersvc::http {

namespace {
std::vector<std::string> splitPath(std::string_view path) {
    std::vector<std::string> parts;
    std::size_t start = 1;
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        if (slash == std::string_view::npos) slash = path.size();
        parts.emplace_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return parts;
}
} // namespace

namespace {
thread_local std::string tMatchedRoute = "unmatched";
}

const std::string& matchedRoute() { return tMatchedRoute; }
void clearMatchedRoute() { tMatchedRoute = "unmatched"; }

const std::string& requestIdOf(const httplib::Response& res) {
    static const std::string none;
    auto it = res.headers.find("X-Request-Id");
    return it == res.headers.end() ? none : it->second;
}

void Router::add(std::string method, std::string pattern, RouteHandler handler) {
    auto segments = splitPath(pattern);
    routes_.push_back({std::move(method), std::move(pattern), std::move(segments), std::move(handler)});
}

bool Router::match(const Route& route, std::string_view path, std::vector<std::string>* params) {
    if (path.empty() || path[0] != '/') return false;
    auto parts = splitPath(path);
    if (parts.size() != route.segments.size()) return false;
    std::vector<std::string> values;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto& seg = route.segments[i];
        if (!seg.empty() && seg[0] == ':') {
            if (parts[i].empty()) return false;
            values.push_back(parts[i]);
        } else if (seg != parts[i]) {
            return false;
        }
    }
    if (params) *params = std::move(values);
    return true;
}

std::string Router::allowedMethods(std::string_view path) const {
    std::set<std::string> methods;
    for (const auto& r : routes_)
        if (match(r, path, nullptr)) methods.insert(r.method);
    if (methods.count("GET")) methods.insert("HEAD");
    if (!methods.empty()) methods.insert("OPTIONS");
    std::string out;
    for (const auto& m : methods) out += (out.empty() ? "" : ", ") + m;
    return out;
}

void Router::dispatch(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader* reader,
                      std::size_t hardBodyLimit) const {
    RequestBody body(req, reader, hardBodyLimit);
    const std::string& requestId = requestIdOf(res);
    std::string method = req.method == "HEAD" ? "GET" : req.method;
    const Route* found = nullptr;
    std::vector<std::string> params;
    for (const auto& r : routes_)
        if (r.method == method && match(r, req.path, &params)) {
            found = &r;
            break;
        }
    try {
        if (!found) {
            std::string allow = allowedMethods(req.path);
            if (allow.empty()) {
                sendError(res, 404, "Route not found: " + req.method + " " + req.path);
            } else if (req.method == "OPTIONS") {
                res.status = 204;
                res.set_header("Allow", allow);
            } else {
                res.set_header("Allow", allow);
                sendError(res, 405, "Method " + req.method + " not allowed on " + req.path);
            }
        } else {
            tMatchedRoute = found->pattern;
            Exchange exchange{req, res, body, std::move(params), requestId};
            found->handler(exchange);
        }
    } catch (const Error& e) {
        if (statusFor(e.code) >= 500) logEvent("error", requestId, e.what());
        sendError(res, e);
    } catch (const std::exception& e) {
        logEvent("error", requestId, std::string("unhandled: ") + e.what());
        sendError(res, 500, reasonPhrase(500));
    }
    // Draining may run httplib's parser, which writes its own verdict into
    // res.status; the answer is already decided.
    int status = res.status;
    body.drain();
    res.status = status;
}

} // namespace usersvc::http
