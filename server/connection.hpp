#pragma once
// Each keep-alive connection's loop, run by usersvc instead of cpp-httplib's
// (issue 21). cpp-httplib 0.11 answers some requests itself (an unknown method,
// a header line or target over its 8 KiB limit, a bad Range) and then reads the
// next request from wherever it stopped: the unread rest of that request,
// which behind a reverse proxy that reuses upstream connections is a request
// an attacker wrote, answered to whoever's request comes next. Here
// - a connection is closed after every answer cpp-httplib made before routing
//   (it never reached the pre-routing hook) and after any answer that asked for
//   it (closeConnectionAfterResponse), its unread bytes drained, never parsed;
// - a request head is bounded while it arrives: lines of at most 8 KiB (past
//   that cpp-httplib answers 400 or 414 from the bytes it has), 64 KiB in all,
//   and 10 s from its first byte to its end, so neither a huge header line nor
//   a slow one costs more than that;
// - while connections wait for a worker (every worker busy), a connection idle
//   between requests, or whose head has taken over a second, gives its worker
//   up: slow-loris sockets cannot hold every worker for their 10 s;
// - head lines must follow RFC 9112 (CR LF endings, no folding, no space
//   before a field's colon), and a chunked body is followed chunk by chunk (hex
//   sizes, CR LF after each chunk's data, the last chunk): a line cpp-httplib
//   would skip or misread is refused, and the body ends where a compliant
//   front end ends it;
// - the socket is read through one buffer for the connection's whole life, so
//   pipelined requests are never lost between two of them.
#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <functional>

namespace usersvc::http {

struct ConnectionLimits {
    std::size_t maxHeadLine = 8192 + 1; // one byte past cpp-httplib's own limit, so it answers
    std::size_t maxHead = 64 * 1024;
    std::chrono::milliseconds headTimeout{10'000};
    std::chrono::milliseconds yieldAfter{1'000};
    // True while accepted connections wait for a worker (WorkerPool::backlogged).
    std::function<bool()> othersWaiting;
};

class ConnectionServer : public httplib::Server {
public:
    explicit ConnectionServer(ConnectionLimits limits = {}) : limits_(std::move(limits)) {}
    ConnectionLimits& limits() { return limits_; }

private:
    // cpp-httplib calls this on a worker for each accepted socket.
    bool process_and_close_socket(socket_t sock) override;

    ConnectionLimits limits_;
};

// The connection this thread is answering on is closed once the response is
// written: its request's body was not read to its end, or cannot be trusted.
// Also sets `Connection: close` on the response.
void closeConnectionAfterResponse(httplib::Response& res);

} // namespace usersvc::http
