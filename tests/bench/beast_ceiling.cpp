// Used by scripts/bench (issue 15): the second reference, an event-driven
// engine. Boost.Beast on one io_context run by one thread per core, answering
// GET /ceiling with the envelope a healthcheck returns and doing nothing else,
// next to bench_ceiling (cpp-httplib, a thread per connection), so the cost
// of the threading model itself reads off requests per CPU-second. Data for a
// design decision, not a migration (DESIGN.md keeps cpp-httplib).
//   bench_beast_ceiling PORT_FILE   binds 127.0.0.1:0, writes the port to PORT_FILE, serves until killed
// Boost 1.74's asio/awaitable.hpp uses std::exchange without <utility> in C++20.
#include <utility>
// clang-format off (keep <utility> first)
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
// clang-format on

#include <algorithm>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

const std::string kBody = R"({"statusCode":200,"data":{"status":"ok"},"message":"OK","success":true})";

class Connection : public std::enable_shared_from_this<Connection> {
public:
    explicit Connection(tcp::socket socket) : stream_(std::move(socket)) {}
    void start() { read(); }

private:
    void read() {
        request_ = {};
        http::async_read(stream_, buffer_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (!ec) self->answer();
        });
    }
    void answer() {
        response_ = {};
        bool found = request_.method() == http::verb::get && request_.target() == "/ceiling";
        response_.result(found ? http::status::ok : http::status::not_found);
        response_.version(request_.version());
        response_.keep_alive(request_.keep_alive());
        response_.set(http::field::content_type, "application/json; charset=utf-8");
        response_.body() = found ? kBody : std::string();
        response_.prepare_payload();
        http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return;
            if (self->response_.keep_alive()) {
                self->read();
            } else {
                self->stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
            }
        });
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> request_;
    http::response<http::string_body> response_;
};

void accept(tcp::acceptor& acceptor) {
    acceptor.async_accept([&acceptor](beast::error_code ec, tcp::socket socket) {
        if (!ec) {
            socket.set_option(tcp::no_delay(true), ec);
            std::make_shared<Connection>(std::move(socket))->start();
        }
        accept(acceptor);
    });
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    asio::io_context io(static_cast<int>(threads));
    tcp::acceptor acceptor(io);
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(4096); // the backlog usersvc sets too
    std::ofstream(argv[1]) << acceptor.local_endpoint().port() << "\n";
    accept(acceptor);
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i)
        pool.emplace_back([&io] { io.run(); });
    io.run();
}
