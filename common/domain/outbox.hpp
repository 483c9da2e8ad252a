#pragma once
// The outbox (issue 23): every message usersvc sends is a row of the store,
// written in the same write transaction as the change that causes it (no
// message without its change, no change without its message), and delivered
// by a sender in each `serve` that claims rows with a lease. Delivery is at
// least once; across instances sharing a PostgreSQL store, a row is claimed
// by one sender at a time.
#include <cstdint>
#include <optional>
#include <string>

namespace usersvc {

enum class MessageStatus {
    Queued, // waiting for its next attempt (or its first)
    Sent,   // handed to the mail server
    Kept,   // the development mailbox's: kept, never sent
    Failed, // refused for good, or out of attempts
};
const char* nameOf(MessageStatus status);
std::optional<MessageStatus> messageStatusNamed(const std::string& name);

struct OutboxMessage {
    std::string id;        // ObjectId-shaped and increasing: the mailbox lists by it
    std::string channel;   // "mail"
    std::string recipient; // an e-mail address, as the mailbox lists and finds it
    std::string subject;   // for the mailbox's list; the whole message is `content`
    std::string kind;      // what it is: "password-reset", "password-changed", ...
    std::string userId;    // whose account it concerns; "" for none
    // The rendered message, sealed by the service under the server secret: it
    // can carry a reset link, and a copy of the store must not give one. The
    // store keeps it as bytes.
    std::string content;
    MessageStatus status = MessageStatus::Queued;
    int attempts = 0; // claims so far
    std::int64_t nextAttemptAtMs = 0;
    std::string lastError;
    std::int64_t createdAtMs = 0;
    std::int64_t finishedAtMs = 0; // when it was sent, kept or failed; 0 while queued
};

// What a sender says about a claimed message.
struct MessageOutcome {
    MessageStatus status = MessageStatus::Sent; // Queued: try again at nextAttemptAtMs
    std::int64_t nextAttemptAtMs = 0;
    std::string error; // "" when sent or kept
};

// The mailbox's view: newest first, optionally one recipient's, a page before an id.
struct MessageQuery {
    std::string recipient; // "" for everyone's
    std::string beforeId;  // keyset paging: ids strictly smaller; "" from the newest
    std::int64_t limit = 50;
};

} // namespace usersvc
