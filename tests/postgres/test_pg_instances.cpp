// Two usersvc instances over one PostgreSQL database (issue 13): every
// guarantee usersvc makes on one SQLite file holds across instances. Each test
// starts the real binary twice, on a database of its own.
#include "domain/clock.hpp"
#include "media/media_store.hpp"
#include "scenario.hpp"
#include "storage/pg_store.hpp"

#include <pqxx/pqxx>

#include <atomic>
#include <set>
#include <thread>

using namespace usersvc;
using namespace usersvc::test;

namespace {
const std::string kBinary = USERSVC_BINARY;
const std::string kUsers = "/api/v1/users";
const std::string kJson = "application/json";
const std::string kSecret = "a-secret-every-instance-shares-0123456789";

// The settings every process over the shared database gets: the database, the
// shared secret (from a 0600 file) and a data directory of its own.
struct SharedDatabase {
    TempDir dir;
    std::string url = freshPostgresDatabase();
    std::string secretFile = (dir.path() / "secret").string();

    SharedDatabase() {
        writeFile(secretFile, kSecret);
        std::filesystem::permissions(
            secretFile, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    }
    std::vector<std::string> args(const std::string& instance) const {
        return {"--database", url, "--jwt-secret-file", secretFile, "--data-dir", (dir.path() / instance).string(),
            "--bcrypt-cost", "4"};
    }
    ProcessResult cli(
        const std::string& instance, std::vector<std::string> extra, const std::string& input = "") const {
        std::vector<std::string> all = {kBinary};
        auto common = args(instance);
        all.insert(all.end(), common.begin(), common.end());
        all.insert(all.end(), extra.begin(), extra.end());
        return runProcess(all, input);
    }
};

nlohmann::json login(httplib::Client& client, const std::string& name, const std::string& password = "password123") {
    auto res = client.Post(kUsers + "/login", nlohmann::json{{"username", name}, {"password", password}}.dump(), kJson);
    REQUIRE(res);
    REQUIRE_MESSAGE(res->status == 200, res->body);
    return parseJson(res->body)["data"];
}

int getUserStatus(httplib::Client& client, const std::string& token) {
    auto res = client.Get(kUsers + "/getUser", bearer(token));
    REQUIRE(res);
    return res->status;
}

void registerJson(httplib::Client& client, const std::string& name) {
    auto res = client.Post(kUsers + "/register",
        nlohmann::json{{"username", name}, {"email", name + "@x.io"}, {"password", "password123"}}.dump(), kJson);
    REQUIRE(res);
    REQUIRE_MESSAGE(res->status == 201, res->body);
}
} // namespace

TEST_CASE("two instances: a login on A works on B, a logout on B is refused on A at once") {
    SharedDatabase db;
    ChildServer a(kBinary, db.args("a")), b(kBinary, db.args("b"));
    auto clientA = a.client(), clientB = b.client();
    registerJson(clientA, "alice");
    auto session = login(clientA, "alice");
    std::string token = session["AccessToken"];
    CHECK(getUserStatus(clientB, token) == 200);
    auto out = clientB.Post(kUsers + "/logout", bearer(token));
    REQUIRE(out);
    CHECK(out->status == 200);
    CHECK(getUserStatus(clientA, token) == 401);
    CHECK(getUserStatus(clientB, token) == 401);
}

TEST_CASE("two instances: one refresh token sent to A and B at the same moment rotates once, both get the same pair") {
    SharedDatabase db;
    ChildServer a(kBinary, db.args("a")), b(kBinary, db.args("b"));
    auto setup = a.client();
    registerJson(setup, "tabs");
    std::string refresh = login(setup, "tabs")["RefreshToken"];
    for (int round = 0; round < 5; ++round) {
        CAPTURE(round);
        std::atomic<int> ready{0};
        nlohmann::json answers[2];
        int statuses[2] = {0, 0};
        std::vector<std::thread> tabs;
        for (int tab = 0; tab < 2; ++tab)
            tabs.emplace_back([&, tab] {
                auto client = tab == 0 ? a.client() : b.client();
                ++ready;
                while (ready < 2)
                    std::this_thread::yield();
                auto res =
                    client.Post(kUsers + "/refresh-token", nlohmann::json{{"refreshToken", refresh}}.dump(), kJson);
                if (!res) return;
                statuses[tab] = res->status;
                answers[tab] = parseJson(res->body)["data"];
            });
        for (auto& t : tabs)
            t.join();
        REQUIRE(statuses[0] == 200);
        REQUIRE(statuses[1] == 200);
        CHECK(answers[0]["RefreshToken"] == answers[1]["RefreshToken"]);
        CHECK(answers[0]["AccessToken"] == answers[1]["AccessToken"]);
        CHECK(answers[0]["RefreshToken"] != refresh);
        refresh = answers[0]["RefreshToken"];
    }
    // One session, rotated once per round: the next refresh still works.
    auto next = a.client().Post(kUsers + "/refresh-token", nlohmann::json{{"refreshToken", refresh}}.dump(), kJson);
    REQUIRE(next);
    CHECK(next->status == 200);
}

TEST_CASE("two instances: a password change on A revokes the sessions used on B") {
    SharedDatabase db;
    ChildServer a(kBinary, db.args("a")), b(kBinary, db.args("b"));
    auto clientA = a.client(), clientB = b.client();
    registerJson(clientB, "bob");
    std::string onB = login(clientB, "bob")["AccessToken"];
    std::string onA = login(clientA, "bob")["AccessToken"];
    CHECK(getUserStatus(clientB, onB) == 200);
    auto change = clientA.Post(kUsers + "/change-password", bearer(onA),
        nlohmann::json{{"oldPassword", "password123"}, {"newPassword", "another-pass-456"}}.dump(), kJson);
    REQUIRE(change);
    REQUIRE_MESSAGE(change->status == 200, change->body);
    CHECK(getUserStatus(clientB, onB) == 401);
    CHECK(getUserStatus(clientA, onA) == 200); // the session that changed it stays
    login(clientB, "bob", "another-pass-456");
}

TEST_CASE("two instances: 10 failed logins spread over A and B trip the limit on both") {
    SharedDatabase db;
    ChildServer a(kBinary, db.args("a")), b(kBinary, db.args("b"));
    auto clientA = a.client(), clientB = b.client();
    registerJson(clientA, "dave");
    for (int i = 0; i < 10; ++i) {
        auto res =
            postLogin(i % 2 ? clientB : clientA, {{"username", "dave"}, {"password", "wrong-" + std::to_string(i)}});
        CHECK_MESSAGE(res.status == 401, i);
    }
    for (auto* client : {&clientA, &clientB}) {
        auto res = postLogin(*client, {{"username", "dave"}, {"password", "password123"}}); // even the right one
        CHECK(res.status == 429);
        CHECK(std::stoi(res.get_header_value("Retry-After")) > 0);
    }
}

TEST_CASE("two instances: an avatar uploaded through A is served by B with the same headers") {
    SharedDatabase db;
    ChildServer a(kBinary, db.args("a")), b(kBinary, db.args("b"));
    auto clientA = a.client(), clientB = b.client();
    httplib::MultipartFormDataItems parts = {{"username", "carol", "", ""}, {"email", "carol@x.io", "", ""},
        {"password", "password123", "", ""}, {"Avatar", pngBytes(), "me.png", "image/png"}};
    auto reg = clientA.Post(kUsers + "/register", parts);
    REQUIRE(reg);
    REQUIRE_MESSAGE(reg->status == 201, reg->body);
    std::string url = parseJson(reg->body)["data"]["Avatar"];
    std::string path = url.substr(url.find("/media/"));
    auto fromA = clientA.Get(path), fromB = clientB.Get(path);
    REQUIRE(fromA);
    REQUIRE(fromB);
    CHECK(fromB->status == 200);
    CHECK(fromB->body == pngBytes());
    for (const char* header : {"Content-Type", "ETag", "Cache-Control", "Content-Length", "Accept-Ranges"}) {
        CAPTURE(header);
        CHECK(fromB->get_header_value(header) == fromA->get_header_value(header));
    }
    // Neither instance wrote an image file: the database holds it.
    CHECK(countFiles(db.dir.path() / "a" / "media") == 0);
    CHECK(countFiles(db.dir.path() / "b" / "media") == 0);
    // A replaced avatar no user refers to is gone from every instance.
    auto token = std::string(login(clientA, "carol")["AccessToken"]);
    auto replaced = patchFile(clientB, kUsers + "/avatar", token, "avatar", gifBytes());
    REQUIRE(replaced);
    REQUIRE_MESSAGE(replaced->status == 200, replaced->body);
    CHECK(clientA.Get(path)->status == 404);
}

TEST_CASE("two instances and four CLI processes registering at once: nobody lost, nobody twice") {
    SharedDatabase db;
    ChildServer a(kBinary, db.args("a")), b(kBinary, db.args("b"));
    constexpr int kEach = 200;
    std::atomic<int> failures{0};
    std::vector<std::thread> writers;
    for (int s = 0; s < 2; ++s)
        writers.emplace_back([&, s] {
            auto client = s == 0 ? a.client() : b.client();
            for (int i = 0; i < kEach; ++i) {
                auto name = "srv" + std::to_string(s) + "_" + std::to_string(i);
                auto res = client.Post(kUsers + "/register",
                    nlohmann::json{{"username", name}, {"email", name + "@x.io"}, {"password", "password123"}}.dump(),
                    kJson);
                if (!res || res->status != 201) ++failures;
            }
        });
    for (int c = 0; c < 4; ++c)
        writers.emplace_back([&, c] {
            for (int i = 0; i < kEach; ++i) {
                auto name = "cli" + std::to_string(c) + "_" + std::to_string(i);
                auto r = db.cli("cli" + std::to_string(c),
                    {"-q", "register", "--username", name, "--email", name + "@x.io", "--password-stdin"},
                    "password123\n");
                if (r.exitCode != 0) ++failures;
            }
        });
    for (auto& t : writers)
        t.join();
    CHECK(failures == 0);
    PgStore store(db.url);
    CHECK(store.countUsers() == 6 * kEach);
    std::set<std::string> names;
    store.listUsers({}, 0, [&](const UserListing& row) {
        names.insert(row.user.username);
        return true;
    });
    CHECK(names.size() == 6 * kEach);
}

TEST_CASE("kill -9 of one instance under load: the other keeps serving, nothing acknowledged is lost") {
    SharedDatabase db;
    ChildServer a(kBinary, db.args("a")), b(kBinary, db.args("b"));
    std::vector<std::string> acknowledged;
    std::atomic<bool> killed{false};
    int failuresOnB = 0, afterKill = 0;
    std::thread killer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(700));
        a.crash();
        killed = true;
    });
    auto clientA = a.client(), clientB = b.client();
    clientA.set_connection_timeout(1);
    for (int i = 0; afterKill < 40; ++i) {
        bool toA = i % 2 == 0;
        auto name = "load_" + std::to_string(i);
        auto body = nlohmann::json{{"username", name}, {"email", name + "@x.io"}, {"password", "password123"}}.dump();
        auto res = (toA ? clientA : clientB).Post(kUsers + "/register", body, kJson);
        if (killed) ++afterKill;
        if (res && res->status == 201)
            acknowledged.push_back(name);
        else if (!toA)
            ++failuresOnB;
    }
    killer.join();
    CHECK(failuresOnB == 0);
    CHECK(acknowledged.size() > 40);
    PgStore store(db.url);
    for (const auto& name : acknowledged)
        CHECK_MESSAGE(store.findUserByUsername(name), name);
    // B still answers reads and logins after A's death.
    auto clientB2 = b.client();
    login(clientB2, acknowledged.front());
}

TEST_CASE("a PostgreSQL store without the shared JWT secret is refused at start, and backup points to pg_dump") {
    SharedDatabase db;
    TempDir data;
    for (std::vector<std::string> command : {std::vector<std::string>{"serve", "--port", "0"}, {"list-users"}}) {
        CAPTURE(command.front());
        std::vector<std::string> args = {"/usr/bin/env", "-u", "USERSVC_JWT_SECRET", kBinary, "--database", db.url,
            "--data-dir", data.path().string()};
        args.insert(args.end(), command.begin(), command.end());
        auto refused = runProcess(args);
        CHECK(refused.exitCode == 2);
        CHECK(refused.err.find("needs the JWT secret every instance shares") != std::string::npos);
        CHECK(refused.out.find("listening") == std::string::npos);
    }
    auto backup = db.cli("a", {"backup", (data.path() / "copy.db").string()});
    CHECK(backup.exitCode == 2);
    CHECK(backup.err.find("pg_dump") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(data.path() / "copy.db"));
    auto restore = db.cli("a", {"restore", (data.path() / "copy.db").string()});
    CHECK(restore.exitCode == 2);
    auto bad = runProcess({kBinary, "--database", "mysql://root:hunter2@db/users", "list-users"});
    CHECK(bad.exitCode == 2);
    CHECK(bad.err.find("hunter2") == std::string::npos); // the password is never echoed
    CHECK(bad.err.find("sqlite:PATH") != std::string::npos);
}

TEST_CASE("a SQLite store moves to PostgreSQL by export and import, with passwords and images") {
    SharedDatabase db;
    TempDir old;
    auto sqlite = [&](std::vector<std::string> extra, const std::string& input = "") {
        std::vector<std::string> all = {kBinary, "--data-dir", old.path().string(), "--bcrypt-cost", "4"};
        all.insert(all.end(), extra.begin(), extra.end());
        return runProcess(all, input);
    };
    writeFile(old.path() / "avatar.png", pngBytes());
    writeFile(old.path() / "cover.jpg", jpegBytes());
    REQUIRE(sqlite({"-q", "register", "--username", "erin", "--email", "erin@x.io", "--password-stdin", "--avatar",
                       (old.path() / "avatar.png").string(), "--cover", (old.path() / "cover.jpg").string()},
                "erin-password-1\n")
                .exitCode == 0);
    writeFile(old.path() / "other.gif", gifBytes());
    REQUIRE(sqlite({"-q", "register", "--username", "fred", "--email", "fred@x.io", "--password-stdin", "--avatar",
                       (old.path() / "other.gif").string()},
                "fred-password-2\n")
                .exitCode == 0);
    REQUIRE(sqlite({"-q", "register", "--username", "gina", "--email", "gina@x.io", "--password-stdin"},
                "gina-password-3\n")
                .exitCode == 0);
    auto exported = sqlite({"export", "--include-password-hashes"});
    REQUIRE(exported.exitCode == 0);
    writeFile(db.dir.path() / "users.jsonl", exported.out);

    // fred's image is damaged on the way: his record is refused whole, the others go in.
    for (const auto& entry : std::filesystem::recursive_directory_iterator(old.path() / "media"))
        if (entry.path().extension() == ".gif") writeFile(entry.path(), gifBytes() + "tampered");

    auto imported = db.cli("import-run", {"--json", "import", (db.dir.path() / "users.jsonl").string(), "--media-from",
                                             (old.path() / "media").string()});
    CHECK(imported.exitCode == 2); // one invalid record
    auto report = parseJson(imported.out);
    CHECK(report["imported"] == 2);
    CHECK(report["invalid"] == 1);
    CHECK(report["imagesCopied"] == 2);
    CHECK(imported.out.find("does not match its name") != std::string::npos);

    ChildServer server(kBinary, db.args("served"));
    auto client = server.client();
    auto erin = login(client, "erin", "erin-password-1");
    login(client, "gina", "gina-password-3");
    for (const char* field : {"Avatar", "CoverImg"}) {
        std::string url = erin["user"][field];
        auto image = client.Get(url.substr(url.find("/media/")));
        REQUIRE(image);
        CHECK(image->status == 200);
        CHECK(image->body == (std::string(field) == "Avatar" ? pngBytes() : jpegBytes()));
    }
    PgStore store(db.url);
    CHECK_FALSE(store.findUserByUsername("fred"));
    auto shards = PgImageRows(store).publishedByShard();
    std::size_t images = 0;
    for (const auto& shard : shards)
        images += shard.size();
    CHECK(images == 2); // nothing copied for the refused record stays
}

TEST_CASE("images in the database: downloads in flight share one copy, a deleted image is gone") {
    SharedDatabase db;
    PgStore store(db.url);
    MediaStore media(db.dir.path() / "media", 1 << 20, std::make_unique<PgImageRows>(store));
    auto staged = media.stage("avatar");
    auto png = pngBytes();
    staged->append(png.data(), png.size());
    staged->finish();
    {
        auto tx = store.beginWrite();
        staged->publish(*tx);
        tx->commit();
    }
    CHECK(countFiles(db.dir.path() / "media") == 0); // the temp file went with the publish
    auto first = media.open(staged->reference());
    auto second = media.open(staged->reference());
    REQUIRE(first);
    CHECK(first.get() == second.get());
    char head[8] = {};
    CHECK(first->readAt(0, head, sizeof head) == sizeof head);
    CHECK(std::string(head, sizeof head) == png.substr(0, 8));
    CHECK(first->readAt(png.size(), head, sizeof head) == 0);
    first.reset();
    second.reset();
    {
        auto tx = store.beginWrite();
        media.remove(staged->reference(), *tx);
        tx->commit();
    }
    CHECK_FALSE(media.open(staged->reference()));
    CHECK_FALSE(media.exists(staged->reference()));
}

TEST_CASE("connections the server closes (a restart, a failover) are replaced: the next read still answers") {
    SharedDatabase db;
    PgStore store(db.url);
    auto user = sampleUser("steady");
    insertUser(store, user);
    // Several pooled connections, then the server ends every one of them.
    std::vector<std::thread> readers;
    for (int i = 0; i < 4; ++i)
        readers.emplace_back([&] { CHECK(store.findUserById(user.id)); });
    for (auto& t : readers)
        t.join();
    pqxx::connection admin(db.url);
    pqxx::nontransaction killer(admin);
    killer.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()");
    // A read finds a closed connection, drops the pool's others, and runs again.
    CHECK(store.findUserById(user.id)->username == "steady");
    CHECK(store.findUserByUsername("steady"));
    CHECK(store.ping());
    store.createSession(sampleSession(user.id, "after-restart", nowMs() + 60000));
    CHECK(store.findSession("after-restart"));
}
