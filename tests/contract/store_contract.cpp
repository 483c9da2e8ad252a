// The store contract: what any Store implementation must do, written against
// the interface in storage/store.hpp only. Each case runs once per backend in
// STORE_BACKENDS: SQLite and PostgreSQL.
#include "backends.hpp"
#include "domain/clock.hpp"
#include "domain/error.hpp"
#include "domain/ids.hpp"
#include "login_limiter.hpp"
#include "security/crypto.hpp"
#include "storage/pg_store.hpp"
#include "storage/sqlite_store.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

using namespace usersvc;

namespace {

std::vector<std::string> conflictOf(Store& store, const UserRecord& user) {
    try {
        test::insertUser(store, user);
    } catch (const UniqueConflict& e) {
        return e.fields;
    }
    FAIL("duplicate accepted: " << user.username);
    return {};
}

const std::string kPng = "ab/ab00000000000000000000000000000000000000000000000000000000000000.png";
} // namespace

TEST_CASE_TEMPLATE("users are stored, found by id, username and email, and unique", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    auto alice = test::sampleUser("alice");
    test::insertUser(*store, alice);
    CHECK(store->findUserById(alice.id)->username == "alice");
    CHECK(store->findUserByUsername("alice")->email == "alice@example.com");
    CHECK(store->findUserByEmail("alice@example.com")->fullName == "Full alice");
    CHECK(store->findUserByEmail("alice@example.com")->passwordHash == alice.passwordHash);
    CHECK_FALSE(store->findUserByUsername("bob"));
    CHECK(store->countUsers() == 1);

    // The store names the taken fields; the services word the message.
    auto clash = test::sampleUser("alice");
    clash.email = "alice@example.com";
    CHECK(conflictOf(*store, clash) == std::vector<std::string>{"username", "email"});
    auto emailOnly = test::sampleUser("alice2");
    emailOnly.email = "alice@example.com";
    CHECK(conflictOf(*store, emailOnly) == std::vector<std::string>{"email"});
    auto sameId = test::sampleUser("alice3");
    sameId.id = alice.id;
    CHECK(conflictOf(*store, sameId) == std::vector<std::string>{"_id"});
    CHECK(store->countUsers() == 1);
}

TEST_CASE_TEMPLATE("a write transaction keeps what it committed and nothing else", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    {
        auto tx = store->beginWrite();
        tx->insertUser(test::sampleUser("carol"));
        // no commit: rolled back when it goes
    }
    CHECK_FALSE(store->findUserByUsername("carol"));
    {
        auto tx = store->beginWrite();
        tx->insertUser(test::sampleUser("carol"));
        tx->commit();
    }
    CHECK(store->findUserByUsername("carol"));
    // A conflict inside a transaction leaves the transaction usable for nothing
    // but rolling back, and the store as it was.
    {
        auto tx = store->beginWrite();
        CHECK_THROWS_AS(tx->insertUser(test::sampleUser("carol")), UniqueConflict);
    }
    CHECK(store->countUsers() == 1);
    // Another writer waits for the lock instead of failing.
    auto second = B::open(dir.path());
    auto tx = store->beginWrite();
    tx->insertUser(test::sampleUser("dave"));
    std::thread other([&] { test::insertUser(*second, test::sampleUser("erin")); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK_FALSE(second->findUserByUsername("erin")); // still waiting
    tx->commit();
    other.join();
    CHECK(store->findUserByUsername("dave"));
    CHECK(store->findUserByUsername("erin"));
}

TEST_CASE_TEMPLATE("images: the slot's old reference comes back, references are counted", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    auto user = test::sampleUser("fay");
    test::insertUser(*store, user);
    auto tx = store->beginWrite();
    CHECK(tx->setImage(user.id, ImageSlot::Avatar, kPng, nowMs()) == std::optional<std::string>(""));
    CHECK(tx->setImage(user.id, ImageSlot::Avatar, kPng, nowMs()) == std::optional<std::string>(kPng));
    CHECK(tx->setImage(newObjectId(), ImageSlot::CoverImage, kPng, nowMs()) == std::nullopt);
    CHECK(tx->isMediaReferenced(kPng));
    tx->commit();
    CHECK(store->findUserById(user.id)->avatar == kPng);
    CHECK(store->findUserById(user.id)->coverImage == "");

    auto again = store->beginWrite();
    CHECK(again->setImage(user.id, ImageSlot::Avatar, "", nowMs()) == std::optional<std::string>(kPng));
    CHECK_FALSE(again->isMediaReferenced(kPng));
    CHECK_FALSE(again->isMediaReferenced(""));
}

TEST_CASE_TEMPLATE("sessions are found, revoked and expire", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    auto user = test::sampleUser("erin");
    test::insertUser(*store, user);
    auto now = nowMs();
    store->createSession(test::sampleSession(user.id, "s1", now + 60000));
    store->createSession(test::sampleSession(user.id, "s2", now + 60000));
    store->createSession(test::sampleSession(user.id, "old", now - 1));

    CHECK(store->findSession("s1")->userAgent == "doctest");
    CHECK(store->findSessionByRefreshHash("hash-s2")->id == "s2");
    CHECK(store->findUserOfActiveSession("s1", now)->id == user.id);
    CHECK_FALSE(store->findUserOfActiveSession("old", now));
    CHECK_FALSE(store->findUserOfActiveSession("missing", now));
    CHECK(store->countOpenSessions(now) == 2);
    CHECK(store->listOpenSessions(user.id, now).size() == 2);

    CHECK(store->revokeSession("s1", now));
    CHECK_FALSE(store->revokeSession("s1", now)); // already revoked
    CHECK_FALSE(store->findUserOfActiveSession("s1", now));
    CHECK(store->findSession("s1")->revokedAtMs.has_value());

    store->createSession(test::sampleSession(user.id, "s3", now + 60000));
    CHECK(store->revokeUserSessions(user.id, now, "s3") == 2); // s2 and old; s3 kept
    CHECK(store->findUserOfActiveSession("s3", now));
}

TEST_CASE_TEMPLATE("refresh rotation retires the old hash once, and only from the hash it holds", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    auto user = test::sampleUser("gus");
    test::insertUser(*store, user);
    auto now = nowMs();
    store->createSession(test::sampleSession(user.id, "r1", now + 60000));
    SessionRecord next;
    next.refreshHash = "hash-r1-b";
    next.lastUsedAtMs = now + 1;
    next.expiresAtMs = now + 120000;
    next.userAgent = "rotated";
    next.clientAddress = "127.0.0.2";
    next.replaySealed = std::string("sealed\0pair", 11);
    CHECK(store->rotateRefresh("r1", "hash-r1", next));
    CHECK_FALSE(store->rotateRefresh("r1", "hash-r1", next)); // a second rotation from the same hash loses
    auto session = store->findSessionByRefreshHash("hash-r1-b");
    REQUIRE(session);
    CHECK(session->previousRefreshHash == "hash-r1");
    CHECK(session->rotatedAtMs.has_value());
    CHECK(session->replaySealed == next.replaySealed);
    CHECK(session->expiresAtMs == now + 120000);
    CHECK_FALSE(store->findSessionByRefreshHash("hash-r1"));
    CHECK(store->findSessionByRetiredRefreshHash("hash-r1")->id == "r1");
    CHECK_FALSE(store->findSessionByRetiredRefreshHash("hash-unknown"));
    store->revokeSession("r1", now);
    CHECK_FALSE(store->rotateRefresh("r1", "hash-r1-b", next)); // revoked sessions do not rotate
}

TEST_CASE_TEMPLATE(
    "listing streams users in id order with search, paging, session and subscriber counts", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    std::vector<std::string> ids;
    for (const char* name : {"frank", "grace", "heidi", "ivan_100%"}) {
        auto u = test::sampleUser(name);
        u.id = "6743f0c2a1b2c3d4e5f6071" + std::to_string(ids.size());
        test::insertUser(*store, u);
        ids.push_back(u.id);
    }
    store->createSession(test::sampleSession(ids[1], "g1", nowMs() + 60000));
    store->toggleSubscription(ids[0], ids[2], "6743f0c2a1b2c3d4e5f60800", nowMs());
    store->toggleSubscription(ids[1], ids[2], "6743f0c2a1b2c3d4e5f60801", nowMs());
    std::vector<UserListing> rows;
    auto collect = [&](const UserListing& r) {
        rows.push_back(r);
        return true;
    };
    store->listUsers({}, nowMs(), collect);
    REQUIRE(rows.size() == 4);
    CHECK(rows[0].user.username == "frank");
    CHECK(rows[1].openSessions == 1);
    CHECK(rows[0].openSessions == 0);
    CHECK(rows[2].subscribers == 2); // counted in the listing query itself
    CHECK(rows[0].subscribers == 0);

    rows.clear();
    store->listUsers({"RAC", "", -1}, nowMs(), collect); // case-insensitive for ASCII
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].user.username == "grace");

    rows.clear();
    store->listUsers({"%", "", -1}, nowMs(), collect); // % is literal, not a wildcard
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].user.username == "ivan_100%");

    rows.clear();
    store->listUsers({"", ids[1], 1}, nowMs(), collect);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].user.username == "heidi");

    rows.clear();
    store->listUsers({}, nowMs(), [&](const UserListing& r) {
        rows.push_back(r);
        return false; // the callback can stop the stream
    });
    CHECK(rows.size() == 1);
}

TEST_CASE_TEMPLATE("prefix search finds the start of username, email or name, any case, and pages", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    std::vector<std::string> ids;
    for (const char* name : {"alma", "alvin", "bert", "carla"}) {
        auto u = test::sampleUser(name);
        u.id = "6743f0c2a1b2c3d4e5f6071" + std::to_string(ids.size());
        if (std::string(name) == "bert") u.fullName = "Alfred Bert";
        if (std::string(name) == "carla") u.email = "al@carla.example";
        test::insertUser(*store, u);
        ids.push_back(u.id);
    }
    auto find = [&](UserQuery query) {
        query.prefix = true;
        std::vector<std::string> names;
        store->listUsers(query, nowMs(), [&](const UserListing& row) {
            names.push_back(row.user.username);
            return true;
        });
        return names;
    };
    // username, name and e-mail starts, in id order; "AL" as typed in any case
    CHECK(find({"AL", "", -1}) == std::vector<std::string>{"alma", "alvin", "bert", "carla"});
    CHECK(find({"alv", "", -1}) == std::vector<std::string>{"alvin"});
    CHECK(find({"rla", "", -1}).empty()); // a prefix, not a substring
    CHECK(find({"al", ids[1], 1}) == std::vector<std::string>{"bert"});
    CHECK(find({"%", "", -1}).empty());
    CHECK(find({"", "", 2}) == std::vector<std::string>{"alma", "alvin"});
}

TEST_CASE_TEMPLATE("two stores on one database see each other's writes at once", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto a = B::open(dir.path());
    auto b = B::open(dir.path());
    auto user = test::sampleUser("judy");
    test::insertUser(*a, user);
    CHECK(b->findUserByUsername("judy"));
    b->createSession(test::sampleSession(user.id, "j1", nowMs() + 60000));
    CHECK(a->findUserOfActiveSession("j1", nowMs()));
    b->revokeSession("j1", nowMs());
    CHECK_FALSE(a->findUserOfActiveSession("j1", nowMs()));
}

TEST_CASE_TEMPLATE("concurrent writers on separate clients all land", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto star = test::sampleUser("star");
    test::insertUser(*B::open(dir.path()), star);
    std::atomic<int> failures{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w)
        writers.emplace_back([&, w] {
            auto store = B::open(dir.path());
            for (int i = 0; i < 15; ++i) {
                try {
                    auto fan = test::sampleUser("fan_" + std::to_string(w) + "_" + std::to_string(i));
                    test::insertUser(*store, fan);
                    store->toggleSubscription(fan.id, star.id, newObjectId(), nowMs());
                    store->recordWatch(fan.id, "v" + std::to_string(i), nowMs(), 10);
                } catch (const std::exception&) {
                    ++failures;
                }
            }
        });
    for (auto& t : writers)
        t.join();
    CHECK(failures == 0);
    auto store = B::open(dir.path());
    CHECK(store->countUsers() == 61);
    CHECK(store->countsFor(star.id, nowMs()).subscribers == 60);
}

TEST_CASE_TEMPLATE("subscriptions toggle and page newest first with both users", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    auto star = test::sampleUser("star");
    test::insertUser(*store, star);
    std::vector<UserRecord> fans;
    for (int i = 0; i < 3; ++i) {
        fans.push_back(test::sampleUser("fan" + std::to_string(i)));
        test::insertUser(*store, fans.back());
        CHECK(store->toggleSubscription(fans.back().id, star.id, newObjectId(), 1000 + i));
    }
    CHECK(store->isSubscribed(fans[0].id, star.id));
    CHECK_FALSE(store->isSubscribed(star.id, fans[0].id));
    auto page1 = store->listSubscribers(star.id, 0, 2);
    auto page2 = store->listSubscribers(star.id, 2, 2);
    REQUIRE(page1.size() == 2);
    REQUIRE(page2.size() == 1);
    CHECK(page1[0].subscriber.username == "fan2"); // newest first
    CHECK(page1[0].channel.username == "star");
    CHECK(page1[0].createdAtMs == 1002);
    CHECK(isObjectId(page1[0].id));
    CHECK(page2[0].subscriber.username == "fan0");
    auto following = store->listSubscriptions(fans[1].id, 0, 10);
    REQUIRE(following.size() == 1);
    CHECK(following[0].channel.id == star.id);
    CHECK(following[0].id == page1[1].id);

    CHECK_FALSE(store->toggleSubscription(fans[0].id, star.id, newObjectId(), 2000)); // unsubscribes
    auto counts = store->countsFor(star.id, nowMs());
    CHECK(counts.subscribers == 2);
    CHECK(store->countsFor(fans[1].id, nowMs()).subscribedTo == 1);
}

TEST_CASE_TEMPLATE("watch history keeps the newest entries and moves repeats to the front", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    auto user = test::sampleUser("kim");
    test::insertUser(*store, user);
    auto now = nowMs();
    std::int64_t last = 0;
    for (const char* video : {"a", "b", "c", "d", "b"})
        last = store->recordWatch(user.id, video, now, 3);
    auto history = store->listHistory(user.id, 10);
    CHECK(history.front().watchedAtMs == last); // what it returns is what it stored
    REQUIRE(history.size() == 3);
    CHECK(history[0].videoId == "b");
    CHECK(history[1].videoId == "d");
    CHECK(history[2].videoId == "c");
    CHECK(history[0].watchedAtMs > history[1].watchedAtMs); // same clock reading, still ordered
}

TEST_CASE_TEMPLATE("deleting a user removes sessions, subscriptions and history with it", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    auto gone = test::sampleUser("gone"), stays = test::sampleUser("stays");
    gone.avatar = kPng;
    test::insertUser(*store, gone);
    test::insertUser(*store, stays);
    store->createSession(test::sampleSession(gone.id, "g1", nowMs() + 60000));
    store->toggleSubscription(gone.id, stays.id, newObjectId(), nowMs());
    store->toggleSubscription(stays.id, gone.id, newObjectId(), nowMs());
    store->recordWatch(gone.id, "v", nowMs(), 10);
    auto removed = store->deleteUser(gone.id);
    REQUIRE(removed);
    CHECK(removed->avatar == gone.avatar);
    CHECK_FALSE(store->findSession("g1"));
    auto counts = store->countsFor(stays.id, nowMs());
    CHECK(counts.subscribers == 0);
    CHECK(counts.subscribedTo == 0);
    CHECK(store->listHistory(gone.id, 10).empty());
    CHECK_FALSE(store->deleteUser(gone.id));
    auto tx = store->beginWrite();
    CHECK_FALSE(tx->isMediaReferenced(gone.avatar)); // nobody uses the image any more
}

TEST_CASE_TEMPLATE("profile updates refuse names taken by others and apply only given fields", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    auto a = test::sampleUser("lena"), b = test::sampleUser("mona");
    test::insertUser(*store, a);
    test::insertUser(*store, b);
    ProfileChange change;
    change.fullName = "Lena L";
    auto updated = store->updateProfile(a.id, change, nowMs() + 5);
    REQUIRE(updated);
    CHECK(updated->fullName == "Lena L");
    CHECK(updated->username == "lena");
    CHECK(updated->updatedAtMs > updated->createdAtMs);
    ProfileChange clash;
    clash.username = "mona";
    clash.email = "mona@example.com";
    try {
        store->updateProfile(a.id, clash, nowMs());
        FAIL("a taken name was accepted");
    } catch (const UniqueConflict& e) {
        CHECK(e.fields == std::vector<std::string>{"username", "email"});
    }
    ProfileChange self;
    self.email = "lena@example.com";
    CHECK_NOTHROW(store->updateProfile(a.id, self, nowMs()));
    CHECK_FALSE(store->updateProfile(newObjectId(), change, nowMs())); // no such user
}

TEST_CASE_TEMPLATE(
    "password hashes: replaced only from the expected one, or set revoking sessions", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    auto user = test::sampleUser("nina");
    test::insertUser(*store, user);
    CHECK(store->replacePasswordHash(user.id, user.passwordHash, "$2b$12$new"));
    CHECK_FALSE(store->replacePasswordHash(user.id, user.passwordHash, "$2b$12$other")); // no longer the old one
    CHECK(store->findUserById(user.id)->passwordHash == "$2b$12$new");
    auto now = nowMs();
    store->createSession(test::sampleSession(user.id, "keep", now + 60000));
    store->createSession(test::sampleSession(user.id, "drop", now + 60000));
    CHECK(store->setPasswordHash(user.id, "$2b$12$reset", now, "keep") == 1);
    CHECK_FALSE(store->setPasswordHash(newObjectId(), "$2b$12$reset", now, "")); // no such user
    CHECK(store->findUserOfActiveSession("keep", now));
    CHECK_FALSE(store->findUserOfActiveSession("drop", now));
    CHECK(store->findUserById(user.id)->passwordHash == "$2b$12$reset");
}

TEST_CASE_TEMPLATE("import batches insert each record whole or report its taken fields", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    auto existing = test::sampleUser("olga");
    test::insertUser(*store, existing);
    auto fresh = test::sampleUser("pia"), takenName = test::sampleUser("olga"), after = test::sampleUser("quinn");
    takenName.email = "other@example.com";
    auto outcomes = store->importUsers({fresh, takenName, after}, false);
    REQUIRE(outcomes.size() == 3);
    CHECK(outcomes[0].inserted);
    CHECK_FALSE(outcomes[1].inserted);
    CHECK(outcomes[1].takenFields == std::vector<std::string>{"username"});
    CHECK(outcomes[2].inserted);
    CHECK(store->countUsers() == 3);

    auto stopped = store->importUsers({test::sampleUser("rita"), existing, test::sampleUser("sam")}, true);
    REQUIRE(stopped.size() == 2); // nothing after the conflict is attempted
    CHECK(stopped[1].takenFields == std::vector<std::string>{"_id", "username", "email"});
    CHECK(store->findUserByUsername("rita"));
    CHECK_FALSE(store->findUserByUsername("sam"));
    CHECK(store->ping());
}

TEST_CASE_TEMPLATE(
    "a purge deletes revoked and expired sessions and forgets replay answers past their interval", B, STORE_BACKENDS) {
    // Issue 12, finding 7: sessions, retired hashes and sealed replay pairs were kept forever.
    test::TempDir dir;
    auto store = B::open(dir.path());
    auto user = test::sampleUser("purged");
    test::insertUser(*store, user);
    auto now = nowMs();
    store->createSession(test::sampleSession(user.id, "open", now + 60000));
    store->createSession(test::sampleSession(user.id, "expired", now - 1));
    store->createSession(test::sampleSession(user.id, "revoked", now + 60000));
    store->revokeSession("revoked", now);
    SessionRecord next;
    next.refreshHash = "hash-open-b";
    next.lastUsedAtMs = now - 20000; // rotated 20 s ago
    next.expiresAtMs = now + 60000;
    next.replaySealed = "sealed";
    REQUIRE(store->rotateRefresh("open", "hash-open", next));
    store->createSession(test::sampleSession(user.id, "fresh", now + 60000));
    SessionRecord recent = next;
    recent.refreshHash = "hash-fresh-b";
    recent.lastUsedAtMs = now;
    REQUIRE(store->rotateRefresh("fresh", "hash-fresh", recent));

    auto purged = store->purgeSessions(now, now - 10000);
    CHECK(purged.sessions == 2);
    CHECK(purged.replays == 1);
    CHECK_FALSE(store->findSession("expired"));
    CHECK_FALSE(store->findSession("revoked"));
    CHECK(store->findSession("open")->replaySealed.empty());
    CHECK(store->findSession("fresh")->replaySealed == "sealed"); // still inside its interval
    CHECK(store->findSessionByRetiredRefreshHash("hash-open")->id == "open");
    CHECK(store->purgeSessions(now, now - 10000).sessions == 0);
}

TEST_CASE_TEMPLATE("sessions beyond a per-user cap are revoked least recently used first", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    auto user = test::sampleUser("capped");
    auto other = test::sampleUser("other");
    test::insertUser(*store, user);
    test::insertUser(*store, other);
    auto now = nowMs();
    for (int i = 0; i < 5; ++i) {
        auto s = test::sampleSession(user.id, "s" + std::to_string(i), now + 60000);
        s.createdAtMs = now + i;
        s.lastUsedAtMs = i == 0 ? now + 100 : now + i; // s0 was created first but used last
        store->createSession(s);
    }
    store->createSession(test::sampleSession(other.id, "o1", now + 60000));
    CHECK(store->revokeSessionsBeyond(user.id, 3, now) == 2);
    std::vector<std::string> open;
    for (const auto& s : store->listOpenSessions(user.id, now))
        open.push_back(s.id);
    std::sort(open.begin(), open.end());
    CHECK(open == std::vector<std::string>{"s0", "s3", "s4"});
    CHECK(store->listOpenSessions(other.id, now).size() == 1);
}

TEST_CASE_TEMPLATE("a session keeps at most its newest 100 retired refresh hashes", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    auto user = test::sampleUser("looping");
    test::insertUser(*store, user);
    auto now = nowMs();
    store->createSession(test::sampleSession(user.id, "loop", now + 60000));
    std::string current = "hash-loop";
    for (int i = 0; i < 150; ++i) {
        SessionRecord next;
        next.refreshHash = "hash-" + std::to_string(i);
        next.lastUsedAtMs = now + i;
        next.expiresAtMs = now + 60000;
        REQUIRE(store->rotateRefresh("loop", current, next));
        current = next.refreshHash;
    }
    CHECK_FALSE(store->findSessionByRetiredRefreshHash("hash-loop")); // the oldest are gone
    CHECK_FALSE(store->findSessionByRetiredRefreshHash("hash-48"));
    CHECK(store->findSessionByRetiredRefreshHash("hash-49")->id == "loop");
    CHECK(store->findSessionByRetiredRefreshHash("hash-148")->id == "loop");
}

TEST_CASE_TEMPLATE("a healthy store answers ping and passes its integrity check", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    test::insertUser(*store, test::sampleUser("healthy"));
    CHECK(store->ping());
    CHECK(store->checkIntegrity() == "ok");
}

TEST_CASE_TEMPLATE(
    "login-limit windows: counted with the check, refused at the limit, over after the window", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    // A store instances share keeps the windows; otherwise the server's memory does.
    http::MemoryAttemptWindows memory(1000);
    AttemptWindows& windows = store->sharedAttemptWindows() ? *store->sharedAttemptWindows() : memory;
    const std::int64_t window = 60000, start = 1'000'000;
    std::vector<AttemptLimit> keys = {{"i:alice", 3}, {"a:10.0.0.1", 100}};
    for (int i = 0; i < 3; ++i)
        CHECK(windows.reserve(keys, start + i, window) == 0);
    CHECK(windows.wait(keys, start + 10, window) == 60);
    CHECK(windows.reserve(keys, start + 10, window) == 60); // refused, and not counted:
    windows.takeBack("i:alice");
    CHECK(windows.wait(keys, start + 10, window) == 0);
    CHECK(windows.reserve(keys, start + 11, window) == 0);
    CHECK(windows.reserve(keys, start + 12, window) > 0);
    CHECK(windows.reserve(keys, start + window, window) == 0); // the window is over: a new one
    windows.clear("i:alice");
    CHECK(windows.trackedKeys() == 1);
    windows.forgetStartedBefore(start + window);
    CHECK(windows.trackedKeys() == 0);

    // Concurrent reservations on one key never pass the limit together.
    std::atomic<int> passed{0};
    std::vector<std::thread> racers;
    for (int t = 0; t < 8; ++t)
        racers.emplace_back([&] {
            auto other = B::open(dir.path());
            AttemptWindows& mine = other->sharedAttemptWindows() ? *other->sharedAttemptWindows() : memory;
            for (int i = 0; i < 5; ++i)
                if (mine.reserve({{"i:bob", 10}}, start, window) == 0) ++passed;
        });
    for (auto& t : racers)
        t.join();
    CHECK(passed == 10);
}
