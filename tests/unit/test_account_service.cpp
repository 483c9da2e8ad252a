#include "domain/error.hpp"
#include "services/core.hpp"
#include "storage/sqlite_store.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

using namespace usersvc;

namespace {
RegistrationInput input(
    const std::string& username, const std::string& email, const std::string& password = "password123") {
    RegistrationInput in;
    in.username = username;
    in.email = email;
    in.password = password;
    return in;
}

LoginInput credentials(const std::string& identifier, const std::string& password) {
    LoginInput in;
    in.identifier = LoginIdentifier::from(identifier);
    in.password = password;
    return in;
}

Code codeOf(auto&& action) {
    try {
        action();
    } catch (const Error& e) {
        return e.code;
    }
    FAIL("no error thrown");
    return Code::Internal;
}

std::unique_ptr<StagedImage> staged(Core& core, const std::string& field, const std::string& bytes) {
    auto s = core.media().stage(field);
    s->append(bytes.data(), bytes.size());
    s->finish();
    return s;
}
} // namespace

TEST_CASE("register, login, authenticate, logout: the whole session life") {
    test::TempDir dir;
    Core core(test::testCoreSettings(dir.path()));
    auto& accounts = core.accounts();
    auto in = input("John_Doe", "John@Email.com");
    in.fullName = "John Doe";
    User user = accounts.registerUser(in);
    CHECK(user.username == "john_doe");
    CHECK(user.email == "john@email.com");

    auto& sessions = core.sessions();
    auto session = sessions.login(credentials("JOHN@email.com", "password123"));
    CHECK(session.user.id == user.id);
    CHECK(session.refreshToken.size() == 43);
    auto auth = sessions.authenticate(session.accessToken);
    CHECK(auth.user.id == user.id);
    CHECK(auth.sessionId == session.sessionId);
    // Only the refresh token's hash is stored.
    CHECK(SqliteStore(dir.path() / "usersvc.db").findSession(session.sessionId)->refreshHash != session.refreshToken);

    sessions.logoutSession(session.sessionId);
    CHECK(codeOf([&] { sessions.authenticate(session.accessToken); }) == Code::Unauthenticated);
    CHECK(codeOf([&] { sessions.logoutSession(session.sessionId); }) == Code::NotFound);
}

TEST_CASE("unknown user and wrong password fail alike") {
    test::TempDir dir;
    Core core(test::testCoreSettings(dir.path()));
    auto in = input("alice", "alice@example.com");
    core.accounts().registerUser(in);
    std::string unknown, wrong;
    try {
        core.sessions().login(credentials("nobody", "password123"));
    } catch (const Error& e) {
        CHECK(e.code == Code::Unauthenticated);
        unknown = e.what();
    }
    try {
        core.sessions().login(credentials("alice", "password124"));
    } catch (const Error& e) {
        CHECK(e.code == Code::Unauthenticated);
        wrong = e.what();
    }
    CHECK(unknown == "Invalid credentials");
    CHECK(wrong == unknown);
    CHECK(codeOf([&] { core.sessions().login(credentials("", "x")); }) == Code::Invalid);
    CHECK(codeOf([&] { core.sessions().login(credentials("alice", "")); }) == Code::Invalid);
}

TEST_CASE("registration conflicts ignore case and leave no row and no file behind") {
    test::TempDir dir;
    Core core(test::testCoreSettings(dir.path()));
    auto first = input("bob", "bob@example.com");
    core.accounts().registerUser(first);
    auto before = test::countFiles(dir.path() / "media");

    auto clash = input("BOB", "other@example.com");
    clash.avatar = staged(core, "Avatar", test::pngBytes());
    clash.coverImage = staged(core, "CoverImg", test::jpegBytes());
    try {
        core.accounts().registerUser(clash);
        FAIL("conflict accepted");
    } catch (const Error& e) {
        CHECK(e.code == Code::Conflict);
        REQUIRE(e.fields.size() == 1);
        CHECK(e.fields[0].field == "username");
    }
    auto clashEmail = input("bobby", "BOB@example.com");
    CHECK(codeOf([&] { core.accounts().registerUser(clashEmail); }) == Code::Conflict);
    clash.avatar.reset();
    clash.coverImage.reset();
    CHECK(test::countFiles(dir.path() / "media") == before);
    int users = 0;
    core.accounts().listUsers({}, [&](const UserListing&) { return ++users > 0; });
    CHECK(users == 1);
}

TEST_CASE("invalid registrations name every bad field") {
    test::TempDir dir;
    Core core(test::testCoreSettings(dir.path()));
    auto bad = input("x", "not-an-email", "1234567");
    try {
        core.accounts().registerUser(bad);
        FAIL("accepted");
    } catch (const Error& e) {
        CHECK(e.code == Code::Invalid);
        REQUIRE(e.fields.size() == 3);
        CHECK(e.fields[0].field == "username");
        CHECK(e.fields[1].field == "email");
        CHECK(e.fields[2].field == "password");
    }
}

TEST_CASE("images are published with the user, --require-avatar is enforced") {
    test::TempDir dir;
    auto settings = test::testCoreSettings(dir.path());
    settings.accounts.requireAvatar = true;
    Core core(settings);
    auto noAvatar = input("carol", "carol@example.com");
    CHECK(codeOf([&] { core.accounts().registerUser(noAvatar); }) == Code::Invalid);

    auto withAvatar = input("carol", "carol@example.com");
    withAvatar.avatar = staged(core, "Avatar", test::pngBytes());
    User user = core.accounts().registerUser(withAvatar);
    CHECK(core.media().resolve(user.avatar));
    CHECK(user.coverImage.empty());
}

TEST_CASE("users are found by username, email or _id, logoutEverywhere revokes all") {
    test::TempDir dir;
    Core core(test::testCoreSettings(dir.path()));
    auto in = input("dave", "dave@example.com");
    User user = core.accounts().registerUser(in);
    CHECK(core.accounts().findUser("DAVE").id == user.id);
    CHECK(core.accounts().findUser("dave@example.com").id == user.id);
    CHECK(core.accounts().findUser(user.id).username == "dave");
    CHECK(codeOf([&] { core.accounts().findUser("nobody"); }) == Code::NotFound);

    auto s1 = core.sessions().login(credentials("dave", "password123"));
    auto s2 = core.sessions().login(credentials("dave@example.com", "password123"));
    CHECK(core.sessions().logoutEverywhere(core.accounts().findUser("dave").id) == 2);
    CHECK(codeOf([&] { core.sessions().authenticate(s1.accessToken); }) == Code::Unauthenticated);
    CHECK(codeOf([&] { core.sessions().authenticate(s2.accessToken); }) == Code::Unauthenticated);
}

TEST_CASE("sessions can be revoked by either token") {
    test::TempDir dir;
    Core core(test::testCoreSettings(dir.path()));
    auto in = input("erin", "erin@example.com");
    core.accounts().registerUser(in);
    auto a = core.sessions().login(credentials("erin", "password123"));
    auto b = core.sessions().login(credentials("erin", "password123"));
    core.sessions().logoutByRefreshToken(a.refreshToken);
    core.sessions().logoutByAccessToken(b.accessToken);
    CHECK(codeOf([&] { core.sessions().authenticate(a.accessToken); }) == Code::Unauthenticated);
    CHECK(codeOf([&] { core.sessions().authenticate(b.accessToken); }) == Code::Unauthenticated);
    CHECK(codeOf([&] { core.sessions().logoutByRefreshToken("unknown"); }) == Code::NotFound);
    CHECK(codeOf([&] { core.sessions().logoutByAccessToken("garbage"); }) == Code::Unauthenticated);
}

TEST_CASE("a token signed by one process is accepted by another on the same data dir") {
    test::TempDir dir;
    Core cli(test::testCoreSettings(dir.path()));
    auto in = input("frank", "frank@example.com");
    cli.accounts().registerUser(in);
    auto session = cli.sessions().login(credentials("frank", "password123"));
    Core server(test::testCoreSettings(dir.path()));
    CHECK(server.sessions().authenticate(session.accessToken).user.username == "frank");
}

TEST_CASE("the history service keeps the newest 1000 entries per user") {
    test::TempDir dir;
    Core core(test::testCoreSettings(dir.path()));
    auto in = input("binge", "binge@example.com");
    User user = core.accounts().registerUser(in);
    for (int i = 0; i < 1005; ++i)
        core.history().record(user.id, "video-" + std::to_string(i));
    auto history = core.history().list(user.id);
    REQUIRE(history.size() == 1000);
    CHECK(history.front().videoId == "video-1004");
    CHECK(history.back().videoId == "video-5");
    CHECK(codeOf([&] { core.history().record(user.id, "bad id"); }) == Code::Invalid);
}

TEST_CASE("refresh tokens rotate, a stale one revokes the session") {
    test::TempDir dir;
    auto settings = test::testCoreSettings(dir.path());
    settings.accounts.refreshReuseIntervalSeconds = 0;
    Core core(settings);
    auto in = input("rot", "rot@example.com");
    core.accounts().registerUser(in);
    auto first = core.sessions().login(credentials("rot", "password123"));
    auto second = core.sessions().refresh(first.refreshToken, {});
    CHECK(second.sessionId == first.sessionId);
    CHECK(second.refreshToken != first.refreshToken);
    auto third = core.sessions().refresh(second.refreshToken, {});
    // first is two generations old: reuse, whatever the interval.
    CHECK(codeOf([&] { core.sessions().refresh(first.refreshToken, {}); }) == Code::Unauthenticated);
    CHECK(codeOf([&] { core.sessions().refresh(third.refreshToken, {}); }) == Code::Unauthenticated);
    CHECK(codeOf([&] { core.sessions().authenticate(third.accessToken); }) == Code::Unauthenticated);
    // Only hashes are stored: the session row does not hold the token in clear.
    auto session = SqliteStore(dir.path() / "usersvc.db").findSession(first.sessionId);
    CHECK(session->refreshHash.find(third.refreshToken) == std::string::npos);
    CHECK(session->replaySealed.find(third.refreshToken) == std::string::npos);
}

TEST_CASE("a username of 24 hexadecimal characters is refused, and a lookup that could name two users says so") {
    // Issue 21: a name shaped like another user's _id made the console and the
    // CLI act on that user (deleting the attacker's account deleted the victim).
    test::TempDir dir;
    Core core(test::testCoreSettings(dir.path()));
    auto& accounts = core.accounts();
    auto victimInput = input("victim", "victim@x.io");
    auto victim = accounts.registerUser(victimInput);
    auto idShaped = input(victim.id, "attacker@x.io");
    CHECK(codeOf([&] { accounts.registerUser(idShaped); }) == Code::Invalid);
    auto upper = input("ABCDEF0123456789ABCDEF01", "upper@x.io"); // lowercased, then the same shape
    CHECK(codeOf([&] { accounts.registerUser(upper); }) == Code::Invalid);
    auto attackerInput = input("attacker", "attacker@x.io");
    auto attacker = accounts.registerUser(attackerInput);
    ProfileInput rename;
    rename.username = victim.id;
    CHECK(codeOf([&] { accounts.updateProfile(attacker.id, rename); }) == Code::Invalid);
    CHECK(accounts.findUser("attacker").username == "attacker");
    // A store from before the rule may hold such a name: the id is then ambiguous.
    auto old = test::sampleUser(victim.id);
    old.email = "old@x.io";
    SqliteStore store(dir.path() / "usersvc.db");
    test::insertUser(store, old);
    CHECK(codeOf([&] { accounts.deleteUser(victim.id); }) == Code::Invalid);
    CHECK(accounts.findUser("victim@x.io").id == victim.id); // nobody was deleted
    CHECK(accounts.findUser("old@x.io").id == old.id);
}
