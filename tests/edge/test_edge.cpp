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

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
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
        int status = 0; // 0: any 4xx
    };
    auto smuggled = [](int n) { return "GET /smuggled-" + std::to_string(n) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"; };
    std::vector<Variant> variants;
    auto add = [&](const std::string& name, const std::string& head, const std::string& body, int status = 0) {
        variants.push_back({name, head, body, status});
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
    // Answered as usual since issue 21 (real clients send bodies on GETs); the
    // body is still never run as a request.
    add("a GET with a body",
        "GET /api/v1/healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(s5.size()) +
            "\r\n\r\n",
        s5, 200);
    add("a HEAD with a body",
        "HEAD /api/v1/healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(s6.size()) +
            "\r\n\r\n",
        s6, 200);
    std::string multipart = "--b\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nx\r\n--b--\r\n" + s7;
    add("Multipart/Form-Data in capitals",
        "POST /api/v1/users/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: Multipart/Form-Data; boundary=b\r\n"
        "Content-Length: " +
            std::to_string(multipart.size()) + "\r\n\r\n",
        multipart);
    for (const auto& v : variants) {
        CAPTURE(v.name);
        std::string reply = requestFrom("127.0.0.7", e.port, v.head + v.body);
        if (v.status)
            CHECK(statusOf(reply) == v.status);
        else
            CHECK(statusOf(reply) >= 400);
        CHECK(reply.find("smuggled") == std::string::npos);
    }
    // Nothing reached usersvc as a request of its own.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(readFile(e.usersvcLog).find("/smuggled-") == std::string::npos);
}

// Issue 21, critical: through this front an attacker received other users'
// login answers. nginx reuses its connections to usersvc (keepalive 32); a
// request hidden in the unread rest of one that cpp-httplib answered itself ran
// on such a connection, and its answer went to whoever's request came next.
TEST_CASE(
    "through nginx, requests cpp-httplib would answer itself hide nothing, and each client gets its own answers") {
    auto& e = edge();
    auto hidden = [](const std::string& tag) {
        return "GET /hidden-" + tag + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: hidden-" + tag + "\r\n\r\n";
    };
    auto withBody = [](const std::string& head, const std::string& rest) {
        return head + "Connection: close\r\nContent-Length: " + std::to_string(rest.size()) + "\r\n\r\n" + rest;
    };
    using Shape = std::function<std::string(const std::string& rest)>;
    const std::vector<std::pair<std::string, Shape>> shapes = {
        {"an unknown method",
            [&](const std::string& rest) {
                return withBody("PROPFIND /api/v1/users/login HTTP/1.1\r\nHost: 127.0.0.1\r\n", rest);
            }},
        {"a made-up method",
            [&](const std::string& rest) {
                return withBody("FOO /api/v1/healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\n", rest);
            }},
        {"a 9,000-byte header line",
            [&](const std::string& rest) {
                return withBody("POST /api/v1/users/login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: " +
                                    std::string(9000, 'a') + "\r\n",
                    rest);
            }},
        {"a 9,000-byte request target",
            [&](const std::string& rest) {
                return withBody(
                    "POST /api/v1/users/login?" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: 127.0.0.1\r\n", rest);
            }},
    };
    // Victims on their own addresses, keep-alive, each request with its own id.
    std::atomic<bool> attacking{true};
    std::atomic<int> answered{0}, foreign{0};
    std::vector<std::thread> victims;
    for (int v = 0; v < 3; ++v)
        victims.emplace_back([&, v] {
            httplib::Client client("127.0.0.1", e.port);
            client.set_keep_alive(true);
            for (int i = 0; attacking; ++i) {
                std::string id = "victim-" + std::to_string(v) + "-" + std::to_string(i);
                auto res = client.Get("/api/v1/healthcheck", {{"X-Request-Id", id}});
                if (res && res->status == 200) ++answered;
                // nginx's own answers (a 429 past its rate) carry no id; any
                // other id is an answer to somebody else's request.
                if (res && res->has_header("X-Request-Id") && res->get_header_value("X-Request-Id") != id) ++foreign;
                std::this_thread::sleep_for(std::chrono::milliseconds(40)); // 75 a second, under nginx's rate
            }
        });
    // Attackers on other addresses. cpp-httplib reads 4 KiB at a time and drops
    // what it had buffered after each request, so a hidden request runs when it
    // starts at a 4 KiB boundary of what nginx forwards (a head nginx rewrites):
    // every offset in a window around the first boundary after the head.
    std::atomic<int> reachedAttacker{0};
    std::vector<std::thread> attackers;
    constexpr int kAttackers = 16, kWindow = 160;
    for (int a = 0; a < kAttackers; ++a)
        attackers.emplace_back([&, a] {
            std::string source = "127.0.0." + std::to_string(30 + a);
            for (std::size_t s = 0; s < shapes.size(); ++s) {
                std::size_t boundary = (shapes[s].second("").size() / 4096 + 1) * 4096;
                for (int delta = -kWindow + a; delta < kWindow; delta += kAttackers) {
                    std::string tag = std::to_string(s) + "_" + std::to_string(delta + kWindow);
                    std::string rest = hidden(tag);
                    std::size_t filler = boundary + delta - shapes[s].second(rest).size() + rest.size();
                    std::string reply = requestFrom(source, e.port, shapes[s].second(std::string(filler, 'x') + rest));
                    if (reply.find("victim-") != std::string::npos) ++reachedAttacker;
                }
            }
        });
    for (auto& t : attackers)
        t.join();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    attacking = false;
    for (auto& t : victims)
        t.join();
    MESSAGE(answered.load() << " victim requests answered during the attack");
    CHECK(answered > 20);
    CHECK(foreign == 0);
    CHECK(reachedAttacker == 0);
    CHECK(readFile(e.usersvcLog).find("/hidden-") == std::string::npos);
}

TEST_CASE("through nginx, the console and its API are closed, and /register is in the login rate zone") {
    // Issue 21: the console and the admin API were reachable through the
    // production configuration, and registrations had no rate of their own.
    auto& e = edge();
    auto client = e.client();
    for (const char* path :
        {"/_/", "/_", "/_/console.js", "/api/v1/admin/users", "/API/V1/Admin/activity", "/api/v1/admin/"}) {
        CAPTURE(path);
        auto res = client.Get(path, {{"Authorization", "Bearer " + std::string(64, 'a')}});
        REQUIRE(res);
        CHECK(res->status == 404);
        CHECK(res->body.find("\"success\":false") != std::string::npos);
    }
    auto signIn = client.Post("/api/v1/admin/sign-in", R"({"code":"x"})", "application/json");
    REQUIRE(signIn);
    CHECK(signIn->status == 404);
    CHECK(readFile(e.usersvcLog).find("/api/v1/admin") == std::string::npos);
    CHECK(readFile(e.usersvcLog).find("/API/V1/Admin") == std::string::npos);
    // A burst of 40 registrations from one address: past the zone's burst of 20, 429.
    std::atomic<int> limited{0};
    std::vector<std::thread> burst;
    for (int i = 0; i < 40; ++i)
        burst.emplace_back([&, i] {
            std::string name = "burst_" + std::to_string(i);
            std::string body =
                R"({"username":")" + name + R"(","email":")" + name + R"(@x.io","password":"password123"})";
            std::string reply = requestFrom("127.0.0.9", e.port,
                "POST /api/v1/users/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                "Connection: close\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body);
            if (statusOf(reply) == 429) ++limited;
        });
    for (auto& t : burst)
        t.join();
    MESSAGE(limited.load() << " of 40 registrations in one burst were 429");
    CHECK(limited > 0);
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
