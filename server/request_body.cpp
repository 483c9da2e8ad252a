#include "request_body.hpp"

#include "domain/error.hpp"
#include "domain/validation.hpp"

namespace usersvc::http {

RequestBody::RequestBody(const httplib::Request& req, const httplib::ContentReader* reader, std::size_t hardLimit)
    : req_(req), reader_(reader), hardLimit_(hardLimit) {
    bool chunked = toLower(req.get_header_value("Transfer-Encoding")).find("chunked") != std::string::npos;
    std::string length = req.get_header_value("Content-Length");
    // Without Content-Length or chunked encoding a request has no body (RFC 9112 6.3);
    // asking httplib to read one would wait for the client to close.
    present_ = reader_ != nullptr && (chunked || (!length.empty() && length != "0"));
    if (!present_) consumed_ = true;
}

std::string RequestBody::contentType() const {
    std::string type = req_.get_header_value("Content-Type");
    auto semicolon = type.find(';');
    if (semicolon != std::string::npos) type.resize(semicolon);
    return toLower(trim(type));
}

// A read stopped at the hard limit (chunked bodies), or refused by httplib for a
// larger Content-Length, is 413; any other failed read is a malformed body.
void RequestBody::throwIfFailed(bool ok, bool tooLarge, const char* malformed) {
    if (!ok) stoppedEarly_ = true;
    if (tooLarge || (!ok && req_.get_header_value_count("Content-Length") &&
                        req_.get_header_value<uint64_t>("Content-Length") > hardLimit_))
        throw Error(Code::TooLarge, "Request body too large");
    if (!ok) throw Error(Code::Invalid, malformed);
}

void RequestBody::consume(const std::function<bool(const char*, std::size_t)>& sink) {
    if (consumed_) return;
    consumed_ = true;
    std::size_t total = 0;
    bool tooLarge = false;
    bool ok = (*reader_)([&](const char* data, std::size_t n) {
        total += n;
        // Past the hard limit (only reachable with chunked bodies: httplib refuses a
        // larger Content-Length itself) stop reading; the connection is then closed.
        if (total > hardLimit_) {
            tooLarge = true;
            return false;
        }
        return sink(data, n);
    });
    throwIfFailed(ok, tooLarge, "Malformed request body");
}

std::string RequestBody::readAll(std::size_t limit) {
    std::string body;
    bool over = false;
    consume([&](const char* data, std::size_t n) {
        if (over || body.size() + n > limit) {
            over = true; // keep reading so the connection stays in step, but keep nothing
            return true;
        }
        body.append(data, n);
        return true;
    });
    if (over) throw Error(Code::TooLarge, "Request body larger than " + std::to_string(limit) + " bytes");
    return body;
}

void RequestBody::readMultipart(const std::function<void(const httplib::MultipartFormData&)>& onPart,
    const std::function<void(const char*, std::size_t)>& onData) {
    if (consumed_) return;
    consumed_ = true;
    std::size_t total = 0;
    bool tooLarge = false;
    bool ok = (*reader_)(
        [&](const httplib::MultipartFormData& part) {
            onPart(part);
            return true;
        },
        [&](const char* data, std::size_t n) {
            total += n;
            if (total > hardLimit_) {
                tooLarge = true;
                return false;
            }
            onData(data, n);
            return true;
        });
    throwIfFailed(ok, tooLarge, "Malformed multipart body");
}

void RequestBody::drain() {
    try {
        // httplib parses multipart bodies whatever receiver it is given, and calls
        // the multipart callbacks; both must be present.
        if (req_.is_multipart_form_data())
            readMultipart([](const httplib::MultipartFormData&) {}, [](const char*, std::size_t) {});
        else
            consume([](const char*, std::size_t) { return true; });
    } catch (const std::exception&) {
        // Nothing more to do: the response is already decided.
    }
}

} // namespace usersvc::http
