// GET /media/<2 hex>/<sha256>.<ext>: only references of that exact shape are
// looked up, so no path outside media/ can be named.
#include "envelope.hpp"
#include "http_server.hpp"
#include "services/core.hpp"

#include <fstream>
#include <sstream>

namespace usersvc::http {

void registerMediaRoutes(Router& router, RouteContext& ctx) {
    router.add(
        "GET", "/media/:shard/:file",
        [&ctx](Exchange& ex) {
            std::string reference = ex.params[0] + "/" + ex.params[1];
            auto kind = MediaStore::kindOfReference(reference);
            auto file = ctx.core.media().resolve(reference);
            if (!kind || !file) {
                sendError(ex.res, 404, "Media not found");
                return;
            }
            std::ifstream in(*file, std::ios::binary);
            std::ostringstream content;
            content << in.rdbuf();
            ex.res.status = 200;
            ex.res.set_header("Cache-Control", "public, max-age=31536000, immutable");
            ex.res.set_content(content.str(), contentTypeOf(*kind));
        },
        PathMatch::Exact);
}

} // namespace usersvc::http
