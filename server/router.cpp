#include "router.hpp"

#include "connection.hpp"
#include "domain/error.hpp"
#include "domain/validation.hpp"
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

const std::string& requestIdOf(const httplib::Response& res) {
    static const std::string none;
    auto it = res.headers.find("X-Request-Id");
    return it == res.headers.end() ? none : it->second;
}

void Router::add(std::string method, std::string pattern, RouteHandler handler, PathMatch matching) {
    auto segments = splitPath(pattern);
    if (matching == PathMatch::ExpressDefaults)
        for (auto& seg : segments)
            if (seg.empty() || seg[0] != ':') seg = toLower(seg);
    routes_.push_back({std::move(method), std::move(pattern), std::move(segments), std::move(handler), matching});
}

namespace {
// Pattern segments of ExpressDefaults routes are stored lowercased.
bool equalsLowered(std::string_view lowered, std::string_view part) {
    if (lowered.size() != part.size()) return false;
    for (std::size_t i = 0; i < part.size(); ++i) {
        char c = part[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != lowered[i]) return false;
    }
    return true;
}
} // namespace

Router::SplitPath Router::split(std::string_view path) {
    SplitPath out;
    out.valid = !path.empty() && path[0] == '/';
    if (!out.valid) return out;
    out.parts = splitPath(path);
    out.trailingSlash = out.parts.size() > 1 && out.parts.back().empty();
    return out;
}

bool Router::match(const Route& route, const SplitPath& path, std::vector<std::string>* params) {
    if (!path.valid) return false;
    bool express = route.matching == PathMatch::ExpressDefaults;
    const auto& parts = path.parts;
    std::size_t count = parts.size() - (express && path.trailingSlash ? 1 : 0); // Express ignores one
    if (count != route.segments.size()) return false;
    std::vector<std::string> values;
    for (std::size_t i = 0; i < count; ++i) {
        const auto& seg = route.segments[i];
        if (!seg.empty() && seg[0] == ':') {
            if (parts[i].empty()) return false;
            values.push_back(parts[i]);
        } else if (express ? !equalsLowered(seg, parts[i]) : seg != parts[i]) {
            return false;
        }
    }
    if (params) *params = std::move(values);
    return true;
}

std::string Router::allowedMethods(std::string_view path) const {
    return allowedMethods(split(path));
}

std::string Router::allowedMethods(const SplitPath& path) const {
    std::set<std::string> methods;
    for (const auto& r : routes_)
        if (match(r, path, nullptr)) methods.insert(r.method);
    if (methods.count("GET")) methods.insert("HEAD");
    if (!methods.empty()) methods.insert("OPTIONS");
    std::string out;
    for (const auto& m : methods)
        out += (out.empty() ? "" : ", ") + m;
    return out;
}

void Router::dispatch(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader* reader,
    std::size_t hardBodyLimit) const {
    RequestBody body(req, reader, hardBodyLimit);
    const std::string& requestId = requestIdOf(res);
    std::string method = req.method == "HEAD" ? "GET" : req.method;
    const Route* found = nullptr;
    std::vector<std::string> params;
    SplitPath path = split(req.path);
    for (const auto& r : routes_)
        if (r.method == method && match(r, path, &params)) {
            found = &r;
            break;
        }
    try {
        if (!found) {
            std::string allow = allowedMethods(path);
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
            auto& state = currentRequest();
            state.matchedRoute = found->pattern;
            Exchange exchange{req, res, body, std::move(params), state};
            found->handler(exchange);
        }
    } catch (const Error& e) {
        // A full hash queue (503) is load, counted in /metrics, not a fault to log each time.
        if (statusFor(e.code) >= 500 && e.code != Code::Unavailable) logEvent("error", requestId, e.what());
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
    if (!body.readToEnd()) closeConnectionAfterResponse(res);
}

} // namespace usersvc::http
