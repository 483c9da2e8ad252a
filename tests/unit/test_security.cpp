#include "domain/error.hpp"
#include "security/crypto.hpp"
#include "security/password.hpp"
#include "security/secret.hpp"
#include "security/token.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

using namespace usersvc;

namespace {
const std::string kSecret = "0123456789abcdef0123456789abcdef-test";

AccessClaims sampleClaims(std::int64_t now) {
    return AccessClaims{"6743f0c2a1b2c3d4e5f60718", "sid-1", "john_doe", "john@email.com", now, now + 900};
}

void expectRefused(const TokenSigner& signer, const std::string& token, std::int64_t now) {
    try {
        signer.verify(token, now);
        FAIL("token accepted: " << token);
    } catch (const Error& e) {
        CHECK(e.code == Code::Unauthenticated);
    }
}

std::string forge(const std::string& header, const std::string& payload, const std::string& signature) {
    return base64UrlEncode(header) + "." + base64UrlEncode(payload) + "." + signature;
}
} // namespace

TEST_CASE("SHA-256 and HMAC-SHA-256 match published vectors") {
    CHECK(sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // RFC 4231 test case 2.
    CHECK(hexEncode(hmacSha256("Jefe", "what do ya want for nothing?")) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    Sha256Stream stream;
    stream.update("a", 1);
    stream.update("bc", 2);
    CHECK(stream.finishHex() == sha256Hex("abc"));
}

TEST_CASE("base64url round-trips and refuses other alphabets and padding") {
    for (std::string s :
        std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\xff\xfe\x00", 3)})
        CHECK(base64UrlDecode(base64UrlEncode(s)) == s);
    CHECK(base64UrlEncode("\xfb\xff") == "-_8");
    CHECK_FALSE(base64UrlDecode("Zm9v="));
    CHECK_FALSE(base64UrlDecode("Zm+v"));
    CHECK_FALSE(base64UrlDecode("Z"));
    CHECK_FALSE(base64UrlDecode("Zh")); // non-zero leftover bits
    CHECK(randomBytes(32).size() == 32);
    CHECK(randomBytes(16) != randomBytes(16));
}

TEST_CASE("bcrypt hashes with $2b$ at the configured cost and verifies") {
    PasswordHasher hasher(4);
    auto hash = hasher.hash("correct horse");
    CHECK(hash.rfind("$2b$04$", 0) == 0);
    CHECK(hash.size() == 60);
    CHECK(PasswordHasher::costOf(hash) == 4);
    CHECK(hasher.verify("correct horse", hash));
    CHECK_FALSE(hasher.verify("correct horsE", hash));
    CHECK(hasher.hash("correct horse") != hash); // fresh salt each time
    CHECK_FALSE(hasher.verify("x", "not a hash"));
    CHECK_FALSE(hasher.verify("x", ""));
    CHECK_NOTHROW(hasher.verifyDummy("whatever"));
    CHECK_THROWS_AS(PasswordHasher(3), Error);
    CHECK_THROWS_AS(PasswordHasher(16), Error);
}

TEST_CASE("bcrypt verifies $2a$, $2b$ and $2y$ hashes made elsewhere") {
    PasswordHasher hasher(4);
    // Openwall crypt_blowfish test vector, under each prefix.
    for (const char* prefix : {"$2a$", "$2b$", "$2y$"}) {
        std::string hash = std::string(prefix) + "05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
        CAPTURE(hash);
        CHECK(hasher.verify("U*U", hash));
        CHECK_FALSE(hasher.verify("U*V", hash));
    }
}

TEST_CASE("access tokens round-trip and carry the contract's claims") {
    TokenSigner signer(kSecret);
    std::int64_t now = 1795600000;
    auto token = signer.sign(sampleClaims(now));
    auto claims = signer.verify(token, now + 10);
    CHECK(claims.userId == "6743f0c2a1b2c3d4e5f60718");
    CHECK(claims.sessionId == "sid-1");
    CHECK(claims.username == "john_doe");
    auto payload = nlohmann::json::parse(
        *base64UrlDecode(token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1)));
    CHECK(payload["iss"] == "usersvc");
    CHECK(payload["exp"] == now + 900);
    auto header = nlohmann::json::parse(*base64UrlDecode(token.substr(0, token.find('.'))));
    CHECK(header["alg"] == "HS256");
}

TEST_CASE("an HS256 token whose header is spelled otherwise is checked on its merits") {
    // Issue 15: our own header is compared byte for byte and not parsed; another
    // spelling (members reordered, as other JWT libraries may write) still verifies.
    TokenSigner signer(kSecret);
    std::int64_t now = 1795600000;
    auto token = signer.sign(sampleClaims(now));
    auto dot1 = token.find('.'), dot2 = token.rfind('.');
    std::string payload = token.substr(dot1 + 1, dot2 - dot1 - 1);
    std::string input = base64UrlEncode(R"({"typ":"JWT","alg":"HS256"})") + "." + payload;
    auto claims = signer.verify(input + "." + base64UrlEncode(hmacSha256(kSecret, input)), now);
    CHECK(claims.sessionId == "sid-1");
    expectRefused(signer, input + "." + token.substr(dot2 + 1), now); // the signature covers the header
}

TEST_CASE("a correctly signed payload is read by the rules of a JSON document") {
    // Issue 15: the claims are read from parser events, not from a document;
    // these are the document's rules it keeps.
    TokenSigner signer(kSecret);
    std::int64_t now = 1795600000;
    auto signedToken = [](const std::string& payload) {
        std::string input = base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})") + "." + base64UrlEncode(payload);
        return input + "." + base64UrlEncode(hmacSha256(kSecret, input));
    };
    const std::string rest = R"("iat":1795600000,"exp":1795600900,"iss":"usersvc")";
    auto claims = signer.verify(
        signedToken(
            R"({"sub":"u1","sid":"s1","username":7,"email":"a@b.c","sid":"s2","extra":{"sub":5},)" + rest + "}"),
        now);
    CHECK(claims.userId == "u1");
    CHECK(claims.sessionId == "s2"); // the last of repeated members
    CHECK(claims.username.empty());  // not a string: as if absent
    CHECK(claims.email == "a@b.c");
    CHECK(claims.expiresAt == 1795600900);
    expectRefused(signer, signedToken(R"([{"sub":"u1","sid":"s1",)" + rest + "}]"), now);
    expectRefused(signer, signedToken(R"({"sub":1,"sid":"s1",)" + rest + "}"), now);
    expectRefused(signer, signedToken(R"({"sub":"u1","sid":{"id":"s1"},)" + rest + "}"), now);
    expectRefused(
        signer, signedToken(R"({"sub":"u1","sid":"s1","iat":"1795600000","exp":1795600900,"iss":"usersvc"})"), now);
    expectRefused(
        signer, signedToken(R"({"sub":"u1","sid":"s1","iat":1795600000,"exp":1.7956e9,"iss":"usersvc"})"), now);
    expectRefused(
        signer, signedToken(R"({"sub":"u1","sid":"s1","iat":1,"exp":18446744073709551615,"iss":"usersvc"})"), now);
    expectRefused(
        signer, signedToken(R"({"sub":"u1","sid":"s1","iat":1795600000,"exp":1795600900,"iss":"other"})"), now);
    expectRefused(signer, signedToken(R"({"sub":"u1","sid":"s1","iat":1795600000,"exp":1795600900})"), now);
    expectRefused(signer, signedToken(R"({"sub":"u1","sid":"s1",)" + rest + "} trailing"), now);
}

TEST_CASE("forged, tampered, expired and alg=none tokens are refused") {
    TokenSigner signer(kSecret);
    std::int64_t now = 1795600000;
    auto token = signer.sign(sampleClaims(now));
    auto dot1 = token.find('.'), dot2 = token.rfind('.');
    std::string header = token.substr(0, dot1), signature = token.substr(dot2 + 1);
    std::string payload = *base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));

    SUBCASE("expired") {
        expectRefused(signer, token, now + 900);
    }
    SUBCASE("tampered payload keeps the old signature") {
        std::string evil = payload;
        evil.replace(evil.find("sid-1"), 5, "sid-2");
        expectRefused(signer, header + "." + base64UrlEncode(evil) + "." + signature, now);
    }
    SUBCASE("tampered signature") {
        std::string bad = token;
        bad[bad.size() - 3] = bad[bad.size() - 3] == 'A' ? 'B' : 'A';
        expectRefused(signer, bad, now);
    }
    SUBCASE("alg none with no signature") {
        expectRefused(signer, forge(R"({"alg":"none","typ":"JWT"})", payload, ""), now);
        expectRefused(signer, forge(R"({"alg":"none"})", payload, signature), now);
    }
    SUBCASE("another algorithm") {
        expectRefused(signer, forge(R"({"alg":"HS512","typ":"JWT"})", payload, signature), now);
        expectRefused(signer, forge(R"({"alg":"RS256","typ":"JWT"})", payload, signature), now);
    }
    SUBCASE("signed with another secret") {
        TokenSigner other("another-secret-that-is-long-enough-for-hs256");
        expectRefused(signer, other.sign(sampleClaims(now)), now);
    }
    SUBCASE("malformed") {
        for (std::string bad :
            std::vector<std::string>{"", "abc", "a.b", "a.b.c.d", "...", header + "." + header + "."})
            expectRefused(signer, bad, now);
    }
    SUBCASE("wrong issuer, correctly signed") {
        std::string evil = payload;
        evil.replace(evil.find("\"usersvc\""), 9, "\"someone\"");
        std::string input = header + "." + base64UrlEncode(evil);
        expectRefused(signer, input + "." + base64UrlEncode(hmacSha256(kSecret, input)), now);
    }
}

TEST_CASE("secrets shorter than 32 bytes are refused") {
    CHECK_THROWS_AS(TokenSigner("short"), Error);
}

TEST_CASE("the secret file is created 0600 once and then reused") {
    test::TempDir dir;
    auto first = loadOrCreateSecret(dir.path());
    CHECK(first.size() >= 32);
    CHECK(loadOrCreateSecret(dir.path()) == first);
    struct stat st {};
    REQUIRE(::stat((dir.path() / "secret").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    test::writeFile(dir.path() / "secret", "tooshort\n");
    CHECK_THROWS_AS(loadOrCreateSecret(dir.path()), Error);
}

TEST_CASE("bcrypt slots are granted first come, first served") {
    // Issue 15, target 3: std::counting_semaphore woke waiters in any order.
    HashSlots slots(1);
    REQUIRE(slots.acquire(std::chrono::seconds(5)));
    std::mutex mutex;
    std::vector<int> order;
    std::vector<std::thread> waiters;
    for (int i = 0; i < 6; ++i) {
        waiters.emplace_back([&, i] {
            REQUIRE(slots.acquire(std::chrono::seconds(5)));
            {
                std::lock_guard lock(mutex);
                order.push_back(i);
            }
            slots.release();
        });
        while (slots.waiting() < i + 1) // queued before the next one arrives
            std::this_thread::yield();
    }
    slots.release();
    for (auto& t : waiters)
        t.join();
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5});
    CHECK(slots.waitStats().count == 7);
}

TEST_CASE("a bcrypt slot not granted within the timeout is refused, holding nothing") {
    HashSlots slots(1);
    REQUIRE(slots.acquire(std::chrono::seconds(1)));
    auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(slots.acquire(std::chrono::milliseconds(50)));
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(50));
    CHECK(slots.waiting() == 0);
    CHECK(slots.waitStats().timeouts == 1);
    slots.release();
    CHECK(slots.acquire(std::chrono::milliseconds(0))); // the slot went back, not to the one who gave up
}

TEST_CASE("a caller whose wait for a bcrypt slot is predicted past the timeout is refused at once") {
    // Issue 15, target 4: answered at once, not after waiting the whole timeout.
    HashSlots slots(1);
    REQUIRE(slots.acquire(std::chrono::seconds(1)));
    slots.release(0.2); // hashes hold a slot about 200 ms
    REQUIRE(slots.acquire(std::chrono::seconds(1)));
    auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(slots.acquire(std::chrono::milliseconds(100))); // one 200 ms hold ahead
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(50));
    CHECK(slots.waitStats().timeouts == 1);
    std::thread later([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        slots.release(0.2);
    });
    CHECK(slots.acquire(std::chrono::seconds(1))); // within a longer timeout it waits its turn
    later.join();
    slots.release(0.2);
}

TEST_CASE("a bcrypt slot that would come too late to finish the hash within the timeout is refused") {
    // Issue 15, target 4: the timeout bounds the answer, so the wait allowed is
    // the timeout less one average hold.
    HashSlots slots(1);
    REQUIRE(slots.acquire(std::chrono::seconds(1)));
    slots.release(0.08); // hashes hold a slot about 80 ms
    REQUIRE(slots.acquire(std::chrono::seconds(1)));
    std::thread holder([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        slots.release(0.08);
    });
    // Predicted 80 ms fits 100 ms, but a slot after 20 ms would end past it.
    CHECK_FALSE(slots.acquire(std::chrono::milliseconds(100)));
    holder.join();
    CHECK(slots.waitStats().timeouts == 1);
}

TEST_CASE("a waiter made too late by slower holds is passed over, and the slot goes back") {
    // Issue 15, target 4: the last useful moment was fixed at arrival, so under a
    // flood that slowed every hash, slots went to waiters that then answered late.
    HashSlots slots(1);
    REQUIRE(slots.acquire(std::chrono::seconds(1)));
    slots.release(0.01); // hashes hold a slot about 10 ms
    REQUIRE(slots.acquire(std::chrono::seconds(1)));
    std::atomic<int> answer{-1};
    std::thread waiter([&] { answer = slots.acquire(std::chrono::milliseconds(400)) ? 1 : 0; });
    while (slots.waiting() < 1)
        std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto released = std::chrono::steady_clock::now();
    slots.release(0.35); // a slow hold: a slot from now on would end 50 ms past the waiter's 400
    waiter.join();
    CHECK(answer == 0);
    CHECK(std::chrono::steady_clock::now() - released < std::chrono::milliseconds(200)); // told at once
    CHECK(slots.acquire(std::chrono::milliseconds(0))); // the slot went back, not to the one too late
}

TEST_CASE("hashes for new accounts hold at most half the bcrypt slots and wait behind sign-ins") {
    // Issue 21: a registration flood from one address starved logins.
    HashSlots slots(2);
    REQUIRE(slots.acquire(std::chrono::seconds(1), HashPriority::NewAccount));
    // A slot is free, but a second new account would hold both: it waits.
    CHECK_FALSE(slots.acquire(std::chrono::milliseconds(50), HashPriority::NewAccount));
    REQUIRE(slots.acquire(std::chrono::milliseconds(0), HashPriority::SignIn)); // a sign-in takes it at once
    // Both slots held; a new account queues first, a sign-in after it.
    std::mutex mutex;
    std::vector<std::string> order;
    std::thread newAccount([&] {
        REQUIRE(slots.acquire(std::chrono::seconds(5), HashPriority::NewAccount));
        std::lock_guard lock(mutex);
        order.push_back("new account");
    });
    while (slots.waiting() < 1)
        std::this_thread::yield();
    std::thread signIn([&] {
        REQUIRE(slots.acquire(std::chrono::seconds(5), HashPriority::SignIn));
        std::lock_guard lock(mutex);
        order.push_back("sign-in");
    });
    while (slots.waiting() < 2)
        std::this_thread::yield();
    slots.release(0, HashPriority::SignIn); // the freed slot goes to the sign-in, though it came later
    signIn.join();
    {
        std::lock_guard lock(mutex);
        CHECK(order == std::vector<std::string>{"sign-in"});
    }
    slots.release(0, HashPriority::SignIn);     // free, but new accounts still hold their share
    slots.release(0, HashPriority::NewAccount); // now the waiting new account gets one
    newAccount.join();
    CHECK(order == std::vector<std::string>{"sign-in", "new account"});
    slots.release(0, HashPriority::NewAccount);
}
