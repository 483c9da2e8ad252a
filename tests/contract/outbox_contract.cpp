// The outbox's contract (domain/outbox.hpp): a message goes with its
// transaction's commit or not at all, claims lease each message to one sender
// at a time, and the mailbox lists newest first. Each case runs on every
// backend in STORE_BACKENDS.
#include "backends.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

using namespace usersvc;

namespace {
constexpr std::int64_t kNow = 1767225600000; // 2026-01-01
constexpr std::int64_t kLease = 60000;

// Ids in creation order, as the service makes them (the mailbox lists by id).
std::string nextMessageId() {
    static std::atomic<std::uint64_t> counter{0};
    char id[25];
    std::snprintf(id, sizeof id, "6955b900%016llx", static_cast<unsigned long long>(++counter));
    return id;
}

OutboxMessage message(const std::string& recipient, std::int64_t dueAtMs = kNow, std::string content = "sealed") {
    OutboxMessage m;
    m.id = nextMessageId();
    m.channel = "mail";
    m.recipient = recipient;
    m.subject = "Reset your password";
    m.kind = "password-reset";
    m.content = std::move(content);
    m.nextAttemptAtMs = dueAtMs;
    m.createdAtMs = kNow;
    return m;
}

void enqueue(Store& store, const OutboxMessage& m) {
    auto tx = store.beginWrite();
    tx->enqueueMessage(m);
    tx->commit();
}

std::vector<std::string> idsOf(const std::vector<OutboxMessage>& messages) {
    std::vector<std::string> ids;
    for (const auto& m : messages)
        ids.push_back(m.id);
    std::sort(ids.begin(), ids.end());
    return ids;
}
} // namespace

TEST_CASE_TEMPLATE("a message is kept with its transaction's commit, and only then", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    auto dropped = message("jane@example.com");
    {
        auto tx = store->beginWrite();
        tx->enqueueMessage(dropped);
    } // rolled back
    CHECK_FALSE(store->findMessage(dropped.id));

    // Bytes of any value come back as they went in (the content is sealed).
    auto kept = message("jane@example.com", kNow, std::string("\0\x01\xff sealed\n", 11));
    kept.userId = "6743f0c2a1b2c3d4e5f60710";
    enqueue(*store, kept);
    auto found = store->findMessage(kept.id);
    REQUIRE(found);
    CHECK(found->content == kept.content);
    CHECK(found->recipient == "jane@example.com");
    CHECK(found->subject == kept.subject);
    CHECK(found->kind == "password-reset");
    CHECK(found->userId == kept.userId);
    CHECK(found->status == MessageStatus::Queued);
    CHECK(found->attempts == 0);
    CHECK(found->createdAtMs == kNow);
    CHECK(found->finishedAtMs == 0);
}

TEST_CASE_TEMPLATE("a claim leases due messages to one sender until it finishes or the lease ends", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    auto first = message("a@example.com", kNow - 2), second = message("b@example.com", kNow - 1);
    auto later = message("c@example.com", kNow + 30000);
    for (const auto& m : {later, second, first})
        enqueue(*store, m);

    auto claimed = store->claimMessages("sender-a", kNow, kLease, 10);
    REQUIRE(claimed.size() == 2); // `later` is not due
    CHECK(idsOf(claimed) == idsOf({first, second}));
    CHECK(claimed[0].attempts == 1);
    CHECK(store->claimMessages("sender-b", kNow, kLease, 10).empty()); // held by sender-a

    // sender-a takes too long: its lease ends and sender-b takes them over.
    auto retaken = store->claimMessages("sender-b", kNow + kLease, kLease, 1);
    REQUIRE(retaken.size() == 1);
    CHECK(retaken[0].id == first.id); // the oldest due first
    CHECK(retaken[0].attempts == 2);
    CHECK_FALSE(store->finishMessage(first.id, "sender-a", {MessageStatus::Sent, 0, ""}, kNow + kLease));
    CHECK(store->finishMessage(first.id, "sender-b", {MessageStatus::Sent, 0, ""}, kNow + kLease + 5));
    auto sent = store->findMessage(first.id);
    REQUIRE(sent);
    CHECK(sent->status == MessageStatus::Sent);
    CHECK(sent->finishedAtMs == kNow + kLease + 5);
    CHECK_FALSE(store->finishMessage(first.id, "sender-b", {MessageStatus::Sent, 0, ""}, kNow)); // once
    CHECK(store->claimMessages("sender-c", kNow + 2 * kLease, kLease, 10).size() == 2);          // second and later
}

TEST_CASE_TEMPLATE("a message to try again waits for its time, and a failed one keeps its error", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    auto m = message("jane@example.com");
    enqueue(*store, m);
    REQUIRE(store->claimMessages("sender", kNow, kLease, 10).size() == 1);
    CHECK(store->finishMessage(m.id, "sender", {MessageStatus::Queued, kNow + 5000, "421 try later"}, kNow));
    auto waiting = store->findMessage(m.id);
    REQUIRE(waiting);
    CHECK(waiting->status == MessageStatus::Queued);
    CHECK(waiting->lastError == "421 try later");
    CHECK(waiting->finishedAtMs == 0);
    CHECK(store->claimMessages("sender", kNow + 4999, kLease, 10).empty()); // released, but not yet due
    auto again = store->claimMessages("other", kNow + 5000, kLease, 10);
    REQUIRE(again.size() == 1);
    CHECK(again[0].attempts == 2);
    CHECK(store->finishMessage(m.id, "other", {MessageStatus::Failed, 0, "550 no such mailbox"}, kNow + 5001));
    auto failed = store->findMessage(m.id);
    REQUIRE(failed);
    CHECK(failed->status == MessageStatus::Failed);
    CHECK(failed->lastError == "550 no such mailbox");
    CHECK(store->claimMessages("sender", kNow + kLease * 10, kLease, 10).empty());
}

TEST_CASE_TEMPLATE("senders claiming at once on separate clients never share a message", B, STORE_BACKENDS) {
    test::TempDir dir;
    constexpr int kMessages = 120, kSenders = 4;
    {
        auto store = B::open(dir.path());
        auto tx = store->beginWrite();
        for (int i = 0; i < kMessages; ++i)
            tx->enqueueMessage(message("user" + std::to_string(i) + "@example.com"));
        tx->commit();
    }
    std::mutex mutex;
    std::vector<std::string> claimed;
    std::vector<std::thread> senders;
    for (int s = 0; s < kSenders; ++s)
        senders.emplace_back([&, s] {
            auto store = B::open(dir.path());
            for (;;) {
                auto batch = store->claimMessages("sender-" + std::to_string(s), kNow, kLease, 7);
                if (batch.empty()) return;
                for (const auto& m : batch)
                    CHECK(
                        store->finishMessage(m.id, "sender-" + std::to_string(s), {MessageStatus::Sent, 0, ""}, kNow));
                std::lock_guard lock(mutex);
                for (const auto& m : batch)
                    claimed.push_back(m.id);
            }
        });
    for (auto& t : senders)
        t.join();
    CHECK(claimed.size() == kMessages);
    CHECK(std::set<std::string>(claimed.begin(), claimed.end()).size() == kMessages);
}

TEST_CASE_TEMPLATE(
    "the mailbox lists newest first, by recipient and in pages, and pruning keeps the queue", B, STORE_BACKENDS) {
    test::TempDir dir;
    auto store = B::open(dir.path());
    std::vector<OutboxMessage> toJane;
    for (int i = 0; i < 3; ++i) {
        toJane.push_back(message("jane@example.com"));
        enqueue(*store, toJane.back());
        enqueue(*store, message("joe@example.com"));
    }
    auto all = store->listMessages({});
    REQUIRE(all.size() == 6);
    CHECK(std::is_sorted(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.id > b.id; }));
    auto janes = store->listMessages({"jane@example.com", "", 2});
    REQUIRE(janes.size() == 2);
    CHECK(janes[0].id == toJane[2].id);
    CHECK(janes[1].id == toJane[1].id);
    auto older = store->listMessages({"jane@example.com", janes[1].id, 2});
    REQUIRE(older.size() == 1);
    CHECK(older[0].id == toJane[0].id);

    // Finished messages older than the cut go; queued ones stay whatever their age.
    auto claimed = store->claimMessages("sender", kNow, kLease, 2);
    REQUIRE(claimed.size() == 2);
    CHECK(store->finishMessage(claimed[0].id, "sender", {MessageStatus::Kept, 0, ""}, kNow));
    CHECK(store->finishMessage(claimed[1].id, "sender", {MessageStatus::Sent, 0, ""}, kNow + 10));
    CHECK(store->pruneMessages(kNow + 5) == 1);
    CHECK_FALSE(store->findMessage(claimed[0].id));
    CHECK(store->findMessage(claimed[1].id));
    CHECK(store->listMessages({}).size() == 5);
}
