// GET /media/<2 hex>/<sha256>.<ext>: only references of that exact shape are
// looked up, so no path outside media/ can be named. Files stream from disk in
// chunks (a client that does not read holds one chunk, not the image), one byte
// range is served as 206, and the content hash is the ETag.
#include "byte_range.hpp"
#include "envelope.hpp"
#include "route_context.hpp"
#include "services/core.hpp"

namespace usersvc::http {

namespace {
constexpr std::size_t kChunkBytes = 64 * 1024;

// If-None-Match / If-Range name this image when they carry its ETag (or "*").
bool namesImage(const std::string& header, const std::string& etag) {
    return header == "*" || header.find(etag) != std::string::npos;
}

void streamFrom(
    httplib::Response& res, std::shared_ptr<const StoredImage> image, std::uint64_t start, std::uint64_t length) {
    res.set_content_provider(static_cast<std::size_t>(length), contentTypeOf(image->kind()),
        [image, start](std::size_t offset, std::size_t remaining, httplib::DataSink& sink) {
            char buffer[kChunkBytes];
            std::size_t got = image->readAt(start + offset, buffer, std::min(remaining, sizeof buffer));
            // A read that fails or comes up short (the file was truncated) ends the
            // response early; cpp-httplib then closes the connection.
            return got > 0 && sink.write(buffer, got);
        });
}

void serveImage(Exchange& ex, const std::shared_ptr<const StoredImage>& image) {
    auto& res = ex.res;
    std::string etag = "\"" + image->digest() + "\"";
    res.set_header("ETag", etag);
    res.set_header("Accept-Ranges", "bytes");
    res.set_header("Cache-Control", "public, max-age=31536000, immutable");
    if (ex.req.has_header("If-None-Match") && namesImage(ex.req.get_header_value("If-None-Match"), etag)) {
        res.status = 304;
        return;
    }
    RangeRequest range = parseRange(ex.req.get_header_value("Range"), image->size());
    // A Range sent with If-Range for another version is ignored (RFC 9110 13.1.5).
    if (ex.req.has_header("If-Range") && !namesImage(ex.req.get_header_value("If-Range"), etag)) range = {};
    switch (range.kind) {
    case RangeRequest::Kind::Whole:
        res.status = 200;
        streamFrom(res, image, 0, image->size());
        return;
    case RangeRequest::Kind::Part:
        res.status = 206;
        res.set_header("Content-Range", "bytes " + std::to_string(range.start) + "-" +
                                            std::to_string(range.start + range.length - 1) + "/" +
                                            std::to_string(image->size()));
        streamFrom(res, image, range.start, range.length);
        return;
    case RangeRequest::Kind::Unsatisfiable:
        res.headers.erase("Cache-Control");
        res.set_header("Content-Range", "bytes */" + std::to_string(image->size()));
        sendError(res, 416, "Range not satisfiable");
        return;
    }
}
} // namespace

void registerMediaRoutes(Router& router, RouteContext& ctx) {
    router.add(
        "GET", "/media/:shard/:file",
        [&ctx](Exchange& ex) {
            auto image = ctx.core.media().open(ex.params[0] + "/" + ex.params[1]);
            if (!image) {
                sendError(ex.res, 404, "Media not found");
                return;
            }
            serveImage(ex, image);
        },
        PathMatch::Exact);
}

} // namespace usersvc::http
