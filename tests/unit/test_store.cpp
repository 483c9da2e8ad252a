#include "domain/clock.hpp"
#include "domain/error.hpp"
#include "domain/ids.hpp"
#include "storage/sqlite_store.hpp"
#include "test_support.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>
#include <sys/stat.h>

using namespace usersvc;

namespace {
UserRecord makeUser(const std::string& name) {
    UserRecord u;
    u.id = newObjectId();
    u.username = name;
    u.email = name + "@example.com";
    u.fullName = "Full " + name;
    u.passwordHash = "$2b$04$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234";
    u.createdAtMs = u.updatedAtMs = nowMs();
    return u;
}

SessionRecord makeSession(const std::string& userId, const std::string& id, std::int64_t expiresAt) {
    SessionRecord s;
    s.id = id;
    s.userId = userId;
    s.refreshHash = "hash-" + id;
    s.createdAtMs = s.lastUsedAtMs = nowMs();
    s.expiresAtMs = expiresAt;
    s.userAgent = "doctest";
    s.clientAddress = "127.0.0.1";
    return s;
}
} // namespace

TEST_CASE("a new store is migrated to the latest schema, once, with a 0600 file") {
    test::TempDir dir;
    auto file = dir.path() / "usersvc.db";
    {
        SqliteStore store(file);
        CHECK(store.schemaVersion() == latestSchemaVersion());
        CHECK(store.ping());
    }
    SqliteStore again(file); // re-opening does not re-run migrations
    CHECK(again.schemaVersion() == latestSchemaVersion());
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("users are stored, found by id, username and email, and unique") {
    test::TempDir dir;
    SqliteStore store(dir.path() / "usersvc.db");
    auto alice = makeUser("alice");
    store.createUser(alice, {});
    CHECK(store.findUserById(alice.id)->username == "alice");
    CHECK(store.findUserByUsername("alice")->email == "alice@example.com");
    CHECK(store.findUserByEmail("alice@example.com")->fullName == "Full alice");
    CHECK(store.findUserByEmail("alice@example.com")->passwordHash == alice.passwordHash);
    CHECK_FALSE(store.findUserByUsername("bob"));

    auto clash = makeUser("alice");
    clash.email = "alice@example.com";
    try {
        store.createUser(clash, {});
        FAIL("duplicate accepted");
    } catch (const Error& e) {
        CHECK(e.code == Code::Conflict);
        REQUIRE(e.fields.size() == 2);
        CHECK(e.fields[0].field == "username");
        CHECK(e.fields[1].field == "email");
    }
    auto emailOnly = makeUser("alice2");
    emailOnly.email = "alice@example.com";
    try {
        store.createUser(emailOnly, {});
        FAIL("duplicate email accepted");
    } catch (const Error& e) {
        REQUIRE(e.fields.size() == 1);
        CHECK(e.fields[0].field == "email");
    }
}

TEST_CASE("write hooks publish before commit and unpublish when the insert fails") {
    test::TempDir dir;
    SqliteStore store(dir.path() / "usersvc.db");
    int published = 0, unpublished = 0;
    WriteHooks hooks{[&] { ++published; }, [&] { ++unpublished; }};
    store.createUser(makeUser("carol"), hooks);
    CHECK(published == 1);
    CHECK(unpublished == 0);

    // A conflict is found before publishing: nothing to undo.
    CHECK_THROWS_AS(store.createUser(makeUser("carol"), hooks), Error);
    CHECK(published == 1);

    // A failure inside publish rolls back the row and runs unpublish.
    WriteHooks failing{[&] {
                           ++published;
                           throw Error(Code::Internal, "disk full");
                       },
                       [&] { ++unpublished; }};
    CHECK_THROWS_AS(store.createUser(makeUser("dave"), failing), Error);
    CHECK(unpublished == 1);
    CHECK_FALSE(store.findUserByUsername("dave"));
}

TEST_CASE("sessions are found, revoked and expire") {
    test::TempDir dir;
    SqliteStore store(dir.path() / "usersvc.db");
    auto user = makeUser("erin");
    store.createUser(user, {});
    auto now = nowMs();
    store.createSession(makeSession(user.id, "s1", now + 60000));
    store.createSession(makeSession(user.id, "s2", now + 60000));
    store.createSession(makeSession(user.id, "old", now - 1));

    CHECK(store.findSession("s1")->userAgent == "doctest");
    CHECK(store.findSessionByRefreshHash("hash-s2")->id == "s2");
    CHECK(store.findUserOfActiveSession("s1", now)->id == user.id);
    CHECK_FALSE(store.findUserOfActiveSession("old", now));
    CHECK_FALSE(store.findUserOfActiveSession("missing", now));

    CHECK(store.revokeSession("s1", now));
    CHECK_FALSE(store.revokeSession("s1", now)); // already revoked
    CHECK_FALSE(store.findUserOfActiveSession("s1", now));
    CHECK(store.findSession("s1")->revokedAtMs.has_value());

    store.createSession(makeSession(user.id, "s3", now + 60000));
    CHECK(store.revokeUserSessions(user.id, now, "s3") == 2); // s2 and old; s3 kept
    CHECK(store.findUserOfActiveSession("s3", now));
}

TEST_CASE("listing streams users in id order with search, paging and session counts") {
    test::TempDir dir;
    SqliteStore store(dir.path() / "usersvc.db");
    std::vector<std::string> ids;
    for (const char* name : {"frank", "grace", "heidi", "ivan_100%"}) {
        auto u = makeUser(name);
        u.id = "6743f0c2a1b2c3d4e5f6071" + std::to_string(ids.size());
        store.createUser(u, {});
        ids.push_back(u.id);
    }
    store.createSession(makeSession(ids[1], "g1", nowMs() + 60000));
    std::vector<UserListing> rows;
    auto collect = [&](const UserListing& r) {
        rows.push_back(r);
        return true;
    };
    store.listUsers({}, nowMs(), collect);
    REQUIRE(rows.size() == 4);
    CHECK(rows[0].user.username == "frank");
    CHECK(rows[1].openSessions == 1);
    CHECK(rows[0].openSessions == 0);

    rows.clear();
    store.listUsers({"RAC", "", -1}, nowMs(), collect); // LIKE is case-insensitive for ASCII
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].user.username == "grace");

    rows.clear();
    store.listUsers({"%", "", -1}, nowMs(), collect); // % is literal, not a wildcard
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].user.username == "ivan_100%");

    rows.clear();
    store.listUsers({"", ids[1], 1}, nowMs(), collect);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].user.username == "heidi");

    rows.clear();
    store.listUsers({}, nowMs(), [&](const UserListing& r) {
        rows.push_back(r);
        return false; // the callback can stop the stream
    });
    CHECK(rows.size() == 1);
}

TEST_CASE("two stores on one file see each other's writes at once") {
    test::TempDir dir;
    SqliteStore a(dir.path() / "usersvc.db");
    SqliteStore b(dir.path() / "usersvc.db");
    auto user = makeUser("judy");
    a.createUser(user, {});
    CHECK(b.findUserByUsername("judy"));
    b.createSession(makeSession(user.id, "j1", nowMs() + 60000));
    CHECK(a.findUserOfActiveSession("j1", nowMs()));
    b.revokeSession("j1", nowMs());
    CHECK_FALSE(a.findUserOfActiveSession("j1", nowMs()));
}

TEST_CASE("watch history keeps the newest entries and moves repeats to the front") {
    test::TempDir dir;
    SqliteStore store(dir.path() / "usersvc.db");
    auto user = makeUser("kim");
    store.createUser(user, {});
    auto now = nowMs();
    std::int64_t last = 0;
    for (const char* video : {"a", "b", "c", "d", "b"}) last = store.recordWatch(user.id, video, now, 3);
    auto history = store.listHistory(user.id, 10);
    CHECK(history.front().watchedAtMs == last); // what it returns is what it stored
    REQUIRE(history.size() == 3);
    CHECK(history[0].videoId == "b");
    CHECK(history[1].videoId == "d");
    CHECK(history[2].videoId == "c");
    CHECK(history[0].watchedAtMs > history[1].watchedAtMs); // same clock reading, still ordered
}

TEST_CASE("deleting a user removes sessions, subscriptions and history with it") {
    test::TempDir dir;
    SqliteStore store(dir.path() / "usersvc.db");
    auto gone = makeUser("gone"), stays = makeUser("stays");
    gone.avatar = "ab/ab00000000000000000000000000000000000000000000000000000000000000.png";
    store.createUser(gone, {});
    store.createUser(stays, {});
    store.createSession(makeSession(gone.id, "g1", nowMs() + 60000));
    store.toggleSubscription(gone.id, stays.id, newObjectId(), nowMs());
    store.toggleSubscription(stays.id, gone.id, newObjectId(), nowMs());
    store.recordWatch(gone.id, "v", nowMs(), 10);
    auto removed = store.deleteUser(gone.id);
    REQUIRE(removed);
    CHECK(removed->avatar == gone.avatar);
    CHECK_FALSE(store.findSession("g1"));
    auto counts = store.countsFor(stays.id, nowMs());
    CHECK(counts.subscribers == 0);
    CHECK(counts.subscribedTo == 0);
    CHECK(store.listHistory(gone.id, 10).empty());
    CHECK_FALSE(store.deleteUser(gone.id));

    std::vector<std::string> removedRefs;
    store.releaseMedia({gone.avatar, "", "https://res.cloudinary.com/x.png"},
                       [&](const std::string& ref) { removedRefs.push_back(ref); });
    CHECK(removedRefs == std::vector<std::string>{gone.avatar});
}

TEST_CASE("profile updates refuse names taken by others and apply only given fields") {
    test::TempDir dir;
    SqliteStore store(dir.path() / "usersvc.db");
    auto a = makeUser("lena"), b = makeUser("mona");
    store.createUser(a, {});
    store.createUser(b, {});
    ProfileChange change;
    change.fullName = "Lena L";
    auto updated = store.updateProfile(a.id, change, nowMs() + 5);
    CHECK(updated.fullName == "Lena L");
    CHECK(updated.username == "lena");
    CHECK(updated.updatedAtMs > updated.createdAtMs);
    ProfileChange clash;
    clash.username = "mona";
    CHECK_THROWS_AS(store.updateProfile(a.id, clash, nowMs()), Error);
    ProfileChange self;
    self.email = "lena@example.com";
    CHECK_NOTHROW(store.updateProfile(a.id, self, nowMs()));
}

TEST_CASE("subscriptions made before schema 3 get an ObjectId-shaped id from their creation second") {
    test::TempDir dir;
    auto file = dir.path() / "usersvc.db";
    auto fan = makeUser("early_fan"), star = makeUser("early_star");
    const std::int64_t subscribedAt = 1732000005000; // 0x673c3905 seconds
    {
        SqliteStore store(file);
        store.createUser(fan, {});
        store.createUser(star, {});
        store.toggleSubscription(fan.id, star.id, newObjectId(), subscribedAt);
    }
    {
        // Take the store back to schema 2, as a store from before issue 10 was.
        SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
        db.exec("DROP INDEX subscriptions_by_id; ALTER TABLE subscriptions DROP COLUMN id; PRAGMA user_version = 2");
    }
    SqliteStore store(file);
    CHECK(store.schemaVersion() == 3);
    auto list = store.listSubscriptions(fan.id, 0, 10);
    REQUIRE(list.size() == 1);
    CHECK(isObjectId(list[0].id));
    CHECK(list[0].id.substr(0, 8) == "673c3905");
    CHECK(list[0].createdAtMs == subscribedAt);
    CHECK(list[0].channel.username == "early_star");
    CHECK(list[0].subscriber.username == "early_fan");
    CHECK(store.listSubscribers(star.id, 0, 10)[0].id == list[0].id);
}
