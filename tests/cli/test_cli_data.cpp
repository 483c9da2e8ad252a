// import, export, backup, restore and serve --seed, with real files and the built binary.
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace usersvc::test;

namespace {
const std::string kBinary = USERSVC_BINARY;
const std::string kData = USERSVC_TEST_DATA;

ProcessResult cli(const std::string& dataDir, std::vector<std::string> args, const std::string& input = "") {
    std::vector<std::string> argv = {kBinary};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--data-dir", dataDir, "--bcrypt-cost", "4"});
    return runProcess(argv, input);
}

std::vector<nlohmann::json> lines(const std::string& out) {
    std::vector<nlohmann::json> docs;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) docs.push_back(parseJson(line));
    return docs;
}

bool canLogin(const std::string& dataDir, const std::string& user, const std::string& password) {
    return cli(dataDir, {"login", "--identifier", user, "--password-stdin", "-q"}, password + "\n").exitCode == 0;
}
} // namespace

TEST_CASE("a mongoexport of the Express backend imports with ids, dates, URLs and working passwords") {
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    auto r = cli(data, {"import", kData + "/mongoexport_users.jsonl", "--json"});
    REQUIRE(r.exitCode == 0);
    auto report = parseJson(r.out);
    CHECK(report["imported"] == 3);
    CHECK(report["invalid"] == 0);

    auto users = lines(cli(data, {"export"}).out);
    REQUIRE(users.size() == 3);
    CHECK(users[0]["_id"] == "65a1f0c2a1b2c3d4e5f60718");
    CHECK(users[0]["createdAt"] == "2024-01-12T09:30:00.123Z");
    CHECK(users[0]["updatedAt"] == "2024-02-01T18:00:00.000Z");
    CHECK(users[0]["Avatar"] == "https://res.cloudinary.com/demo/image/upload/v1705000000/avatar_john.png");
    CHECK(users[1]["username"] == "jane_smith"); // lowercased, as the backend stores it
    CHECK(users[1]["email"] == "jane.smith@example.com");
    CHECK(users[1]["createdAt"] == "2024-01-12T09:33:20.000Z"); // from $numberLong
    CHECK(users[2]["updatedAt"] == "2024-01-12T22:00:00.000Z"); // +02:00 offset
    CHECK_FALSE(users[0].contains("password"));                 // no hashes unless asked

    // A hash made by Node's bcrypt ($2b$10$) logs in, then is re-hashed at the configured cost.
    CHECK_FALSE(canLogin(data, "john_doe", "wrong-password"));
    CHECK(canLogin(data, "john@email.com", "node-password-1"));
    auto hashed = lines(cli(data, {"export", "--include-password-hashes"}).out);
    CHECK(hashed[0]["password"].get<std::string>().rfind("$2b$04$", 0) == 0);
    CHECK(canLogin(data, "john_doe", "node-password-1"));
    // A $2a$ hash (Openwall's vector) verifies too.
    CHECK(canLogin(data, "jane_smith", "U*U"));
}

TEST_CASE("conflicts fail by default, or are skipped, the report names the lines") {
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    REQUIRE(cli(data, {"import", kData + "/mongoexport_users.jsonl"}).exitCode == 0);
    auto again = cli(data, {"import", kData + "/mongoexport_users.jsonl"});
    CHECK(again.exitCode == 3);
    CHECK(again.err.find("line 1: conflict") != std::string::npos);
    auto skip = cli(data, {"import", kData + "/mongoexport_users.jsonl", "--on-conflict", "skip", "--json"});
    CHECK(skip.exitCode == 0);
    CHECK(parseJson(skip.out)["skipped"] == 3);
    CHECK(lines(cli(data, {"export"}).out).size() == 3);
}

TEST_CASE("bad records are reported with line numbers and never half-imported") {
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    auto r = cli(data, {"import", kData + "/bad_users.jsonl", "--json"});
    CHECK(r.exitCode == 2);
    auto report = parseJson(r.out);
    CHECK(report["imported"] == 2);
    CHECK(report["invalid"] == 5);
    std::vector<int> badLines;
    for (const auto& p : report["problems"])
        badLines.push_back(p["line"]);
    CHECK(badLines == std::vector<int>{2, 3, 4, 5, 6});
    auto users = lines(cli(data, {"export"}).out);
    REQUIRE(users.size() == 2);
    CHECK(users[0]["username"] == "good_one");
    CHECK(users[1]["username"] == "good_two");
    CHECK(canLogin(data, "good_two", "clear-text-fixture")); // clear text was hashed on import
}

TEST_CASE("import -> export -> import into a fresh store gives the same users and passwords") {
    TempDir dir;
    std::string first = (dir.path() / "first").string(), second = (dir.path() / "second").string();
    writeFile(dir.path() / "avatar.png", pngBytes());
    REQUIRE(cli(first, {"import", kData + "/fixtures.json"}).exitCode == 0);
    REQUIRE(cli(first,
                {"register", "--username", "with_pic", "--email", "pic@x.io", "--avatar",
                    (dir.path() / "avatar.png").string(), "--password-stdin"},
                "picture-password\n")
                .exitCode == 0);
    auto exported = cli(first, {"export", "--include-password-hashes"});
    REQUIRE(exported.exitCode == 0);
    auto imported = cli(second, {"import", "-", "--json"}, exported.out);
    REQUIRE(imported.exitCode == 0);
    CHECK(parseJson(imported.out)["imported"] == 3);
    auto a = lines(cli(first, {"export"}).out), b = lines(cli(second, {"export"}).out);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        CAPTURE(i);
        for (const char* key : {"_id", "username", "email", "fullName", "createdAt", "updatedAt"})
            CHECK(a[i][key] == b[i][key]);
    }
    CHECK(canLogin(second, "dev_alice", "alice-password"));
    CHECK(canLogin(second, "with_pic", "picture-password"));
}

TEST_CASE("backup while the server runs, restore refuses until it stops, then brings everything back") {
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    std::string backup = (dir.path() / "backup.db").string();
    writeFile(dir.path() / "avatar.png", pngBytes());
    REQUIRE(cli(data,
                {"register", "--username", "kept", "--email", "kept@x.io", "--avatar",
                    (dir.path() / "avatar.png").string(), "--password-stdin"},
                "kept-password\n")
                .exitCode == 0);
    {
        ChildServer server(kBinary, {"--data-dir", data, "--bcrypt-cost", "4"});
        auto b = cli(data, {"backup", backup, "--json"});
        REQUIRE(b.exitCode == 0);
        CHECK(parseJson(b.out)["mediaFiles"] == 1);
        CHECK(countFiles(dir.path() / "backup.db.media") == 1);
        CHECK(cli(data, {"backup", backup}).exitCode == 3); // never overwrites

        // Changes after the backup...
        auto http = server.client();
        REQUIRE(http.Post("/api/v1/users/register",
                        R"({"username":"later","email":"later@x.io","password":"password123"})", "application/json")
                    ->status == 201);
        CHECK(cli(data, {"delete-user", "kept", "--yes"}).exitCode == 0);
        CHECK(countFiles(dir.path() / "data" / "media") == 0);

        auto refused = cli(data, {"restore", backup});
        CHECK(refused.exitCode == 3);
        CHECK(refused.err.find("server is running") != std::string::npos);
        CHECK(server.terminate() == 0);
    }
    // ...are undone by the restore.
    writeFile(dir.path() / "broken.db", "this is not a database");
    writeFile(dir.path() / "broken.db.media" / "x", "");
    CHECK(cli(data, {"restore", (dir.path() / "broken.db").string()}).exitCode != 0);
    CHECK(cli(data, {"restore", (dir.path() / "missing.db").string()}).exitCode == 5);
    auto r = cli(data, {"restore", backup, "--json"});
    REQUIRE(r.exitCode == 0);
    CHECK(parseJson(r.out)["users"] == 1);
    auto users = lines(cli(data, {"export"}).out);
    REQUIRE(users.size() == 1);
    CHECK(users[0]["username"] == "kept");
    CHECK(canLogin(data, "kept", "kept-password"));
    CHECK(countFiles(dir.path() / "data" / "media") == 1);
    auto sqlite = runProcess({"/usr/bin/sqlite3", data + "/usersvc.db", "PRAGMA integrity_check"});
    CHECK(sqlite.out == "ok\n");
}

TEST_CASE("serve --seed imports fixtures into an empty store only") {
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    {
        ChildServer server(kBinary, {"--data-dir", data, "--bcrypt-cost", "4", "--seed", kData + "/fixtures.json"});
        auto http = server.client();
        auto res = http.Post(
            "/api/v1/users/login", R"({"username":"dev_alice","password":"alice-password"})", "application/json");
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(cli(data, {"delete-user", "dev_bob", "--yes"}).exitCode == 0);
    }
    // Not empty any more: the seed is not applied again, so dev_bob stays deleted.
    ChildServer again(kBinary, {"--data-dir", data, "--bcrypt-cost", "4", "--seed", kData + "/fixtures.json"});
    CHECK(lines(cli(data, {"export"}).out).size() == 1);
}

TEST_CASE("an input that ends inside a JSON array is reported, and the exit code says so") {
    // Issue 12, finding 10: `[` alone, or an array cut off mid-way, exited 0.
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    writeFile(dir.path() / "open.json", "[");
    auto bare = cli(data, {"import", (dir.path() / "open.json").string(), "--json"});
    CHECK(bare.exitCode == 2);
    CHECK(parseJson(bare.out)["invalid"] == 1);
    CHECK(bare.out.find("no closing") != std::string::npos);

    writeFile(dir.path() / "cut.json",
        "[\n{\"username\":\"kept_one\",\"email\":\"kept@x.io\",\"password\":\"password123\"},\n");
    auto cut = cli(data, {"import", (dir.path() / "cut.json").string(), "--json"});
    CHECK(cut.exitCode == 2);
    auto report = parseJson(cut.out);
    CHECK(report["imported"] == 1); // what was whole is in, and the report says the rest is missing
    CHECK(report["invalid"] == 1);

    writeFile(dir.path() / "whole.json", "[\n{\"username\":\"whole_one\",\"email\":\"whole@x.io\","
                                         "\"password\":\"password123\"}\n]\n");
    CHECK(cli(data, {"import", (dir.path() / "whole.json").string()}).exitCode == 0);
}

TEST_CASE("restore checks each media file against its name and changes nothing when one does not match") {
    // Issue 12, finding 10: restore copied media without checking hash or type.
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    std::string backup = (dir.path() / "backup.db").string();
    writeFile(dir.path() / "avatar.png", pngBytes());
    REQUIRE(cli(data,
                {"register", "--username", "pictured", "--email", "pictured@x.io", "--avatar",
                    (dir.path() / "avatar.png").string(), "--password-stdin"},
                "password123\n")
                .exitCode == 0);
    REQUIRE(cli(data, {"backup", backup}).exitCode == 0);
    REQUIRE(cli(data, {"delete-user", "pictured", "--yes"}).exitCode == 0);
    REQUIRE(cli(data, {"register", "--username", "after", "--email", "after@x.io", "--password-stdin"}, "password123\n")
                .exitCode == 0);
    std::filesystem::path stored;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path() / "backup.db.media"))
        if (entry.is_regular_file()) stored = entry.path();
    REQUIRE_FALSE(stored.empty());
    for (const std::string& forged : {pngBytes() + "tampered", std::string("<html><script>alert(1)</script>")}) {
        writeFile(stored, forged);
        auto r = cli(data, {"restore", backup});
        CHECK(r.exitCode == 2);
        CHECK(r.err.find("does not match its name") != std::string::npos);
        CHECK(countFiles(dir.path() / "data" / "media") == 0); // nothing added, nothing left behind
        auto users = lines(cli(data, {"export"}).out);
        REQUIRE(users.size() == 1);
        CHECK(users[0]["username"] == "after");
    }
    writeFile(stored, pngBytes()); // the genuine file again: restore works
    CHECK(cli(data, {"restore", backup}).exitCode == 0);
    CHECK(countFiles(dir.path() / "data" / "media") == 1);
}

TEST_CASE("--database sqlite:PATH names the store, and another app's DATABASE_URL is ignored with a notice") {
    TempDir dir;
    std::string data = (dir.path() / "data").string();
    std::string file = (dir.path() / "elsewhere.db").string();
    auto reg = cli(data,
        {"--database", "sqlite:" + file, "register", "--username", "ann", "--email", "ann@x.io", "--password-stdin",
            "-q"},
        "password123\n");
    REQUIRE(reg.exitCode == 0);
    CHECK(std::filesystem::exists(file));
    CHECK_FALSE(std::filesystem::exists(dir.path() / "data" / "usersvc.db"));

    // A MySQL URL in DATABASE_URL belongs to some other app: the store stays where it was.
    auto listed = runProcess({"/usr/bin/env", "-u", "USERSVC_DATABASE_URL", "DATABASE_URL=mysql://root:hunter2@db/app",
        kBinary, "--data-dir", data, "--database", "sqlite:" + file, "list-users", "--json"});
    CHECK(listed.exitCode == 0);
    CHECK(listed.out.find("\"ann\"") != std::string::npos);
    CHECK(listed.err.find("notice: ignoring DATABASE_URL") != std::string::npos);
    CHECK(listed.err.find("hunter2") == std::string::npos);

    // A PostgreSQL one is taken (here it lacks the shared secret it needs: exit 2 before connecting).
    auto adopted = runProcess({"/usr/bin/env", "-u", "USERSVC_DATABASE_URL", "-u", "USERSVC_JWT_SECRET",
        "DATABASE_URL=postgres://app:hunter2@127.0.0.1:1/app", kBinary, "--data-dir", data, "list-users"});
    CHECK(adopted.exitCode == 2);
    CHECK(adopted.err.find("needs the JWT secret") != std::string::npos);

    auto unknown = cli(data, {"--database", "mongodb://root:hunter2@db/app", "list-users"});
    CHECK(unknown.exitCode == 2);
    CHECK(unknown.err.find("mongodb://root:***@db/app") != std::string::npos);
}
