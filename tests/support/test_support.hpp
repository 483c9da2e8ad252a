#pragma once
// Real parts for tests: temp directories, small real images, an in-process
// server on port 0 with a real HTTP client, and child processes of the binary.
#include "http_server.hpp"
#include "services/core.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace usersvc::test {

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// Tiny but well-formed images (PNG is a real 1x1 image).
std::string pngBytes();
std::string jpegBytes();
std::string gifBytes();
std::string webpBytes();
void writeFile(const std::filesystem::path& file, const std::string& bytes);
std::string readFile(const std::filesystem::path& file);

// bcrypt cost 4 so tests stay fast; everything else as shipped.
CoreSettings testCoreSettings(const std::filesystem::path& dataDir);

// Files under `dir` (recursively), to show that a failure left nothing behind.
std::size_t countFiles(const std::filesystem::path& dir);

// The real HttpServer bound to 127.0.0.1:0, serving on a background thread.
class TestServer {
public:
    explicit TestServer(const std::filesystem::path& dataDir, http::ServerSettings settings = {},
        std::function<void(CoreSettings&)> adjust = {});
    ~TestServer();
    int port() const { return port_; }
    std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }
    httplib::Client client() const;
    Core& core() { return *core_; }

private:
    std::unique_ptr<Core> core_;
    std::unique_ptr<http::HttpServer> server_;
    std::thread thread_;
    int port_ = 0;
};

// Publishes a finished staged image of `core`'s media directory (a SQLite data
// directory) inside a write transaction of its store, as the services do.
void publishStaged(Core& core, StagedImage& image);

struct ProcessResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};

// Runs `args` (args[0] is the program), feeds `input` on stdin, waits.
ProcessResult runProcess(const std::vector<std::string>& args, const std::string& input = "");

// `usersvc serve --port 0` as a child process; killed (SIGTERM) on destruction.
class ChildServer {
public:
    // `fileSizeLimit` > 0 sets RLIMIT_FSIZE in the child: a disk that fills up.
    // With `stderrFile`, the access log is on and stderr goes to that file.
    ChildServer(const std::string& binary, const std::vector<std::string>& extraArgs, long fileSizeLimit = 0,
        const std::string& stderrFile = "");
    ~ChildServer();
    int port() const { return port_; }
    int pid() const { return pid_; }
    httplib::Client client() const;
    // Sends SIGTERM and returns the exit status.
    int terminate();
    // SIGKILL: a crash, no cleanup.
    void crash();
    bool running();

private:
    int pid_ = -1;
    int port_ = 0;
};

nlohmann::json parseJson(const std::string& body);

// A plain TCP connection to 127.0.0.1:port (the fd), for bytes no HTTP client
// sends; from `source` (another 127.x address: another client) when given.
int connectLoopback(int port, const std::string& source = "");

// Resident memory of process `pid` (0: this one) in KiB, from /proc.
long residentKiB(int pid = 0);

// What came back on a raw connection: every byte until the server closed it or
// `quietMs` passed without any, and which of the two happened.
struct RawReply {
    std::string bytes;
    bool closedByServer = false;
    // The number of HTTP responses in `bytes` (status lines).
    std::size_t responses() const;
};
RawReply rawExchange(int port, const std::string& request, int quietMs = 1000);

// Store fixtures: a user named `name` (email name@example.com, a cost-4-shaped
// hash) and a session of `userId`, and a user inserted in its own transaction.
UserRecord sampleUser(const std::string& name);
SessionRecord sampleSession(const std::string& userId, const std::string& id, std::int64_t expiresAtMs);
void insertUser(Store& store, const UserRecord& user);

// A database of its own in this test run's PostgreSQL cluster, as a connection
// URL. The cluster is started once per run by the CTest fixture "postgres"
// (tests/support/postgres-cluster), whose URL file USERSVC_TEST_POSTGRES names;
// throws when the run has none.
std::string freshPostgresDatabase();

// The values of every Set-Cookie header of a response, in order.
std::vector<std::string> setCookiesOf(const httplib::Response& res);

} // namespace usersvc::test
