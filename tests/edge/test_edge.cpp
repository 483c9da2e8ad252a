// The front door (issue 12): Debian's nginx with docs/deploy/nginx.conf (ports
// and paths replaced) in front of the real binary started with
// --trusted-proxy 127.0.0.1. What cpp-httplib cannot defend alone (slow-loris,
// idle sockets, huge headers, ambiguous framing) must hold through nginx, and
// the client address must survive the proxy. CTest runs this binary as one
// test, so both servers start once for all its cases.
#include "test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <thread>

using namespace usersvc::test;

namespace {
const std::string kBinary = USERSVC_BINARY;
const std::string kNginxConf = USERSVC_NGINX_CONF;

int freePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

// `text` with `from` replaced by `to`, which must be there (so a change to the
// shipped file that the test no longer matches fails loudly).
void replaceIn(std::string& text, const std::string& from, const std::string& to) {
    auto at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, "docs/deploy/nginx.conf no longer contains: " << from);
    text.replace(at, from.size(), to);
}

// One request on its own connection from `source`; the whole answer.
std::string requestFrom(const std::string& source, int port, const std::string& request) {
    int fd = connectLoopback(port, source);
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string reply;
    char buffer[16384];
    pollfd pfd{fd, POLLIN, 0};
    while (::poll(&pfd, 1, 5000) > 0) {
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        reply.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return reply;
}

std::string loginRequest(const std::string& username, const std::string& password) {
    std::string body = R"({"username":")" + username + R"(","password":")" + password + "\"}";
    return "POST /api/v1/users/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           "Connection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

int statusOf(const std::string& reply) {
    return reply.size() > 12 ? std::atoi(reply.c_str() + 9) : 0;
}

// usersvc behind nginx, started once.
struct Edge {
    TempDir dir;
    std::string usersvcLog = (dir.path() / "usersvc.log").string();
    std::unique_ptr<ChildServer> usersvc;
    int nginxPid = -1;
    int port = 0;

    Edge() {
        // 2,600 sockets held open at once, plus nginx's own.
        rlimit files{};
        ::getrlimit(RLIMIT_NOFILE, &files);
        files.rlim_cur = files.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &files);

        usersvc = std::make_unique<ChildServer>(kBinary,
            std::vector<std::string>{
                "--data-dir", (dir.path() / "data").string(), "--bcrypt-cost", "4", "--trusted-proxy", "127.0.0.1"},
            0, usersvcLog);
        port = freePort();
        std::ifstream in(kNginxConf);
        std::string conf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::string prefix = dir.path().string();
        replaceIn(conf, "pid /run/nginx-usersvc.pid;",
            "pid " + prefix + "/nginx.pid;\ndaemon off;\n" + (::geteuid() == 0 ? "user root root;" : ""));
        replaceIn(conf, "error_log /var/log/nginx/usersvc-error.log warn;", "error_log " + prefix + "/error.log warn;");
        replaceIn(conf, "access_log /var/log/nginx/usersvc-access.log;",
            "access_log " + prefix + "/access.log;\n    client_body_temp_path " + prefix +
                "/body;\n    proxy_temp_path " + prefix + "/proxy;\n    fastcgi_temp_path " + prefix +
                "/fastcgi;\n    uwsgi_temp_path " + prefix + "/uwsgi;\n    scgi_temp_path " + prefix + "/scgi;");
        replaceIn(conf, "server 127.0.0.1:8000;", "server 127.0.0.1:" + std::to_string(usersvc->port()) + ";");
        replaceIn(conf, "listen 127.0.0.1:8080;", "listen 127.0.0.1:" + std::to_string(port) + ";");
        writeFile(dir.path() / "nginx.conf", conf);

        nginxPid = ::fork();
        if (nginxPid == 0) {
            int log = ::open((prefix + "/nginx.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            ::dup2(log, 1);
            ::dup2(log, 2);
            ::execl("/usr/sbin/nginx", "nginx", "-p", prefix.c_str(), "-c", (prefix + "/nginx.conf").c_str(),
                static_cast<char*>(nullptr));
            ::_exit(127);
        }
        for (int i = 0; i < 100; ++i) { // up within 5 s
            httplib::Client probe("127.0.0.1", port);
            if (auto res = probe.Get("/api/v1/healthcheck"); res && res->status == 200) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        FAIL("nginx did not come up: " << readFile(dir.path() / "nginx.out") << readFile(dir.path() / "error.log"));
    }
    ~Edge() {
        if (nginxPid > 0) {
            ::kill(nginxPid, SIGQUIT);
            ::waitpid(nginxPid, nullptr, 0);
        }
    }
    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port);
        c.set_connection_timeout(2, 0);
        c.set_read_timeout(5, 0);
        return c;
    }
};

Edge& edge() {
    static Edge instance;
    return instance;
}
} // namespace

TEST_CASE("through nginx, 600 slow-loris sockets and 2,000 idle ones leave healthcheck answering under 100 ms") {
    auto& e = edge();
    std::vector<int> held;
    const std::string partial = "GET /api/v1/healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    for (int i = 0; i < 600; ++i) {
        int fd = connectLoopback(e.port, "127.0.0.4");
        ::send(fd, partial.data(), partial.size(), MSG_NOSIGNAL);
        held.push_back(fd);
    }
    for (int i = 0; i < 2000; ++i)
        held.push_back(connectLoopback(e.port, "127.0.0.5"));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto client = e.client();
    double worst = 0;
    for (int i = 0; i < 20; ++i) {
        auto start = std::chrono::steady_clock::now();
        auto res = client.Get("/api/v1/healthcheck");
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        REQUIRE(res);
        CHECK(res->status == 200);
        worst = std::max(worst, ms);
    }
    MESSAGE("slowest of 20 healthchecks with 2,600 stalled sockets: " << worst << " ms");
    CHECK(worst < 100);
    for (int fd : held)
        ::close(fd);
}

TEST_CASE("through nginx, a 1 MiB header line and 100,000 headers are 4xx and cost usersvc no memory") {
    auto& e = edge();
    long before = residentKiB(e.usersvc->pid());
    std::string longLine =
        "GET /api/v1/healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(1 << 20, 'a') + "\r\n\r\n";
    std::string many = "GET /api/v1/healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (int i = 0; i < 100000; ++i)
        many += "X-H" + std::to_string(i) + ": v\r\n";
    many += "\r\n";
    for (const auto* request : {&longLine, &many}) {
        int status = statusOf(requestFrom("127.0.0.6", e.port, *request));
        CHECK(status >= 400);
        CHECK(status < 500);
    }
    long after = residentKiB(e.usersvc->pid());
    MESSAGE("usersvc RSS " << before << " KiB before, " << after << " KiB after");
    CHECK(after - before < 2048);
}

TEST_CASE("through nginx, each smuggling variant is refused or framed once, and the hidden request never runs") {
    auto& e = edge();
    struct Variant {
        std::string name, head, body;
    };
    auto smuggled = [](int n) { return "GET /smuggled-" + std::to_string(n) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"; };
    std::vector<Variant> variants;
    auto add = [&](const std::string& name, const std::string& head, const std::string& body) {
        variants.push_back({name, head, body});
    };
    const std::string post =
        "POST /api/v1/users/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    std::string s0 = smuggled(0), s1 = smuggled(1), s2 = smuggled(2), s3 = smuggled(3), s4 = smuggled(4),
                s5 = smuggled(5), s6 = smuggled(6), s7 = smuggled(7);
    add("two Content-Length values",
        post + "Content-Length: 2\r\nContent-Length: " + std::to_string(2 + s0.size()) + "\r\n\r\n", "{}" + s0);
    add("a non-numeric Content-Length", post + "Content-Length: 2x\r\n\r\n", "{}" + s1);
    add("Transfer-Encoding gzip, chunked with Content-Length",
        post + "Transfer-Encoding: gzip, chunked\r\nContent-Length: " + std::to_string(5 + s2.size()) + "\r\n\r\n",
        "0\r\n\r\n" + s2);
    add("Transfer-Encoding chunked with Content-Length",
        post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", "0\r\n\r\n" + s3);
    add("an obfuscated Transfer-Encoding",
        post + "Transfer-Encoding: xchunked\r\nContent-Length: " + std::to_string(5 + s4.size()) + "\r\n\r\n",
        "0\r\n\r\n" + s4);
    add("a GET with a body",
        "GET /api/v1/healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(s5.size()) +
            "\r\n\r\n",
        s5);
    add("a HEAD with a body",
        "HEAD /api/v1/healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(s6.size()) +
            "\r\n\r\n",
        s6);
    std::string multipart = "--b\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nx\r\n--b--\r\n" + s7;
    add("Multipart/Form-Data in capitals",
        "POST /api/v1/users/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: Multipart/Form-Data; boundary=b\r\n"
        "Content-Length: " +
            std::to_string(multipart.size()) + "\r\n\r\n",
        multipart);
    for (const auto& v : variants) {
        CAPTURE(v.name);
        std::string reply = requestFrom("127.0.0.7", e.port, v.head + v.body);
        CHECK(statusOf(reply) >= 400);
        CHECK(reply.find("smuggled") == std::string::npos);
    }
    // Nothing reached usersvc as a request of its own.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(readFile(e.usersvcLog).find("/smuggled-") == std::string::npos);
}

TEST_CASE("behind nginx, 100 bad logins from one client address do not lock out another") {
    auto& e = edge();
    auto client = e.client();
    auto reg = client.Post("/api/v1/users/register",
        R"({"username":"edge_victim","email":"victim@x.io","password":"password123"})", "application/json");
    REQUIRE(reg);
    REQUIRE(reg->status == 201);
    // Paced under the login rate docs/deploy/nginx.conf allows (10/s, burst 20),
    // so every attempt reaches usersvc's own limiter.
    for (int i = 0; i < 100; ++i) {
        CHECK(statusOf(requestFrom("127.0.0.2", e.port, loginRequest("nobody_" + std::to_string(i), "wrong-pass"))) ==
              401);
        std::this_thread::sleep_for(std::chrono::milliseconds(105));
    }
    // usersvc counted them for 127.0.0.2 (its 429, in the envelope)...
    std::string limited = requestFrom("127.0.0.2", e.port, loginRequest("nobody_x", "wrong-pass"));
    CHECK(statusOf(limited) == 429);
    CHECK(limited.find("Too many failed login attempts") != std::string::npos);
    // ...and only for it.
    CHECK(statusOf(requestFrom("127.0.0.3", e.port, loginRequest("edge_victim", "password123"))) == 200);
}
