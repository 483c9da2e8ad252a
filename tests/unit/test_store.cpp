#include "domain/clock.hpp"
#include "domain/error.hpp"
#include "domain/ids.hpp"
#include "media/media_store.hpp"
#include "security/crypto.hpp"
#include "services/store_writes.hpp"
#include "storage/database_url.hpp"
#include "storage/sqlite_store.hpp"
#include "test_support.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>
#include <sys/stat.h>

using namespace usersvc;

// SQLite-specific behaviour; what every store must do is tests/contract/store_contract.cpp.

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

TEST_CASE("images published inside a write transaction stay only if it commits") {
    // Was "write hooks publish before commit and unpublish when the insert fails":
    // publication moved from store callbacks to PublishedImages, held by the service.
    test::TempDir dir;
    SqliteStore store(dir.path() / "usersvc.db");
    MediaStore media(dir.path() / "media", 1 << 20);
    auto stage = [&] {
        auto image = media.stage("Avatar");
        auto png = test::pngBytes();
        image->append(png.data(), png.size());
        image->finish();
        return image;
    };
    auto carol = test::sampleUser("carol");
    auto image = stage();
    carol.avatar = image->reference();
    {
        auto tx = store.beginWrite();
        tx->insertUser(carol);
        PublishedImages published{*tx, {image.get()}};
        tx->commit();
        published.keep();
    }
    CHECK(media.resolve(carol.avatar));
    CHECK(store.findUserByUsername("carol"));

    // A failure after publishing (here: before commit) rolls back the row and
    // removes the file this transaction created, while the lock is held.
    auto dave = test::sampleUser("dave");
    auto other = media.stage("Avatar");
    auto gif = test::gifBytes();
    other->append(gif.data(), gif.size());
    other->finish();
    dave.avatar = other->reference();
    try {
        auto tx = store.beginWrite();
        tx->insertUser(dave);
        PublishedImages published{*tx, {other.get()}};
        CHECK(media.resolve(dave.avatar));
        throw Error(Code::Internal, "disk full");
    } catch (const Error&) {
    }
    CHECK_FALSE(media.resolve(dave.avatar));
    CHECK_FALSE(store.findUserByUsername("dave"));

    // A file another user already has is not removed by an unpublish.
    auto erin = test::sampleUser("erin");
    auto same = stage();
    erin.avatar = same->reference();
    try {
        auto tx = store.beginWrite();
        tx->insertUser(erin);
        PublishedImages published{*tx, {same.get()}};
        throw Error(Code::Internal, "disk full");
    } catch (const Error&) {
    }
    CHECK(media.resolve(carol.avatar));

    // A publish that fails half-way (the second file cannot be renamed into its
    // shard) undoes the first before the transaction rolls back.
    auto stageBytes = [&](const char* field, const std::string& bytes) {
        auto image = media.stage(field);
        image->append(bytes.data(), bytes.size());
        image->finish();
        return image;
    };
    auto first = stageBytes("Avatar", test::webpBytes());
    auto second = stageBytes("CoverImg", test::jpegBytes());
    std::string blockedShard = second->reference().substr(0, 2);
    REQUIRE(first->reference().substr(0, 2) != blockedShard);
    test::writeFile(dir.path() / "media" / blockedShard, "a file where the shard directory goes");
    auto frank = test::sampleUser("frank");
    frank.avatar = first->reference();
    frank.coverImage = second->reference();
    try {
        auto tx = store.beginWrite();
        tx->insertUser(frank);
        PublishedImages published{*tx, {first.get(), second.get()}};
        FAIL("the second publish should have failed");
    } catch (const Error&) {
    }
    CHECK_FALSE(media.resolve(frank.avatar));
    CHECK_FALSE(store.findUserByUsername("frank"));
    std::filesystem::remove(dir.path() / "media" / blockedShard);

    // Released only when nobody references it.
    releaseUnreferenced(store, media, {carol.avatar, "", "https://res.cloudinary.com/x.png"});
    CHECK(media.resolve(carol.avatar));
    auto tx = store.beginWrite();
    tx->setImage(carol.id, ImageSlot::Avatar, "", nowMs());
    tx->commit();
    releaseUnreferenced(store, media, {carol.avatar});
    CHECK_FALSE(media.resolve(carol.avatar));
}

TEST_CASE("subscriptions made before schema 3 get an ObjectId-shaped id from their creation second") {
    test::TempDir dir;
    auto file = dir.path() / "usersvc.db";
    auto fan = test::sampleUser("early_fan"), star = test::sampleUser("early_star");
    const std::int64_t subscribedAt = 1732000005000; // 0x673c3905 seconds
    {
        SqliteStore store(file);
        test::insertUser(store, fan);
        test::insertUser(store, star);
        store.toggleSubscription(fan.id, star.id, newObjectId(), subscribedAt);
    }
    {
        // Take the store back to schema 2, as a store from before issue 10 was
        // (without migration 3's column, the indexes of migrations 4 and 5 and
        // migration 6's outbox).
        SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
        db.exec("DROP INDEX subscriptions_by_id; ALTER TABLE subscriptions DROP COLUMN id;"
                "DROP INDEX sessions_by_expiry; DROP INDEX sessions_revoked; DROP INDEX sessions_replay;"
                "DROP INDEX users_by_name_prefix; DROP TABLE outbox; PRAGMA user_version = 2");
    }
    SqliteStore store(file);
    CHECK(store.schemaVersion() == latestSchemaVersion());
    auto list = store.listSubscriptions(fan.id, 0, 10);
    REQUIRE(list.size() == 1);
    CHECK(isObjectId(list[0].id));
    CHECK(list[0].id.substr(0, 8) == "673c3905");
    CHECK(list[0].createdAtMs == subscribedAt);
    CHECK(list[0].channel.username == "early_star");
    CHECK(list[0].subscriber.username == "early_fan");
    CHECK(store.listSubscribers(star.id, 0, 10)[0].id == list[0].id);
}

TEST_CASE("a --database value is parsed once: its kind, what to open, and no password when shown") {
    // Issue 22: the value was classified in three files with three prefix tests.
    CHECK_FALSE(DatabaseUrl::parse("").isPostgres());
    CHECK(DatabaseUrl::parse("").sqliteFile("data") == std::filesystem::path("data") / "usersvc.db");
    auto file = DatabaseUrl::parse("sqlite:/tmp/x.db");
    CHECK_FALSE(file.isPostgres());
    CHECK(file.sqliteFile("data") == "/tmp/x.db");
    CHECK(DatabaseUrl::parse("sqlite:a=b").sqliteFile("data") == "a=b"); // the prefix decides
    for (const char* pg : {"postgres://u:secret@db/users", "postgresql://db/users", "host=db dbname=users"}) {
        CAPTURE(pg);
        auto url = DatabaseUrl::parse(pg);
        CHECK(url.isPostgres());
        CHECK(url.connectionString() == pg);
    }
    CHECK(DatabaseUrl::parse("postgres://u:secret@db/users").redacted() == "postgres://u:***@db/users");
    CHECK(DatabaseUrl::parse("host=db password=secret dbname=u").redacted() == "host=db password=*** dbname=u");
    // Another scheme with '=' in its query is no libpq keyword string; nor is a bare "sqlite:".
    for (const char* bad : {"mysql://u:secret@db/app?ssl=true", "sqlite:", "users.db"}) {
        CAPTURE(bad);
        try {
            DatabaseUrl::parse(bad);
            FAIL("accepted");
        } catch (const Error& e) {
            CHECK(e.code == Code::Invalid);
            CHECK(std::string(e.what()).find("secret") == std::string::npos);
        }
    }
}
