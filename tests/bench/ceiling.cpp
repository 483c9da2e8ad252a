// Used by scripts/bench: the framework's own ceiling. cpp-httplib with usersvc's
// socket settings and worker pool, answering GET /ceiling with the envelope a
// healthcheck returns and doing nothing else, so usersvc's figures can be read
// as a share of what the server framework itself allows on this machine.
//   bench_ceiling PORT_FILE   binds 127.0.0.1:0, writes the port to PORT_FILE, serves until killed
#include "worker_pool.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <fstream>
#include <thread>

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    httplib::Server server;
    unsigned threads = std::max(16u, 4 * std::max(1u, std::thread::hardware_concurrency()));
    server.new_task_queue = [threads] { return new usersvc::http::WorkerPool(threads, 512); };
    server.set_tcp_nodelay(true);
    int listening = -1;
    server.set_socket_options([&listening](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        listening = sock;
    });
    server.set_keep_alive_max_count(1000);
    const std::string body = R"({"statusCode":200,"data":{"status":"ok"},"message":"OK","success":true})";
    server.Get("/ceiling", [&body](const httplib::Request&, httplib::Response& res) {
        res.set_content(body, "application/json; charset=utf-8");
    });
    int port = server.bind_to_any_port("127.0.0.1");
    ::listen(listening, 4096); // the backlog usersvc sets too
    std::ofstream(argv[1]) << port << "\n";
    server.listen_after_bind();
}
