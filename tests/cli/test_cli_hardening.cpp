// Faults and concurrency with the real binary: many writers at once, a
// server killed mid-load, a disk that fills up, a secret that is too short.
#include "test_support.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

using namespace usersvc::test;

namespace {
const std::string kBinary = USERSVC_BINARY;

std::vector<std::string> userLines(const std::string& dataDir) {
    auto r = runProcess({kBinary, "export", "--data-dir", dataDir});
    std::vector<std::string> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}
} // namespace

TEST_CASE("four CLI processes and the server register at once: everyone lands, nothing is locked") {
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    ChildServer server(kBinary, {"--data-dir", data, "--bcrypt-cost", "4"});
    constexpr int kEach = 200;
    std::atomic<int> failures{0};
    std::mutex errorsMutex;
    std::string firstError;
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w)
        writers.emplace_back([&, w] {
            for (int i = 0; i < kEach; ++i) {
                std::string name = "cli" + std::to_string(w) + "_" + std::to_string(i);
                auto r = runProcess({kBinary, "register", "--username", name, "--email", name + "@x.io",
                                        "--password-stdin", "--bcrypt-cost", "4", "--data-dir", data, "-q"},
                    "password123\n");
                if (r.exitCode != 0) {
                    ++failures;
                    std::lock_guard lock(errorsMutex);
                    if (firstError.empty()) firstError = r.err;
                }
            }
        });
    writers.emplace_back([&] {
        auto http = server.client();
        for (int i = 0; i < kEach; ++i) {
            std::string name = "web_" + std::to_string(i);
            auto res = http.Post("/api/v1/users/register",
                nlohmann::json{{"username", name}, {"email", name + "@x.io"}, {"password", "password123"}}.dump(),
                "application/json");
            if (!res || res->status != 201) {
                ++failures;
                std::lock_guard lock(errorsMutex);
                if (firstError.empty()) firstError = res ? res->body : "no response";
            }
        }
    });
    for (auto& t : writers)
        t.join();
    CHECK_MESSAGE(failures == 0, firstError);
    CHECK(firstError.find("locked") == std::string::npos);
    auto users = userLines(data);
    CHECK(users.size() == 5 * kEach);
    std::set<std::string> names;
    for (const auto& line : users)
        names.insert(parseJson(line)["username"].get<std::string>());
    CHECK(names.size() == users.size());
}

TEST_CASE("kill -9 mid-registration: the store is intact and every acknowledged user exists") {
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    std::set<std::string> acknowledged;
    std::mutex ackMutex;
    {
        ChildServer server(kBinary, {"--data-dir", data, "--bcrypt-cost", "4"});
        std::atomic<bool> go{true};
        std::vector<std::thread> clients;
        for (int c = 0; c < 4; ++c)
            clients.emplace_back([&, c] {
                auto http = server.client();
                for (int i = 0; go; ++i) {
                    std::string name = "crash" + std::to_string(c) + "_" + std::to_string(i);
                    // Unique images, so each registration writes a new file.
                    std::string avatar = pngBytes() + name;
                    httplib::MultipartFormDataItems parts = {{"username", name, "", ""},
                        {"email", name + "@x.io", "", ""}, {"password", "password123", "", ""},
                        {"Avatar", avatar, "a.png", "image/png"},
                        {"CoverImg", std::string(200000, 'c').insert(0, pngBytes()), "c.png", "image/png"}};
                    auto res = http.Post("/api/v1/users/register", parts);
                    if (res && res->status == 201) {
                        std::lock_guard lock(ackMutex);
                        acknowledged.insert(name);
                    }
                }
            });
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        server.crash();
        go = false;
        for (auto& t : clients)
            t.join();
    }
    REQUIRE(acknowledged.size() > 10);
    auto integrity = runProcess({"/usr/bin/sqlite3", data + "/usersvc.db", "PRAGMA integrity_check"});
    CHECK(integrity.out == "ok\n");

    ChildServer restarted(kBinary, {"--data-dir", data, "--bcrypt-cost", "4"});
    std::set<std::string> stored;
    for (const auto& line : userLines(data)) {
        auto user = parseJson(line);
        stored.insert(user["username"].get<std::string>());
        for (const char* image : {"Avatar", "CoverImg"}) {
            std::string url = user[image];
            REQUIRE(url.find("/media/") != std::string::npos);
            CHECK_MESSAGE(std::filesystem::exists(dir.path() / "data" / "media" / url.substr(url.find("/media/") + 7)),
                "missing file for " << user["username"]);
        }
    }
    for (const auto& name : acknowledged)
        CHECK_MESSAGE(stored.count(name) == 1, name << " was acknowledged but is gone");
    for (const auto& entry : std::filesystem::directory_iterator(dir.path() / "data" / "media"))
        CHECK_MESSAGE(entry.path().filename().string().rfind(".upload-", 0) != 0, "temp left: " << entry.path());
    CHECK(restarted.client().Get("/api/v1/healthcheck")->status == 200);
}

TEST_CASE("a full disk gives a clear 500, no crash and no partial user") {
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    // Create the store first, then allow the server only a little more room.
    REQUIRE(runProcess({kBinary, "list-users", "--data-dir", data}).exitCode == 0);
    ChildServer server(kBinary, {"--data-dir", data, "--bcrypt-cost", "4"}, 160 * 1024);
    auto http = server.client();
    int created = 0, failed = 0;
    for (int i = 0; i < 200 && failed < 3; ++i) {
        std::string name = "fill_" + std::to_string(i);
        auto res = http.Post("/api/v1/users/register",
            nlohmann::json{{"username", name}, {"email", name + "@x.io"}, {"password", "password123"},
                {"fullName", std::string(90, 'f')}}
                .dump(),
            "application/json");
        REQUIRE(res);
        if (res->status == 201) {
            ++created;
            continue;
        }
        ++failed;
        CHECK(res->status >= 500);
        auto body = parseJson(res->body);
        CHECK(body["success"] == false);
        CHECK(res->body.find("SQLITE") == std::string::npos); // no internals in the envelope
        CHECK(res->body.find("disk") == std::string::npos);
    }
    CHECK(failed > 0);
    CHECK(server.running());
    CHECK(http.Get("/api/v1/healthcheck")->status == 200);
    CHECK(server.terminate() == 0);
    CHECK(userLines(data).size() == static_cast<std::size_t>(created));
    CHECK(runProcess({"/usr/bin/sqlite3", data + "/usersvc.db", "PRAGMA integrity_check"}).out == "ok\n");
}

TEST_CASE("a signing secret shorter than 32 bytes is refused at start") {
    TempDir dir;
    auto r = runProcess(
        {kBinary, "serve", "--port", "0", "--jwt-secret", "too-short", "--data-dir", (dir.path() / "data").string()});
    CHECK(r.exitCode == 2);
    CHECK(r.err.find("at least 32 bytes") != std::string::npos);
    CHECK(r.out.find("listening") == std::string::npos);
}

TEST_CASE("--cookie-samesite none sets SameSite=None with Secure, and is refused with --insecure-cookies") {
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    REQUIRE(runProcess({kBinary, "register", "--username", "site", "--email", "site@x.io", "--password-stdin",
                           "--bcrypt-cost", "4", "--data-dir", data},
                "password123\n")
                .exitCode == 0);
    {
        ChildServer server(kBinary, {"--data-dir", data, "--cookie-samesite", "none"});
        auto client = server.client();
        auto res =
            client.Post("/api/v1/users/login", R"({"username":"site","password":"password123"})", "application/json");
        REQUIRE(res);
        REQUIRE(res->status == 200);
        auto cookies = setCookiesOf(*res);
        CHECK(cookies.size() == 2);
        for (const auto& c : cookies)
            CHECK(c.find("; SameSite=None; Secure") != std::string::npos);
    }
    auto r = runProcess(
        {kBinary, "serve", "--port", "0", "--cookie-samesite", "none", "--insecure-cookies", "--data-dir", data});
    CHECK(r.exitCode == 2);
    CHECK(r.err.find("--cookie-samesite none needs Secure cookies") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.out.find("listening") == std::string::npos);
    auto unknown = runProcess({kBinary, "serve", "--port", "0", "--cookie-samesite", "sometimes", "--data-dir", data});
    CHECK(unknown.exitCode == 2);
    CHECK(unknown.err.find("--cookie-samesite") != std::string::npos);
}

TEST_CASE("the data directory is 0700 and its files 0600") {
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    REQUIRE(runProcess({kBinary, "register", "--username", "perm", "--email", "perm@x.io", "--password-stdin",
                           "--bcrypt-cost", "4", "--data-dir", data},
                "password123\n")
                .exitCode == 0);
    namespace fs = std::filesystem;
    auto mode = [](const fs::path& p) { return fs::status(p).permissions() & fs::perms::all; };
    CHECK(mode(data) == fs::perms::owner_all);
    CHECK(mode(dir.path() / "data" / "media") == fs::perms::owner_all);
    for (const char* file : {"usersvc.db", "secret"})
        CHECK(mode(dir.path() / "data" / file) == (fs::perms::owner_read | fs::perms::owner_write));

    // serve creates the directory too (for its lock, before the store): 0700
    // as well, with the parents it had to make (issue 12, finding 10).
    auto nested = dir.path() / "new" / "nested";
    {
        ChildServer server(kBinary, {"--data-dir", nested.string()});
        CHECK(server.running());
    }
    CHECK(mode(nested) == fs::perms::owner_all);
    CHECK(mode(dir.path() / "new") == fs::perms::owner_all);
}

TEST_CASE("control characters in a User-Agent are escaped in the sessions listing") {
    // Issue 12, finding 10: escapes a client sent reached the operator's terminal.
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    REQUIRE(runProcess({kBinary, "register", "--username", "esc", "--email", "esc@x.io", "--password-stdin",
                           "--bcrypt-cost", "4", "--data-dir", data},
                "password123\n")
                .exitCode == 0);
    {
        ChildServer server(kBinary, {"--data-dir", data, "--bcrypt-cost", "4"});
        auto client = server.client();
        auto res = client.Post("/api/v1/users/login", {{"User-Agent", "evil\x1b[2J\x07 agent"}},
            R"({"username":"esc","password":"password123"})", "application/json");
        REQUIRE(res);
        REQUIRE(res->status == 200);
    }
    auto shown = runProcess({kBinary, "sessions", "esc", "--data-dir", data});
    REQUIRE(shown.exitCode == 0);
    CHECK(shown.out.find('\x1b') == std::string::npos);
    CHECK(shown.out.find('\x07') == std::string::npos);
    CHECK(shown.out.find("evil\\x1b[2J\\x07 agent") != std::string::npos);
}

TEST_CASE("malformed UTF-8 in CLI arguments and on stdin is exit 2 with one line, and stores nothing") {
    // Issue 12, finding 4: an overlong form or a surrogate in --full-name was stored.
    TempDir dir;
    std::string data = dir.path().string();
    for (std::string bad : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80"}) {
        auto name = runProcess({kBinary, "register", "--data-dir", data, "--bcrypt-cost", "4", "--username", "utf_a",
                                   "--email", "a@x.io", "--full-name", "Ann " + bad, "--password-stdin"},
            "password123\n");
        CHECK(name.exitCode == 2);
        CHECK(name.err.find("fullName") != std::string::npos);
        CHECK(std::count(name.err.begin(), name.err.end(), '\n') == 1);
        auto password = runProcess({kBinary, "register", "--data-dir", data, "--bcrypt-cost", "4", "--username",
                                       "utf_b", "--email", "b@x.io", "--password-stdin"},
            "password" + bad + "\n");
        CHECK(password.exitCode == 2);
    }
    CHECK(userLines(data).empty());
}

TEST_CASE("--trusted-proxy takes addresses and CIDR blocks, and anything else is refused at start") {
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    for (std::string bad : {"10.0.0.0/33", "::1/129", "proxy.local", "10.0.0.0/", "10.0.0.0/8x"}) {
        CAPTURE(bad);
        auto r = runProcess({kBinary, "serve", "--port", "0", "--trusted-proxy", bad, "--data-dir", data});
        CHECK(r.exitCode == 2);
        CHECK(r.err.find("--trusted-proxy") != std::string::npos);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        CHECK(r.out.find("listening") == std::string::npos);
    }
    ChildServer ok(
        kBinary, {"--data-dir", data, "--trusted-proxy", "127.0.0.1,10.0.0.0/8", "--trusted-proxy", "fd00::/8"});
    CHECK(ok.client().Get("/api/v1/healthcheck")->status == 200);
}

TEST_CASE("serve warns when it listens beyond loopback without --trusted-proxy") {
    // Issue 12, the front door: an exposed usersvc belongs behind a reverse proxy.
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    auto exposed = runProcess({"/usr/bin/timeout", "-s", "TERM", "3", kBinary, "serve", "--host", "0.0.0.0", "--port",
        "0", "--data-dir", data});
    CHECK(exposed.out.find("listening on http://0.0.0.0:") != std::string::npos);
    CHECK(exposed.err.find("without --trusted-proxy") != std::string::npos);
    auto proxied = runProcess({"/usr/bin/timeout", "-s", "TERM", "3", kBinary, "serve", "--host", "0.0.0.0", "--port",
        "0", "--trusted-proxy", "127.0.0.1", "--data-dir", data});
    CHECK(proxied.out.find("listening on") != std::string::npos);
    CHECK(proxied.err.find("without --trusted-proxy") == std::string::npos);
    auto local =
        runProcess({"/usr/bin/timeout", "-s", "TERM", "3", kBinary, "serve", "--port", "0", "--data-dir", data});
    CHECK(local.err.find("without --trusted-proxy") == std::string::npos);
}

TEST_CASE("serve deletes revoked and expired sessions when it starts") {
    // Issue 12, finding 7: every session ever opened stayed in the store.
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    REQUIRE(runProcess({kBinary, "register", "--data-dir", data, "--bcrypt-cost", "4", "--username", "purge", "--email",
                           "purge@x.io", "--password-stdin"},
                "password123\n")
                .exitCode == 0);
    for (int i = 0; i < 3; ++i)
        REQUIRE(runProcess({kBinary, "login", "--data-dir", data, "--username", "purge", "--password-stdin", "-q"},
                    "password123\n")
                    .exitCode == 0);
    REQUIRE(runProcess({kBinary, "logout", "--data-dir", data, "--user", "purge", "--all"}).exitCode == 0);
    REQUIRE(runProcess({kBinary, "login", "--data-dir", data, "--username", "purge", "--password-stdin", "-q"},
                "password123\n")
                .exitCode == 0);
    auto rows = [&] {
        SQLite::Database db(data + "/usersvc.db");
        return db.execAndGet("SELECT count(*) FROM sessions").getInt();
    };
    CHECK(rows() == 4);
    {
        ChildServer server(kBinary, {"--data-dir", data});
        CHECK(server.client().Get("/api/v1/healthcheck")->status == 200);
    }
    CHECK(rows() == 1); // the open one stays
}

TEST_CASE("a secret file that others may read, a symlink or a directory is refused with what to do") {
    // Issue 12, finding 10: the secret file's mode and type were not checked.
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    auto secret = dir.path() / "jwt.secret";
    writeFile(secret, std::string(48, 'k') + "\n");
    auto listWith = [&](const std::vector<std::string>& extra) {
        std::vector<std::string> args = {kBinary, "list-users", "--data-dir", data, "-q"};
        args.insert(args.end(), extra.begin(), extra.end());
        return runProcess(args);
    };
    std::filesystem::permissions(secret, std::filesystem::perms(0644));
    auto readable = listWith({"--jwt-secret-file", secret.string()});
    CHECK(readable.exitCode == 2);
    CHECK(readable.err.find("mode 0644); run chmod 600") != std::string::npos);
    std::filesystem::permissions(secret, std::filesystem::perms(0600));
    CHECK(listWith({"--jwt-secret-file", secret.string()}).exitCode == 0);
    std::filesystem::create_symlink(secret, dir.path() / "link");
    auto link = listWith({"--jwt-secret-file", (dir.path() / "link").string()});
    CHECK(link.exitCode == 2);
    CHECK(link.err.find("symbolic link") != std::string::npos);
    auto directory = listWith({"--jwt-secret-file", dir.path().string()});
    CHECK(directory.exitCode == 2);
    CHECK(directory.err.find("not a regular file") != std::string::npos);
    // The data directory's own secret is held to the same rules.
    REQUIRE(listWith({}).exitCode == 0);
    std::filesystem::permissions(std::filesystem::path(data) / "secret", std::filesystem::perms(0640));
    auto own = listWith({});
    CHECK(own.exitCode == 2);
    CHECK(own.err.find("chmod 600") != std::string::npos);
    CHECK(std::count(own.err.begin(), own.err.end(), '\n') == 1);
}

TEST_CASE("--jwt-secret on the command line warns that ps shows it, the environment and a file do not") {
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    const std::string value(40, 's');
    auto flag = runProcess({kBinary, "list-users", "--data-dir", data, "--jwt-secret", value});
    CHECK(flag.exitCode == 0);
    CHECK(flag.err.find("visible to every local user in ps") != std::string::npos);
    CHECK(flag.err.find(value) == std::string::npos);
    auto env = runProcess({"/usr/bin/env", "USERSVC_JWT_SECRET=" + value, kBinary, "list-users", "--data-dir", data});
    CHECK(env.exitCode == 0);
    CHECK(env.err.find("ps") == std::string::npos);
}

TEST_CASE("serve removes image files no user refers to when it starts") {
    // Issue 12, finding 10: an image replaced just before a kill -9 was never deleted.
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    auto avatar = dir.path() / "avatar.png";
    writeFile(avatar, pngBytes());
    REQUIRE(runProcess({kBinary, "register", "--data-dir", data, "--bcrypt-cost", "4", "--username", "pictured",
                           "--email", "pictured@x.io", "--avatar", avatar.string(), "--password-stdin"},
                "password123\n")
                .exitCode == 0);
    auto media = std::filesystem::path(data) / "media";
    REQUIRE(countFiles(media) == 1);
    // What a replaced avatar leaves when the process dies before releasing it.
    std::string stray = "ab/ab" + std::string(62, '0') + ".png";
    std::filesystem::create_directories(media / "ab");
    writeFile(media / stray, pngBytes() + "old");
    {
        ChildServer server(kBinary, {"--data-dir", data});
        CHECK(server.client().Get("/media/" + stray)->status == 404);
    }
    CHECK(countFiles(media) == 1);
    auto listed = runProcess({kBinary, "show-user", "pictured", "--data-dir", data, "--json"});
    std::string reference = parseJson(listed.out)["Avatar"].get<std::string>();
    CHECK(std::filesystem::exists(media / reference.substr(reference.find("/media/") + 7)));
}

TEST_CASE("serve refuses a damaged store at start with one line saying what to do") {
    // Issue 12, finding 10: a partly corrupt database was served as healthy.
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    for (int i = 0; i < 40; ++i)
        REQUIRE(runProcess({kBinary, "register", "--data-dir", data, "--bcrypt-cost", "4", "--username",
                               "user" + std::to_string(i), "--email", "user" + std::to_string(i) + "@x.io",
                               "--full-name", std::string(90, 'n'), "--password-stdin", "-q"},
                    "password123\n")
                    .exitCode == 0);
    auto file = std::filesystem::path(data) / "usersvc.db";
    std::string bytes = readFile(file);
    REQUIRE(bytes.size() > 6 * 4096);
    // Pages 3 and 4 (b-tree pages of the tables) overwritten; the header and
    // the schema on page 1 stay readable, as after a torn write.
    for (std::size_t at = 2 * 4096; at < 4 * 4096; ++at)
        bytes[at] = static_cast<char>(0xA5);
    writeFile(file, bytes);
    auto r = runProcess({kBinary, "serve", "--port", "0", "--data-dir", data});
    CHECK(r.exitCode != 0);
    CHECK(r.out.find("listening") == std::string::npos);
    CHECK(r.err.find("the store is damaged") != std::string::npos);
    CHECK(r.err.find("usersvc restore") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("an empty store file is refused, not served as a healthy empty store") {
    // Issue 21: a 0-byte usersvc.db (a truncated copy, a restore that ran out
    // of disk) was opened as a new database and the healthcheck said ok.
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    std::filesystem::create_directories(data);
    writeFile(std::filesystem::path(data) / "usersvc.db", "");
    for (const std::vector<std::string>& command :
        {std::vector<std::string>{"serve", "--port", "0"}, std::vector<std::string>{"list-users"}}) {
        std::vector<std::string> argv = {kBinary};
        argv.insert(argv.end(), command.begin(), command.end());
        argv.insert(argv.end(), {"--data-dir", data});
        auto r = runProcess(argv);
        CAPTURE(command[0]);
        CHECK(r.exitCode == 1);
        CHECK(r.out.find("listening") == std::string::npos);
        CHECK(r.err.find("is an empty file (0 bytes)") != std::string::npos);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }
    CHECK(std::filesystem::file_size(std::filesystem::path(data) / "usersvc.db") == 0); // left as found
}

TEST_CASE("import of a directory, of nested arrays or of a deeply nested record is exit 2 and stores nothing") {
    // Issue 21: each of these was "imported 0" with exit 0.
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    auto directory = dir.path() / "a-directory";
    std::filesystem::create_directories(directory);
    auto arrays = dir.path() / "arrays.json";
    writeFile(arrays, std::string(10000, '[') + std::string(10000, ']') + "\n");
    auto deep = dir.path() / "deep.jsonl";
    std::string record = R"({"username":"deep","email":"deep@x.io","password":"password123","x":)";
    writeFile(deep, record + std::string(5000, '[') + std::string(5000, ']') + "}\n");
    struct Case {
        std::filesystem::path file;
        std::string says;
    };
    for (const auto& c : std::vector<Case>{{directory, "is a directory"}, {arrays, "nested deeper than 32 levels"},
             {deep, "nested deeper than 32 levels"}}) {
        CAPTURE(c.file);
        auto r = runProcess({kBinary, "import", c.file.string(), "--data-dir", data, "--bcrypt-cost", "4"});
        CHECK(r.exitCode == 2);
        CHECK(r.err.find(c.says) != std::string::npos);
    }
    CHECK(userLines(data).empty());
}
