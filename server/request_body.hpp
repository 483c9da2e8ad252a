#pragma once
// Reads a request body through cpp-httplib's ContentReader, so that limits are
// enforced while bytes arrive and multipart files stream to disk instead of
// being held in memory. Whatever a handler does not read is drained afterwards,
// keeping a keep-alive connection in step.
#include <httplib.h>

#include <functional>
#include <string>

namespace usersvc::http {

class RequestBody {
public:
    RequestBody(const httplib::Request& req, const httplib::ContentReader* reader, std::size_t hardLimit);

    // True when the request announces a body (Content-Length > 0 or chunked).
    bool present() const { return present_; }
    std::string contentType() const; // lowercased media type, no parameters

    // The whole body of a non-multipart request; throws Error{TooLarge} beyond
    // `limit` bytes (the rest is read and dropped).
    std::string readAll(std::size_t limit);

    // Streams a multipart/form-data body. `onPart` gets each part's headers,
    // `onData` its bytes. Throws Error{Invalid} for a malformed body.
    void readMultipart(const std::function<void(const httplib::MultipartFormData&)>& onPart,
        const std::function<void(const char*, std::size_t)>& onData);

    // Reads and discards what is left (bounded by the hard limit).
    void drain();

    // False when a read stopped before the body's end (a malformed multipart
    // body, a chunked body past the hard limit): the bytes left on the
    // connection are not a request, so the connection must be closed.
    bool readToEnd() const { return !stoppedEarly_; }

private:
    void consume(const std::function<bool(const char*, std::size_t)>& sink);
    void throwIfFailed(bool ok, bool tooLarge, const char* malformed);

    const httplib::Request& req_;
    const httplib::ContentReader* reader_;
    std::size_t hardLimit_;
    bool present_ = false;
    bool consumed_ = false;
    bool stoppedEarly_ = false;
};

} // namespace usersvc::http
