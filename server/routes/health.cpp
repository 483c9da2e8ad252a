#include "envelope.hpp"
#include "route_context.hpp"
#include "services/core.hpp"

namespace usersvc::http {

void registerHealthRoutes(Router& router, RouteContext& ctx) {
    router.add("GET", "/api/v1/healthcheck", [&ctx](Exchange& ex) {
        if (ctx.core.status().storeAnswers())
            sendData(ex.res, 200, "OK", {{"status", "ok"}});
        else
            sendError(ex.res, 503, "Store unavailable");
    });
}

extern const char* const kOpenApiDocument;

// docs/openapi.yaml minus its comment lines, with this server's own URL.
nlohmann::ordered_json openApiDocument(const std::string& publicUrl) {
    std::string text = kOpenApiDocument, json;
    std::size_t at = 0;
    while (at < text.size()) {
        auto end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        if (text[at] != '#') json.append(text, at, end - at).push_back('\n');
        at = end + 1;
    }
    auto doc = nlohmann::ordered_json::parse(json);
    doc["servers"] = nlohmann::ordered_json::array({{{"url", publicUrl}, {"description", "this server"}}});
    return doc;
}

void registerOpenApiRoute(Router& router, RouteContext& ctx) {
    router.add("GET", "/api/v1/openapi.json", [&ctx](Exchange& ex) {
        ex.res.status = 200;
        ex.res.set_content(openApiDocument(ctx.publicUrl).dump(), "application/json; charset=utf-8");
    });
}

// Prometheus text format; registered only with --metrics.
void registerMetricsRoute(Router& router, RouteContext& ctx) {
    router.add("GET", "/metrics", [&ctx](Exchange& ex) {
        auto& status = ctx.core.status();
        ex.res.status = 200;
        ex.res.set_content(
            ctx.metrics.render(status.hashesWaiting(), status.hashWaits(), status.users(), status.openSessions()),
            "text/plain; version=0.0.4; charset=utf-8");
    });
}

} // namespace usersvc::http
