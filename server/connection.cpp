#include "connection.hpp"

#include "request_state.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <strings.h>
#include <vector>

namespace usersvc::http {

namespace {
using Clock = std::chrono::steady_clock;
constexpr int kSliceMs = 100; // how often a waiting connection looks up from its socket

// What a connection's requests may ask of its loop.
struct ConnectionState {
    bool closeRequested = false;
};
thread_local ConnectionState* tConnection = nullptr;

// POLLIN/POLLOUT on one socket; > 0 ready (or hung up), 0 timed out, < 0 failed.
int waitFor(int sock, short events, int timeoutMs) {
    pollfd pfd{sock, events, 0};
    int n;
    do {
        n = ::poll(&pfd, 1, std::max(0, timeoutMs));
    } while (n < 0 && errno == EINTR);
    return n;
}

int millisecondsOf(time_t sec, time_t usec) {
    return static_cast<int>(sec * 1000 + usec / 1000);
}

void addressOf(const sockaddr_storage& addr, socklen_t len, std::string& ip, int& port) {
    if (addr.ss_family == AF_INET)
        port = ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
    else if (addr.ss_family == AF_INET6)
        port = ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
    else
        return;
    std::array<char, NI_MAXHOST> host{};
    if (::getnameinfo(
            reinterpret_cast<const sockaddr*>(&addr), len, host.data(), host.size(), nullptr, 0, NI_NUMERICHOST) == 0)
        ip = host.data();
}

// The socket as cpp-httplib reads it, through one buffer kept for the whole
// connection. cpp-httplib reads a request line, header lines and chunk-size
// lines one byte per call and everything else in blocks, which is how a line
// is told apart from a body here.
class ConnectionStream final : public httplib::Stream {
public:
    ConnectionStream(int sock, const ConnectionLimits& limits, int readTimeoutMs, int writeTimeoutMs)
        : sock_(sock), limits_(limits), readTimeoutMs_(readTimeoutMs), writeTimeoutMs_(writeTimeoutMs) {}

    bool is_readable() const override { return off_ < end_ || waitFor(sock_, POLLIN, readTimeoutMs_) > 0; }
    bool is_writable() const override { return waitFor(sock_, POLLOUT, writeTimeoutMs_) > 0; }

    ssize_t read(char* ptr, std::size_t size) override {
        if (cut_ || size == 0) return 0;
        if (off_ == end_ && !fill()) return failed_ ? -1 : 0;
        std::size_t n = std::min(size, end_ - off_);
        if (size == 1 && (inHead_ || chunkLine())) {
            // A byte of a line. A line past its limit, or one that breaks the
            // framing rules, is cut there and nothing more is read from this
            // connection (cpp-httplib answers from what it has, then the
            // connection is closed).
            if (auto verdict = takeLineByte(buffer_[off_]); verdict != Line::Fine) {
                // Too long: an end, so cpp-httplib answers from the line it has
                // (414 for a request line, 400 for a header). Broken: a failed
                // read, so it fails the head or the body (400) instead of
                // taking the line read so far.
                cut_ = true;
                return verdict == Line::TooLong ? 0 : -1;
            }
        } else if (chunk_ == Chunk::Data) {
            n = static_cast<std::size_t>(std::min<std::uint64_t>(n, chunkLeft_));
            if ((chunkLeft_ -= n) == 0) chunk_ = Chunk::DataEnd;
        } else if (chunk_ != Chunk::None) { // a block read where a chunk line belongs
            cut_ = true;
            return 0;
        }
        if (inHead_ && (headBytes_ += n) > limits_.maxHead) {
            cut_ = true;
            return 0;
        }
        std::memcpy(ptr, buffer_.data() + off_, n);
        off_ += n;
        return static_cast<ssize_t>(n);
    }

    ssize_t write(const char* ptr, std::size_t size) override {
        if (!is_writable()) return -1;
        ssize_t n;
        do {
            n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
        } while (n < 0 && errno == EINTR);
        return n;
    }

    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        sockaddr_storage addr{};
        socklen_t len = sizeof addr;
        if (::getpeername(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) addressOf(addr, len, ip, port);
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
        sockaddr_storage addr{};
        socklen_t len = sizeof addr;
        if (::getsockname(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) addressOf(addr, len, ip, port);
    }
    socket_t socket() const override { return sock_; }

    // Waits for the first byte of the next request, at most `idle`; false when
    // none came, the peer left, or the server is stopping. An idle connection
    // gives its worker up to connections waiting for one.
    bool awaitRequest(std::chrono::seconds idle, const std::atomic<socket_t>& listening) {
        if (off_ < end_) return true;
        auto start = Clock::now();
        auto until = start + idle;
        while (listening != INVALID_SOCKET) {
            auto now = Clock::now();
            if (now >= until || (now - start >= limits_.yieldAfter && othersWaiting())) return false;
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
            // In slices, so that stop() and waiting connections are noticed.
            int ready = waitFor(sock_, POLLIN, static_cast<int>(std::min<long long>(left, kSliceMs)));
            if (ready != 0) return ready > 0;
        }
        return false;
    }

    // The head's bounds and rules apply from the next byte until beginBody().
    void beginHead() {
        inHead_ = true;
        headBytes_ = 0;
        headLines_ = 0;
        lineBytes_ = 0;
        line_.clear();
        chunk_ = Chunk::None;
        headStart_ = Clock::now();
        headDeadline_ = headStart_ + limits_.headTimeout;
    }
    // The body follows; a chunked one is followed chunk by chunk, so that it
    // ends where a compliant parser would end it.
    void beginBody(bool chunked) {
        inHead_ = false;
        line_.clear();
        lineBytes_ = 0;
        chunk_ = chunked ? Chunk::SizeLine : Chunk::None;
    }
    // False while a chunked body has not been read to its last chunk.
    bool bodyFramedWhole() const { return chunk_ == Chunk::None || chunk_ == Chunk::Done; }
    // True once a read found no byte in time: a client that slow gets no lingering close.
    bool gaveUp() const { return gaveUp_; }
    bool othersWaiting() const { return limits_.othersWaiting && limits_.othersWaiting(); }

private:
    // Refills the buffer; false at the end of the stream or on failure (failed_).
    bool fill() {
        if (!awaitBytes()) return failed_ = gaveUp_ = true, false;
        ssize_t n;
        do {
            n = ::recv(sock_, buffer_.data(), buffer_.size(), 0);
        } while (n < 0 && errno == EINTR);
        if (n <= 0) {
            failed_ = n < 0;
            return false;
        }
        off_ = 0;
        end_ = static_cast<std::size_t>(n);
        return true;
    }

    // Waits for bytes at most the read timeout; a head also at most until its
    // deadline, and only as long as it is quick or no connection needs the worker.
    bool awaitBytes() {
        if (!inHead_) return waitFor(sock_, POLLIN, readTimeoutMs_) > 0;
        auto until = std::min(Clock::now() + std::chrono::milliseconds(readTimeoutMs_), headDeadline_);
        for (;;) {
            auto now = Clock::now();
            if (now >= until || (now - headStart_ >= limits_.yieldAfter && othersWaiting())) return false;
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
            int ready = waitFor(sock_, POLLIN, static_cast<int>(std::min<long long>(left, kSliceMs)));
            if (ready != 0) return ready > 0;
        }
    }

    // Where a chunked body is: a size line, its data, the CRLF after it, the
    // (empty) trailer after the last chunk.
    enum class Chunk { None, SizeLine, Data, DataEnd, Trailer, Done };
    bool chunkLine() const { return chunk_ == Chunk::SizeLine || chunk_ == Chunk::DataEnd || chunk_ == Chunk::Trailer; }

    // Collects a line byte by byte and judges it at its LF (the CR LF after a
    // chunk's data at each byte).
    enum class Line { Fine, TooLong, Broken };
    Line takeLineByte(char byte) {
        if (byte != '\n' && ++lineBytes_ > limits_.maxHeadLine) return Line::TooLong;
        bool crlfOnly = chunk_ == Chunk::DataEnd || chunk_ == Chunk::Trailer;
        if (crlfOnly && byte != "\r\n"[std::min<std::size_t>(line_.size(), 1)]) return Line::Broken;
        line_.push_back(byte);
        if (byte != '\n') return Line::Fine;
        bool ok = inHead_ ? headLineAcceptable() : chunkLineAcceptable();
        line_.clear();
        lineBytes_ = 0;
        return ok ? Line::Fine : Line::Broken;
    }

    // RFC 9112: lines end in CR LF; a field name is a token followed at once
    // by ':' (no space before it); no line folding, no CR or NUL inside. A
    // line cpp-httplib would skip or misread (a bare LF, "Transfer-Encoding :
    // chunked", a folded value) is what a front end may read otherwise.
    bool headLineAcceptable() {
        if (headLines_++ == 0) return true; // the request line: cpp-httplib checks it
        if (line_.size() < 2 || line_[line_.size() - 2] != '\r') return false;
        std::string_view text(line_.data(), line_.size() - 2);
        if (text.empty()) return true; // the end of the head
        if (text.find_first_of(std::string_view("\r\0", 2)) != std::string_view::npos) return false;
        auto colon = text.find(':');
        if (colon == 0 || colon == std::string_view::npos) return false;
        return std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(colon),
            [](unsigned char c) { return std::isalnum(c) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr; });
    }

    // A size line is hex digits, optionally ";extension", then CR LF; the data
    // is followed by CR LF alone; after the last chunk, an empty line (the
    // trailer section cpp-httplib reads; it takes no trailer fields).
    bool chunkLineAcceptable() {
        if (chunk_ == Chunk::DataEnd) {
            chunk_ = Chunk::SizeLine;
            return line_ == "\r\n";
        }
        if (chunk_ == Chunk::Trailer) {
            chunk_ = Chunk::Done;
            return line_ == "\r\n";
        }
        if (line_.size() < 3 || line_[line_.size() - 2] != '\r') return false;
        std::string_view text(line_.data(), line_.size() - 2);
        std::size_t digits = 0;
        std::uint64_t size = 0;
        for (; digits < text.size() && std::isxdigit(static_cast<unsigned char>(text[digits])); ++digits)
            size = size * 16 + static_cast<std::uint64_t>(std::isdigit(static_cast<unsigned char>(text[digits]))
                                                              ? text[digits] - '0'
                                                              : std::tolower(text[digits]) - 'a' + 10);
        if (digits == 0 || digits > 15) return false;
        if (digits < text.size() && text[digits] != ';') return false;
        if (std::any_of(text.begin() + static_cast<std::ptrdiff_t>(digits), text.end(),
                [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }))
            return false;
        chunkLeft_ = size;
        chunk_ = size == 0 ? Chunk::Trailer : Chunk::Data;
        return true;
    }

    int sock_;
    const ConnectionLimits& limits_;
    int readTimeoutMs_, writeTimeoutMs_;
    std::array<char, 4096> buffer_{};
    std::size_t off_ = 0, end_ = 0;
    bool inHead_ = false, cut_ = false, failed_ = false;
    bool gaveUp_ = false; // no byte came in time
    std::size_t headBytes_ = 0, headLines_ = 0, lineBytes_ = 0;
    std::string line_; // the line being read, up to its LF
    Chunk chunk_ = Chunk::None;
    std::uint64_t chunkLeft_ = 0; // data bytes left in this chunk
    Clock::time_point headStart_{}, headDeadline_{};
};

// Closes a connection whose peer may still be sending the request it was
// answered for: the write side first, then what arrives is read and dropped
// for a while (at most 2 s, and not while other connections wait for a
// worker), so that closing with unread bytes (which sends RST) cannot destroy
// the answer before the peer has read it.
void closeAfterDraining(int sock, const ConnectionStream& stream) {
    ::shutdown(sock, SHUT_WR);
    constexpr auto kLinger = std::chrono::seconds(2);
    constexpr std::size_t kMaxDrained = 16 * 1024 * 1024;
    auto until = Clock::now() + kLinger;
    std::vector<char> sink(16 * 1024);
    std::size_t drained = 0;
    while (drained < kMaxDrained && !stream.othersWaiting()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
        if (left <= 0) break;
        int ready = waitFor(sock, POLLIN, static_cast<int>(std::min<long long>(left, kSliceMs)));
        if (ready < 0) break;
        if (ready == 0) continue;
        ssize_t n = ::recv(sock, sink.data(), sink.size(), 0);
        if (n <= 0) break;
        drained += static_cast<std::size_t>(n);
    }
    ::close(sock);
}
} // namespace

void closeConnectionAfterResponse(httplib::Response& res) {
    res.set_header("Connection", "close");
    if (tConnection) tConnection->closeRequested = true;
}

bool ConnectionServer::process_and_close_socket(socket_t sock) {
    ConnectionStream stream(sock, limits_, millisecondsOf(read_timeout_sec_, read_timeout_usec_),
        millisecondsOf(write_timeout_sec_, write_timeout_usec_));
    ConnectionState state;
    tConnection = &state;
    bool ok = false;
    bool unreadInput = false; // a request's bytes may still be arriving
    for (std::size_t left = keep_alive_max_count_; left > 0; --left) {
        if (!stream.awaitRequest(std::chrono::seconds(keep_alive_timeout_sec_), svr_sock_)) break;
        state = ConnectionState{};
        beginRequest(); // timed from here, and nothing inherited from the request before
        stream.beginHead();
        bool headAccepted = false; // cpp-httplib read the whole head and hands it to the hooks
        bool peerCloses = false;
        ok = process_request(stream, left == 1, peerCloses, [&](httplib::Request& req) {
            headAccepted = true;
            stream.beginBody(strcasecmp(req.get_header_value("Transfer-Encoding").c_str(), "chunked") == 0);
        });
        if (!ok || peerCloses) break;
        // Answered by cpp-httplib before any hook ran, or with its body not
        // read to its end: the bytes that follow are not a request.
        if (!headAccepted || state.closeRequested || !stream.bodyFramedWhole()) {
            unreadInput = true;
            break;
        }
    }
    tConnection = nullptr;
    if (unreadInput && !stream.gaveUp()) {
        closeAfterDraining(sock, stream);
    } else {
        ::shutdown(sock, SHUT_RDWR);
        ::close(sock);
    }
    return ok;
}

} // namespace usersvc::http
