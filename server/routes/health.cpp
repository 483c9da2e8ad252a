#include "domain/clock.hpp"
#include "envelope.hpp"
#include "http_server.hpp"
#include "services/core.hpp"

namespace usersvc::http {

void registerHealthRoutes(Router& router, RouteContext& ctx) {
    router.add("GET", "/api/v1/healthcheck", [&ctx](Exchange& ex) {
        if (ctx.core.store().ping())
            sendData(ex.res, 200, "OK", {{"status", "ok"}});
        else
            sendError(ex.res, 503, "Store unavailable");
    });
}

// Prometheus text format; registered only with --metrics.
void registerMetricsRoute(Router& router, RouteContext& ctx) {
    router.add("GET", "/metrics", [&ctx](Exchange& ex) {
        auto now = nowMs();
        ex.res.status = 200;
        ex.res.set_content(ctx.metrics.render(ctx.core.hasher().waiting(), ctx.core.store().countUsers(),
                                              ctx.core.store().countOpenSessions(now)),
                           "text/plain; version=0.0.4; charset=utf-8");
    });
}

} // namespace usersvc::http
