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

} // namespace usersvc::http
