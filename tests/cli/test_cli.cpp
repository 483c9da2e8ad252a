// The built binary, run as a user would run it: output, exit codes, and the
// CLI and a running server seeing each other's writes.
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

using namespace usersvc::test;

namespace {
const std::string kBinary = USERSVC_BINARY;

class Cli {
public:
    explicit Cli(const TempDir& dir) : dataDir_((dir.path() / "data").string()) {}
    ProcessResult run(std::vector<std::string> args, const std::string& input = "") const {
        std::vector<std::string> argv = {kBinary};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.insert(argv.end(), {"--data-dir", dataDir_, "--bcrypt-cost", "4"});
        return runProcess(argv, input);
    }
    const std::string& dataDir() const { return dataDir_; }

private:
    std::string dataDir_;
};

void expectOneErrorLine(const ProcessResult& r) {
    CHECK_FALSE(r.err.empty());
    CHECK(r.err.find('\n') == r.err.size() - 1);
}
} // namespace

TEST_CASE("register prints the user, --json, --quiet and exit codes follow CLI.md") {
    TempDir dir;
    Cli cli(dir);
    auto ok = cli.run({"register", "--username", "John_Doe", "--email", "john@email.com", "--full-name", "John Doe",
                          "--password-stdin"},
        "password123\n");
    CHECK(ok.exitCode == 0);
    CHECK(ok.out.find("john_doe") != std::string::npos);
    CHECK(ok.out.find("password123") == std::string::npos);
    CHECK(ok.err.empty());

    auto json = cli.run(
        {"register", "--username", "jane", "--email", "jane@email.com", "--password-stdin", "--json"}, "password123\n");
    REQUIRE(json.exitCode == 0);
    auto user = parseJson(json.out);
    CHECK(user["username"] == "jane");
    CHECK(user["_id"].get<std::string>().size() == 24);
    CHECK_FALSE(user.contains("password"));

    auto quiet = cli.run(
        {"register", "--username", "quiet", "--email", "q@email.com", "--password-stdin", "-q"}, "password123\n");
    CHECK(quiet.exitCode == 0);
    CHECK(quiet.out.size() == 25); // the _id and a newline

    SUBCASE("taken username, any case: 3") {
        auto r = cli.run(
            {"register", "--username", "JOHN_DOE", "--email", "x@email.com", "--password-stdin"}, "password123\n");
        CHECK(r.exitCode == 3);
        CHECK(r.err.find("username") != std::string::npos);
        expectOneErrorLine(r);
    }
    SUBCASE("invalid email: 2") {
        auto r = cli.run({"register", "--username", "bob", "--email", "bob@", "--password-stdin"}, "password123\n");
        CHECK(r.exitCode == 2);
        CHECK(r.err.find("email") != std::string::npos);
        expectOneErrorLine(r);
    }
    SUBCASE("short password: 2, and the password is not echoed") {
        auto r = cli.run({"register", "--username", "bob", "--email", "bob@x.io", "--password-stdin"}, "1234567\n");
        CHECK(r.exitCode == 2);
        CHECK(r.err.find("8 to 72") != std::string::npos);
        CHECK(r.err.find("1234567") == std::string::npos);
    }
    SUBCASE("unknown flag: 2") {
        auto r = cli.run({"register", "--bogus"});
        CHECK(r.exitCode == 2);
        expectOneErrorLine(r);
    }
    SUBCASE("--password warns about shell history") {
        auto r = cli.run({"register", "--username", "bob", "--email", "bob@x.io", "--password", "password123"});
        CHECK(r.exitCode == 0);
        CHECK(r.err.find("shell history") != std::string::npos);
    }
}

TEST_CASE("register with images stores them, a bad image is refused and leaves nothing") {
    TempDir dir;
    Cli cli(dir);
    writeFile(dir.path() / "avatar.png", pngBytes());
    writeFile(dir.path() / "fake.png", "not an image at all");
    auto bad = cli.run({"register", "--username", "pics", "--email", "pics@x.io", "--avatar",
                           (dir.path() / "fake.png").string(), "--password-stdin"},
        "password123\n");
    CHECK(bad.exitCode == 2);
    CHECK(bad.err.find("Avatar") != std::string::npos);
    CHECK(countFiles(dir.path() / "data" / "media") == 0);
    auto missing = cli.run({"register", "--username", "pics", "--email", "pics@x.io", "--cover",
                               (dir.path() / "nope.jpg").string(), "--password-stdin"},
        "password123\n");
    CHECK(missing.exitCode == 2);
    auto list = cli.run({"list-users", "--json"});
    CHECK(list.out.empty());

    auto good = cli.run({"register", "--username", "pics", "--email", "pics@x.io", "--avatar",
                            (dir.path() / "avatar.png").string(), "--password-stdin", "--json"},
        "password123\n");
    REQUIRE(good.exitCode == 0);
    CHECK(parseJson(good.out)["Avatar"].get<std::string>().ends_with(".png"));
    CHECK(countFiles(dir.path() / "data" / "media") == 1);
}

TEST_CASE("login, logout and list-users from the shell") {
    TempDir dir;
    Cli cli(dir);
    REQUIRE(cli.run({"register", "--username", "alice", "--email", "alice@x.io", "--password-stdin"}, "password123\n")
                .exitCode == 0);
    auto login = cli.run({"login", "--identifier", "ALICE@x.io", "--password-stdin", "--json"}, "password123\n");
    REQUIRE(login.exitCode == 0);
    auto session = parseJson(login.out);
    CHECK(session["user"]["username"] == "alice");
    CHECK_FALSE(session["AccessToken"].get<std::string>().empty());
    CHECK_FALSE(session["RefreshToken"].get<std::string>().empty());

    auto wrong = cli.run({"login", "--username", "alice", "--password-stdin"}, "password124\n");
    CHECK(wrong.exitCode == 4);
    CHECK(wrong.err.find("Invalid credentials") != std::string::npos);
    CHECK(cli.run({"login", "--username", "nobody", "--password-stdin"}, "password123\n").exitCode == 4);
    CHECK(cli.run({"login", "--password-stdin"}, "password123\n").exitCode == 2);

    auto table = cli.run({"list-users"});
    CHECK(table.exitCode == 0);
    CHECK(table.out.find("alice@x.io") != std::string::npos);
    auto lines = cli.run({"list-users", "--json"});
    auto row = parseJson(lines.out.substr(0, lines.out.find('\n')));
    CHECK(row["openSessions"] == 1);

    auto out = cli.run({"logout", "--refresh-token", session["RefreshToken"]});
    CHECK(out.exitCode == 0);
    CHECK(cli.run({"logout", "--refresh-token", session["RefreshToken"]}).exitCode == 5);
    CHECK(cli.run({"logout", "--access-token", "forged.token.here"}).exitCode == 4);
    CHECK(cli.run({"logout", "--user", "nobody", "--all"}).exitCode == 5);
    CHECK(cli.run({"logout", "--user", "alice"}).exitCode == 2);
    auto all = cli.run({"logout", "--user", "alice", "--all", "--json"});
    CHECK(all.exitCode == 0);
    CHECK(parseJson(all.out)["revoked"] == 0);
}

TEST_CASE("logout --session revokes the one session usersvc sessions lists by that id") {
    TempDir dir;
    Cli cli(dir);
    REQUIRE(cli.run({"register", "--username", "bea", "--email", "bea@x.io", "--password-stdin"}, "password123\n")
                .exitCode == 0);
    for (int i = 0; i < 2; ++i)
        REQUIRE(cli.run({"login", "--username", "bea", "--password-stdin"}, "password123\n").exitCode == 0);
    auto listed = cli.run({"sessions", "bea", "--json"});
    REQUIRE(listed.exitCode == 0);
    std::vector<std::string> ids;
    std::istringstream lines(listed.out);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) ids.push_back(parseJson(line)["sessionId"]);
    REQUIRE(ids.size() == 2);
    auto out = cli.run({"logout", "--session", ids[0], "--json"});
    CHECK(out.exitCode == 0);
    CHECK(parseJson(out.out)["revoked"] == 1);
    auto again = cli.run({"logout", "--session", ids[0]});
    CHECK(again.exitCode == 5);
    CHECK(again.err.find("No such open session") != std::string::npos);
    CHECK(cli.run({"logout", "--session", "unknown"}).exitCode == 5);
    CHECK(cli.run({"logout", "--session", ids[1], "--user", "bea"}).exitCode == 2); // one or the other
    auto left = cli.run({"sessions", "bea", "-q"});
    CHECK(left.out.find(ids[0]) == std::string::npos);
    CHECK(left.out.find(ids[1]) != std::string::npos);
}

TEST_CASE("update-user changes a profile and its images, and token opens a session the server accepts") {
    TempDir dir;
    Cli cli(dir);
    REQUIRE(cli.run({"register", "--username", "cal", "--email", "cal@x.io", "--password-stdin"}, "password123\n")
                .exitCode == 0);
    writeFile(dir.path() / "me.png", pngBytes());
    auto updated =
        cli.run({"update-user", "cal", "--full-name", "Cal Q", "--avatar", (dir.path() / "me.png").string(), "--json"});
    REQUIRE(updated.exitCode == 0);
    auto user = parseJson(updated.out);
    CHECK(user["fullName"] == "Cal Q");
    CHECK(user["Avatar"].get<std::string>().find("/media/") != std::string::npos);
    CHECK(cli.run({"update-user", "cal"}).exitCode == 2);
    CHECK(cli.run({"update-user", "nobody", "--full-name", "x"}).exitCode == 5);
    CHECK(cli.run({"register", "--username", "dot", "--email", "dot@x.io", "--password-stdin"}, "password123\n")
              .exitCode == 0);
    CHECK(cli.run({"update-user", "cal", "--username", "dot"}).exitCode == 3);

    auto token = cli.run({"token", "cal", "-q"});
    REQUIRE(token.exitCode == 0);
    std::string access = token.out.substr(0, token.out.find('\n'));
    ChildServer server(kBinary, {"--data-dir", cli.dataDir()});
    auto client = server.client();
    auto me = client.Get("/api/v1/users/getUser", {{"Authorization", "Bearer " + access}});
    REQUIRE(me);
    CHECK(me->status == 200);
    CHECK(cli.run({"sessions", "cal", "--json"}).out.find("usersvc token") != std::string::npos);
}

TEST_CASE("activity and unlock ask a running server for its lockouts and lift one") {
    TempDir dir;
    Cli cli(dir);
    const std::string token = "cli-console-token-0123456789abcdef0123";
    REQUIRE(cli.run({"register", "--username", "lou", "--email", "lou@x.io", "--password-stdin"}, "password123\n")
                .exitCode == 0);
    ChildServer server(kBinary, {"--data-dir", cli.dataDir(), "--bcrypt-cost", "4", "--console-token", token});
    auto client = server.client();
    auto login = [&](const std::string& password) {
        return client
            .Post("/api/v1/users/login", nlohmann::json{{"username", "lou"}, {"password", password}}.dump(),
                "application/json")
            ->status;
    };
    for (int i = 0; i < 10; ++i)
        login("wrong-" + std::to_string(i));
    CHECK(login("password123") == 429);
    std::string base = "http://127.0.0.1:" + std::to_string(server.port());
    auto activity = cli.run({"activity", "--server", base, "--console-token", token, "--json"});
    REQUIRE(activity.exitCode == 0);
    auto data = parseJson(activity.out);
    std::string key;
    for (const auto& l : data["lockouts"])
        if (l.contains("user") && l["user"]["username"] == "lou") key = l["key"];
    REQUIRE_FALSE(key.empty());
    CHECK(activity.out.find(token) == std::string::npos);
    CHECK(cli.run({"unlock", key, "--server", base, "--console-token", token}).exitCode == 0);
    CHECK(login("password123") == 200);
    CHECK(cli.run({"unlock", key, "--server", base, "--console-token", token}).exitCode == 5); // not locked any more
    CHECK(cli.run({"activity", "--server", base, "--console-token", "wrong-token"}).exitCode == 4);
    // A console token anyone could guess is refused before serve starts.
    auto weak = cli.run({"serve", "--port", "0", "--console-token", "short"});
    CHECK(weak.exitCode == 2);
    CHECK(weak.err.find("at least 32 characters") != std::string::npos);
    CHECK(weak.out.find("listening") == std::string::npos);
    auto missing = runProcess({"/usr/bin/env", "-u", "USERSVC_CONSOLE_TOKEN", kBinary, "activity", "--server", base});
    CHECK(missing.exitCode == 2);
    CHECK(missing.err.find("console token") != std::string::npos);
}

TEST_CASE("list-users pages with --limit and --after and filters with --search") {
    TempDir dir;
    Cli cli(dir);
    for (const char* name : {"ann", "ben", "cat"})
        REQUIRE(cli.run({"register", "--username", name, "--email", std::string(name) + "@x.io", "--password-stdin"},
                       "password123\n")
                    .exitCode == 0);
    auto ids = cli.run({"list-users", "-q"});
    REQUIRE(ids.exitCode == 0);
    std::vector<std::string> all;
    for (std::size_t at = 0; at < ids.out.size(); at = ids.out.find('\n', at) + 1)
        all.push_back(ids.out.substr(at, 24));
    REQUIRE(all.size() == 3);
    auto page = cli.run({"list-users", "-q", "--after", all[0], "--limit", "1"});
    CHECK(page.out == all[1] + "\n");
    auto search = cli.run({"list-users", "--json", "--search", "CAT"});
    CHECK(parseJson(search.out)["username"] == "cat");
}

TEST_CASE(".env and the Express backend's variable names are honoured") {
    TempDir dir;
    std::string envFile = (dir.path() / "custom.env").string();
    writeFile(envFile, "# team settings\nUSERSVC_DATA_DIR=" + (dir.path() / "from-env-file").string() +
                           "\nACCESS_TOKEN_EXPIRY=1h\nMONGODB_URI=mongodb://localhost/x\n");
    auto r = runProcess({kBinary, "--env-file", envFile, "register", "--username", "envy", "--email", "envy@x.io",
                            "--bcrypt-cost", "4", "--password-stdin"},
        "password123\n");
    CHECK(r.exitCode == 0);
    CHECK(r.err.find("ignoring MONGODB_URI") != std::string::npos);
    CHECK(std::filesystem::exists(dir.path() / "from-env-file" / "usersvc.db"));
    auto login = runProcess({kBinary, "--env-file", envFile, "login", "--username", "envy", "--password-stdin",
                                "--json", "--bcrypt-cost", "4"},
        "password123\n");
    REQUIRE(login.exitCode == 0);
    // ACCESS_TOKEN_EXPIRY=1h: exp - iat == 3600.
    std::string token = parseJson(login.out)["AccessToken"];
    auto payload = token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1);
    while (payload.size() % 4)
        payload += '=';
    auto decoded = runProcess({"/usr/bin/base64", "-d"}, [&] {
        for (auto& c : payload)
            c = c == '-' ? '+' : c == '_' ? '/' : c;
        return payload;
    }());
    auto claims = parseJson(decoded.out);
    CHECK(claims["exp"].get<long>() - claims["iat"].get<long>() == 3600);

    auto missing = runProcess({kBinary, "--env-file", (dir.path() / "absent.env").string(), "list-users"});
    CHECK(missing.exitCode == 2);
}

TEST_CASE("CLI and a running server see each other's writes") {
    TempDir dir;
    Cli cli(dir);
    ChildServer server(kBinary, {"--data-dir", cli.dataDir(), "--bcrypt-cost", "4", "--insecure-cookies"});
    auto http = server.client();

    // Register by CLI, log in over HTTP.
    REQUIRE(cli.run({"register", "--username", "shared", "--email", "shared@x.io", "--password-stdin"}, "password123\n")
                .exitCode == 0);
    auto res =
        http.Post("/api/v1/users/login", R"({"username":"shared","password":"password123"})", "application/json");
    REQUIRE(res);
    CHECK(res->status == 200);
    std::string httpToken = parseJson(res->body)["data"]["AccessToken"];

    // Log in by CLI, use the token over HTTP.
    auto login = cli.run({"login", "--username", "shared", "--password-stdin", "-q"}, "password123\n");
    REQUIRE(login.exitCode == 0);
    std::string cliToken = login.out.substr(0, login.out.size() - 1);
    auto me = http.Get("/api/v1/users/getUser", {{"Authorization", "Bearer " + cliToken}});
    REQUIRE(me);
    CHECK(me->status == 200);
    CHECK(parseJson(me->body)["data"]["username"] == "shared");

    // Log out by CLI: the server refuses the token on the next request.
    CHECK(cli.run({"logout", "--access-token", cliToken}).exitCode == 0);
    CHECK(http.Get("/api/v1/users/getUser", {{"Authorization", "Bearer " + cliToken}})->status == 401);
    // And every session of the user, including the one opened over HTTP.
    CHECK(cli.run({"logout", "--user", "shared", "--all"}).exitCode == 0);
    CHECK(http.Get("/api/v1/users/getUser", {{"Authorization", "Bearer " + httpToken}})->status == 401);

    // A user registered over HTTP is listed by the CLI.
    REQUIRE(http.Post("/api/v1/users/register", R"({"username":"web","email":"web@x.io","password":"password123"})",
                    "application/json")
                ->status == 201);
    CHECK(cli.run({"list-users"}).out.find("web@x.io") != std::string::npos);

    CHECK(server.terminate() == 0);
}

TEST_CASE("serve prints its listening line, refuses a taken port and stops on SIGTERM") {
    TempDir dir;
    Cli cli(dir);
    ChildServer first(kBinary, {"--data-dir", cli.dataDir()});
    CHECK(first.client().Get("/api/v1/healthcheck")->status == 200);
    auto taken = runProcess({kBinary, "serve", "--port", std::to_string(first.port()), "--data-dir", cli.dataDir()});
    CHECK(taken.exitCode == 1);
    CHECK(taken.err.find("cannot listen") != std::string::npos);
    CHECK(first.terminate() == 0);
    auto version = runProcess({kBinary, "--version"});
    CHECK(version.exitCode == 0);
    CHECK(version.out.rfind("usersvc ", 0) == 0);
    auto help = runProcess({kBinary, "login", "--help"});
    CHECK(help.exitCode == 0);
    CHECK(help.out.find("Example") != std::string::npos);
}

TEST_CASE("passwd, sessions, show-user and delete-user act on the running server") {
    TempDir dir;
    Cli cli(dir);
    ChildServer server(kBinary, {"--data-dir", cli.dataDir(), "--bcrypt-cost", "4", "--insecure-cookies"});
    auto http = server.client();
    writeFile(dir.path() / "avatar.png", pngBytes());
    REQUIRE(cli.run({"register", "--username", "ops", "--email", "ops@x.io", "--avatar",
                        (dir.path() / "avatar.png").string(), "--password-stdin"},
                   "password123\n")
                .exitCode == 0);
    REQUIRE(cli.run({"register", "--username", "fan", "--email", "fan@x.io", "--password-stdin"}, "password123\n")
                .exitCode == 0);
    auto login = http.Post("/api/v1/users/login", {{"User-Agent", "test-browser/1.0"}},
        R"({"username":"ops","password":"password123"})", "application/json");
    REQUIRE(login->status == 200);
    std::string token = parseJson(login->body)["data"]["AccessToken"];
    std::string opsId = parseJson(login->body)["data"]["user"]["_id"];
    httplib::Headers auth = {{"Authorization", "Bearer " + token}};

    // sessions: created, last used, user agent and address are kept.
    auto sessions = cli.run({"sessions", "OPS@x.io", "--json"});
    REQUIRE(sessions.exitCode == 0);
    auto session = parseJson(sessions.out.substr(0, sessions.out.find('\n')));
    CHECK(session["userAgent"] == "test-browser/1.0");
    CHECK(session["clientAddress"] == "127.0.0.1");
    CHECK(session.contains("createdAt"));
    CHECK(session.contains("lastUsedAt"));
    CHECK(sessions.out.find(token) == std::string::npos);

    // show-user with counts.
    auto fanLogin = cli.run({"login", "--username", "fan", "--password-stdin", "-q"}, "password123\n");
    std::string fanToken = fanLogin.out.substr(0, fanLogin.out.size() - 1);
    REQUIRE(http.Post("/api/v1/subscriptions/c/" + opsId, httplib::Headers{{"Authorization", "Bearer " + fanToken}})
                ->status == 200);
    auto shown = cli.run({"show-user", opsId, "--json"});
    REQUIRE(shown.exitCode == 0);
    auto shownJson = parseJson(shown.out);
    CHECK(shownJson["subscribersCount"] == 1);
    CHECK(shownJson["openSessions"] == 1);
    CHECK(cli.run({"show-user", "nobody"}).exitCode == 5);

    // passwd by CLI revokes the HTTP session and changes the password.
    CHECK(cli.run({"passwd", "ops", "--password-stdin"}, "short\n").exitCode == 2);
    CHECK(cli.run({"passwd", "nobody", "--password-stdin"}, "long-enough-pass\n").exitCode == 5);
    auto passwd = cli.run({"passwd", "ops", "--password-stdin", "--json"}, "long-enough-pass\n");
    REQUIRE(passwd.exitCode == 0);
    CHECK(parseJson(passwd.out)["revokedSessions"] == 1);
    CHECK(http.Get("/api/v1/users/getUser", auth)->status == 401);
    CHECK(http.Post("/api/v1/users/login", R"({"username":"ops","password":"long-enough-pass"})", "application/json")
              ->status == 200);

    // delete-user refuses without --yes off a terminal, then removes everything.
    auto refused = cli.run({"delete-user", "fan"});
    CHECK(refused.exitCode == 2);
    CHECK(refused.err.find("--yes") != std::string::npos);
    CHECK(http.Get("/api/v1/users/getUser", {{"Authorization", "Bearer " + fanToken}})->status == 200);
    CHECK(cli.run({"delete-user", "fan", "--yes"}).exitCode == 0);
    CHECK(http.Get("/api/v1/users/getUser", {{"Authorization", "Bearer " + fanToken}})->status == 401);
    CHECK(cli.run({"delete-user", "fan", "--yes"}).exitCode == 5);
    CHECK(countFiles(dir.path() / "data" / "media") == 1);
    CHECK(cli.run({"delete-user", "ops", "--yes"}).exitCode == 0);
    CHECK(countFiles(dir.path() / "data" / "media") == 0); // nobody references the avatar now
    CHECK(cli.run({"list-users", "-q"}).out.empty());
    CHECK(server.terminate() == 0);
}

TEST_CASE("completion scripts are generated from the real options") {
    auto bash = runProcess({kBinary, "completion", "bash"});
    REQUIRE(bash.exitCode == 0);
    CHECK(runProcess({"/bin/bash", "-n"}, bash.out).exitCode == 0);
    auto complete = [&](const std::string& words, int index) {
        std::string script = bash.out + "\nCOMP_WORDS=(" + words + "); COMP_CWORD=" + std::to_string(index) +
                             "; _usersvc; echo \"${COMPREPLY[*]}\"\n";
        return runProcess({"/bin/bash"}, script).out;
    };
    CHECK(complete("usersvc reg", 1) == "register\n");
    CHECK(complete("usersvc login --id", 2) == "--identifier\n");
    CHECK(complete("usersvc serve --max-c", 2) == "--max-connections\n");
    CHECK(complete("usersvc import --on-", 2) == "--on-conflict\n");
    auto fish = runProcess({kBinary, "completion", "fish"});
    CHECK(fish.out.find("__fish_seen_subcommand_from register' -l username") != std::string::npos);
    auto zsh = runProcess({kBinary, "completion", "zsh"});
    CHECK(zsh.out.rfind("#compdef usersvc", 0) == 0);
    CHECK(runProcess({kBinary, "completion", "tcsh"}).exitCode == 2);
}

TEST_CASE("every subcommand's --help shows an example") {
    for (const char* sub : {"serve", "register", "login", "logout", "list-users", "show-user", "sessions", "passwd",
             "delete-user", "import", "export", "backup", "restore", "completion"}) {
        CAPTURE(sub);
        auto r = runProcess({kBinary, sub, "--help"});
        CHECK(r.exitCode == 0);
        CHECK(r.out.find("Example") != std::string::npos);
    }
}

TEST_CASE("bad option values are usage errors with one line on stderr") {
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    const std::vector<std::vector<std::string>> cases = {{"list-users", "--access-ttl", "forever"},
        {"list-users", "--refresh-ttl", "0"}, {"list-users", "--refresh-reuse-interval", "5y"},
        {"list-users", "--max-upload", "5GB"}, {"list-users", "--bcrypt-cost", "3"},
        {"list-users", "--min-password-length", "7"}, {"serve", "--json-limit", "lots", "--port", "0"},
        {"serve", "--max-connections", "0", "--port", "0"}, {"serve", "--log-format", "xml", "--port", "0"},
        {"import", "x.json", "--on-conflict", "merge"}};
    for (const auto& c : cases) {
        std::vector<std::string> argv = {kBinary};
        argv.insert(argv.end(), c.begin(), c.end());
        argv.insert(argv.end(), {"--data-dir", data});
        CAPTURE(c[1]);
        auto r = runProcess(argv);
        CHECK(r.exitCode == 2);
        CHECK(r.out.find("listening") == std::string::npos);
        expectOneErrorLine(r);
    }
}

namespace {
// What a ChildServer wrote on stderr, once `needle` is there (at most 5 s).
std::string stderrWith(const std::string& file, const std::string& needle) {
    std::string text;
    for (int i = 0; i < 100 && (text = readFile(file)).find(needle) == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return text;
}
} // namespace

TEST_CASE(
    "the console token: one the operator chose is never echoed, a file holds it, the printed address opens once") {
    // Issue 21: the printed address carried the token into browser history, and
    // --console-token was echoed and visible in ps without a warning.
    TempDir dir;
    Cli cli(dir);
    const std::string token = "file-console-token-0123456789abcdef0123";
    auto tokenFile = dir.path() / "console-token";
    writeFile(tokenFile, token + "\n");
    std::filesystem::permissions(tokenFile, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    std::string log = (dir.path() / "serve.log").string();
    {
        ChildServer server(kBinary, {"--data-dir", cli.dataDir(), "--console-token-file", tokenFile.string()}, 0, log);
        std::string err = stderrWith(log, "console: ");
        auto at = err.find("/_/#code=");
        REQUIRE(at != std::string::npos);
        std::string code = err.substr(at + 9, 32);
        CHECK(err.find(token) == std::string::npos);
        CHECK(err.find("console token:") == std::string::npos);
        CHECK(err.find("warning: --console-token") == std::string::npos);
        // The code is traded once for the token; then it opens nothing.
        auto client = server.client();
        auto first = client.Post("/api/v1/admin/sign-in", nlohmann::json{{"code", code}}.dump(), "application/json");
        REQUIRE(first);
        CHECK(first->status == 200);
        CHECK(parseJson(first->body)["data"]["token"] == token);
        auto second = client.Post("/api/v1/admin/sign-in", nlohmann::json{{"code", code}}.dump(), "application/json");
        CHECK(second->status == 401);
        // activity writes a request path's control characters escaped.
        client.Get("/api/v1/%1b%5b2Jcleared");
        std::string base = "http://127.0.0.1:" + std::to_string(server.port());
        auto activity = cli.run({"activity", "--server", base, "--console-token", token});
        REQUIRE(activity.exitCode == 0);
        CHECK(activity.out.find("/api/v1/\\x1b[2Jcleared") != std::string::npos);
        CHECK(activity.out.find('\x1b') == std::string::npos);
        // A .env may name this machine's server, not another host to send the token to.
        std::string envFile = (dir.path() / "checked-out.env").string();
        writeFile(envFile, "USERSVC_SERVER_URL=http://0.0.0.0:1\n");
        auto redirected = runProcess({"/usr/bin/env", "-u", "USERSVC_SERVER_URL", kBinary, "--env-file", envFile,
            "activity", "--console-token", token});
        CHECK(redirected.exitCode == 2);
        CHECK(redirected.err.find("names another machine (0.0.0.0)") != std::string::npos);
        CHECK(redirected.err.find(token) == std::string::npos);
        writeFile(envFile, "USERSVC_SERVER_URL=" + base + "\n");
        CHECK(runProcess({"/usr/bin/env", "-u", "USERSVC_SERVER_URL", kBinary, "--env-file", envFile, "activity",
                             "--console-token", token})
                  .exitCode == 0);
    }
    // On the command line: a warning, and still no echo.
    std::string flaggedLog = (dir.path() / "flagged.log").string();
    {
        ChildServer server(
            kBinary, {"--data-dir", (dir.path() / "b").string(), "--console-token", token}, 0, flaggedLog);
        std::string err = stderrWith(flaggedLog, "console: ");
        CHECK(err.find("warning: --console-token is visible to every local user in ps") != std::string::npos);
        CHECK(err.find(token) == std::string::npos);
    }
    // Generated: printed once, on its own line.
    std::string generatedLog = (dir.path() / "generated.log").string();
    {
        ChildServer server(kBinary, {"--data-dir", (dir.path() / "c").string()}, 0, generatedLog);
        std::string err = stderrWith(generatedLog, "console token: ");
        CHECK(err.find("console token: ") != std::string::npos);
    }
    // A token file others may read is refused.
    std::filesystem::permissions(tokenFile, std::filesystem::perms::group_read, std::filesystem::perm_options::add);
    auto open = cli.run({"serve", "--port", "0", "--console-token-file", tokenFile.string()});
    CHECK(open.exitCode == 2);
    CHECK(open.err.find("chmod 600") != std::string::npos);
}
