// /_/: the developer console's pages (issue 14), embedded in the binary at
// build time from server/console (server/CMakeLists.txt). No CDN and no build
// step; a strict Content-Security-Policy allows this origin's script and
// styles only, and no inline script.
#include "envelope.hpp"
#include "route_context.hpp"

#include <string_view>

namespace usersvc::http {

extern const std::string_view kConsoleIndexHtml;
extern const std::string_view kConsoleCss;
extern const std::string_view kConsoleJs;

namespace {
// Images may come from this origin, or be absolute URLs kept from an import
// (Cloudinary); nothing else loads, nothing frames the console.
constexpr const char* kPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: http:;"
                                " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

RouteHandler asset(std::string_view body, const char* contentType) {
    return [body, contentType](Exchange& ex) {
        ex.res.set_header("Content-Security-Policy", kPolicy);
        ex.res.set_content(std::string(body), contentType);
    };
}
} // namespace

void registerConsoleRoutes(Router& router, RouteContext&) {
    router.add("GET", "/_", asset(kConsoleIndexHtml, "text/html; charset=utf-8"));
    router.add("GET", "/_/console.js", asset(kConsoleJs, "text/javascript; charset=utf-8"));
    router.add("GET", "/_/console.css", asset(kConsoleCss, "text/css; charset=utf-8"));
}

} // namespace usersvc::http
