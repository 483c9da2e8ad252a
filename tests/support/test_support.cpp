#include "test_support.hpp"

#include "domain/clock.hpp"
#include "domain/ids.hpp"
#include "security/crypto.hpp"
#include "storage/sqlite_store.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pqxx/pqxx>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace usersvc::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
    std::string pattern = (fs::temp_directory_path() / "usersvc-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

std::string pngBytes() {
    static const unsigned char png[] = {0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49,
        0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77,
        0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00, 0x00,
        0x03, 0x01, 0x01, 0x00, 0xc9, 0xfe, 0x92, 0xef, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42,
        0x60, 0x82};
    return std::string(reinterpret_cast<const char*>(png), sizeof png);
}
// Literals end in a NUL the image does not have: sizeof - 1.
std::string jpegBytes() {
    static const char b[] = "\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xFF\xD9";
    return std::string(b, sizeof b - 1);
}
std::string gifBytes() {
    static const char b[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";
    return std::string(b, sizeof b - 1);
}
std::string webpBytes() {
    static const char b[] =
        "RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00";
    return std::string(b, sizeof b - 1);
}

void writeFile(const fs::path& file, const std::string& bytes) {
    std::ofstream out(file, std::ios::binary);
    out << bytes;
}

std::string readFile(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

CoreSettings testCoreSettings(const fs::path& dataDir) {
    CoreSettings s;
    s.dataDir = dataDir;
    s.bcryptCost = 4;
    return s;
}

std::size_t countFiles(const fs::path& dir) {
    std::size_t n = 0;
    std::error_code ec;
    if (!fs::exists(dir)) return 0;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec))
        if (e.is_regular_file()) ++n;
    return n;
}

TestServer::TestServer(
    const fs::path& dataDir, http::ServerSettings settings, std::function<void(CoreSettings&)> adjust) {
    auto core = testCoreSettings(dataDir);
    if (adjust) adjust(core);
    core_ = std::make_unique<Core>(core);
    settings.port = 0;
    settings.accessLog = false;
    settings.insecureCookies = true;
    server_ = std::make_unique<http::HttpServer>(*core_, settings);
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->run(); });
}

TestServer::~TestServer() {
    server_->stop();
    thread_.join();
}

httplib::Client TestServer::client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    return c;
}

namespace {
// execv's argument vector, made before fork: tests fork from several threads
// at once, and a child that allocates after fork can wait forever on a lock
// another thread held at the moment of the fork (a hang seen in the test of
// four CLI processes registering at once). `args` must outlive the result.
std::vector<char*> argvOf(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    return argv;
}
} // namespace

ProcessResult runProcess(const std::vector<std::string>& args, const std::string& input) {
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) throw std::runtime_error("pipe");
    auto argv = argvOf(args);
    pid_t pid = fork();
    if (pid == 0) { // async-signal-safe calls only (see argvOf)
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    ::signal(SIGPIPE, SIG_IGN);
    if (!input.empty()) {
        ssize_t ignored = write(in[1], input.data(), input.size());
        (void)ignored;
    }
    close(in[1]);
    ProcessResult result;
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open = 2;
    char buf[65536];
    while (open > 0) {
        if (poll(fds, 2, -1) < 0) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open;
            } else {
                (i == 0 ? result.out : result.err).append(buf, static_cast<std::size_t>(n));
            }
        }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

ChildServer::ChildServer(const std::string& binary, const std::vector<std::string>& extraArgs, long fileSizeLimit,
    const std::string& stderrFile) {
    int out[2];
    if (pipe2(out, O_CLOEXEC)) throw std::runtime_error("pipe");
    int err = stderrFile.empty() ? open("/dev/null", O_WRONLY | O_CLOEXEC)
                                 : open(stderrFile.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    std::vector<std::string> args = {binary, "serve", "--port", "0"};
    if (stderrFile.empty()) args.push_back("--no-access-log");
    args.insert(args.end(), extraArgs.begin(), extraArgs.end());
    auto argv = argvOf(args);
    pid_ = fork();
    if (pid_ == 0) { // async-signal-safe calls only (see argvOf)
        dup2(out[1], 1);
        dup2(err, 2);
        if (fileSizeLimit > 0) {
            rlimit limit{static_cast<rlim_t>(fileSizeLimit), static_cast<rlim_t>(fileSizeLimit)};
            setrlimit(RLIMIT_FSIZE, &limit);
        }
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(err);
    close(out[1]);
    std::string line;
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n')
        line += c;
    close(out[0]);
    auto colon = line.rfind(':');
    if (line.rfind("listening on http://", 0) != 0 || colon == std::string::npos)
        throw std::runtime_error("server did not start: '" + line + "'");
    port_ = std::stoi(line.substr(colon + 1));
}

int ChildServer::terminate() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void ChildServer::crash() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

bool ChildServer::running() {
    return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0;
}

ChildServer::~ChildServer() {
    terminate();
}

httplib::Client ChildServer::client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    return c;
}

nlohmann::json parseJson(const std::string& body) {
    return nlohmann::json::parse(body);
}

UserRecord sampleUser(const std::string& name) {
    UserRecord u;
    u.id = newObjectId();
    u.username = name;
    u.email = name + "@example.com";
    u.fullName = "Full " + name;
    u.passwordHash = "$2b$04$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234";
    u.createdAtMs = u.updatedAtMs = nowMs();
    return u;
}

SessionRecord sampleSession(const std::string& userId, const std::string& id, std::int64_t expiresAtMs) {
    SessionRecord s;
    s.id = id;
    s.userId = userId;
    s.refreshHash = "hash-" + id;
    s.createdAtMs = s.lastUsedAtMs = nowMs();
    s.expiresAtMs = expiresAtMs;
    s.userAgent = "doctest";
    s.clientAddress = "127.0.0.1";
    return s;
}

void insertUser(Store& store, const UserRecord& user) {
    auto tx = store.beginWrite();
    tx->insertUser(user);
    tx->commit();
}

std::vector<std::string> setCookiesOf(const httplib::Response& res) {
    std::vector<std::string> out;
    for (const auto& [name, value] : res.headers)
        if (name == "Set-Cookie") out.push_back(value);
    return out;
}

int connectLoopback(int port, const std::string& source) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    if (!source.empty()) {
        sockaddr_in local{};
        local.sin_family = AF_INET;
        if (::inet_pton(AF_INET, source.c_str(), &local.sin_addr) != 1 ||
            ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
            ::close(fd);
            throw std::runtime_error("cannot bind to " + source);
        }
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + " failed");
    }
    return fd;
}

long residentKiB(int pid) {
    std::ifstream status(pid ? "/proc/" + std::to_string(pid) + "/status" : std::string("/proc/self/status"));
    std::string key;
    long value = 0;
    while (status >> key)
        if (key == "VmRSS:") {
            status >> value;
            return value;
        }
    return 0;
}

std::size_t RawReply::responses() const {
    std::size_t count = 0;
    for (auto at = bytes.find("HTTP/1.1 "); at != std::string::npos; at = bytes.find("HTTP/1.1 ", at + 1))
        if (at == 0 || bytes[at - 1] == '\n' || bytes[at - 1] == '}') ++count;
    return count;
}

RawReply rawExchange(int port, const std::string& request, int quietMs) {
    int fd = connectLoopback(port);
    for (std::size_t sent = 0; sent < request.size();) {
        ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break; // the server may close early; what it answered is still read
        sent += static_cast<std::size_t>(n);
    }
    RawReply reply;
    char buffer[65536];
    pollfd pfd{fd, POLLIN, 0};
    while (::poll(&pfd, 1, quietMs) > 0) {
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) {
            reply.closedByServer = true;
            break;
        }
        reply.bytes.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return reply;
}

void publishStaged(Core& core, StagedImage& image) {
    SqliteStore store(core.settings().dataDir / "usersvc.db");
    auto tx = store.beginWrite();
    image.publish(*tx);
    tx->commit();
}

std::string freshPostgresDatabase() {
    const char* stateFile = std::getenv("USERSVC_TEST_POSTGRES");
    if (!stateFile) throw std::runtime_error("no PostgreSQL cluster: run this test through CTest (fixture postgres)");
    std::string adminUrl = readFile(stateFile);
    while (!adminUrl.empty() && adminUrl.back() == '\n')
        adminUrl.pop_back();
    static std::atomic<int> counter{0};
    std::string name = "t_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    pqxx::connection admin(adminUrl);
    pqxx::nontransaction(admin).exec("CREATE DATABASE " + name);
    auto at = adminUrl.find("/postgres?");
    if (at == std::string::npos) throw std::runtime_error("unexpected cluster URL " + adminUrl);
    return adminUrl.substr(0, at) + "/" + name + adminUrl.substr(at + std::string("/postgres").size());
}

} // namespace usersvc::test
