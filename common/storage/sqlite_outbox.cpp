// SqliteStore: the outbox (domain/outbox.hpp). A claim is one UPDATE ...
// RETURNING, atomic under SQLite's single writer.
#include "storage/sqlite_internal.hpp"

namespace usersvc {

namespace {
constexpr const char* kMessageColumns =
    "id, channel, recipient, subject, kind, user_id, content, status, attempts, next_attempt_at, last_error,"
    " created_at, coalesce(finished_at, 0)";

OutboxMessage readMessage(SQLite::Statement& q) {
    OutboxMessage m;
    m.id = q.getColumn(0).getString();
    m.channel = q.getColumn(1).getString();
    m.recipient = q.getColumn(2).getString();
    m.subject = q.getColumn(3).getString();
    m.kind = q.getColumn(4).getString();
    m.userId = q.getColumn(5).getString();
    const auto content = q.getColumn(6);
    m.content.assign(static_cast<const char*>(content.getBlob()), static_cast<std::size_t>(content.getBytes()));
    m.status = messageStatusNamed(q.getColumn(7).getString()).value_or(MessageStatus::Failed);
    m.attempts = q.getColumn(8).getInt();
    m.nextAttemptAtMs = q.getColumn(9).getInt64();
    m.lastError = q.getColumn(10).getString();
    m.createdAtMs = q.getColumn(11).getInt64();
    m.finishedAtMs = q.getColumn(12).getInt64();
    return m;
}

std::vector<OutboxMessage> readMessages(SQLite::Statement& q) {
    std::vector<OutboxMessage> out;
    while (q.executeStep())
        out.push_back(readMessage(q));
    q.reset();
    return out;
}
} // namespace

void SqliteWriteTransaction::enqueueMessage(const OutboxMessage& m) {
    guarded([&] {
        auto& q = lease_.statement("INSERT INTO outbox (id, channel, recipient, subject, kind, user_id, content,"
                                   " status, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        SQLite::bind(q, m.id, m.channel, m.recipient, m.subject, m.kind, m.userId);
        q.bind(7, m.content.data(), static_cast<int>(m.content.size())); // a blob keeps its own bind
        q.bind(8, nameOf(m.status));
        q.bind(9, static_cast<int64_t>(m.nextAttemptAtMs));
        q.bind(10, static_cast<int64_t>(m.createdAtMs));
        q.exec();
        q.reset();
    });
}

std::vector<OutboxMessage> SqliteStore::claimMessages(
    const std::string& owner, std::int64_t nowMs, std::int64_t leaseMs, int max) {
    return guarded([&] {
        Lease lease(*this);
        auto& q = lease.statement(std::string("UPDATE outbox SET lease_owner = ?1, lease_until = ?2 + ?3,"
                                              " attempts = attempts + 1 WHERE id IN (SELECT id FROM outbox"
                                              " WHERE status = 'queued' AND next_attempt_at <= ?2 AND"
                                              " (lease_until IS NULL OR lease_until <= ?2)"
                                              " ORDER BY next_attempt_at, id LIMIT ?4) RETURNING ") +
                                  kMessageColumns);
        SQLite::bind(q, owner, static_cast<int64_t>(nowMs), static_cast<int64_t>(leaseMs), max);
        return readMessages(q);
    });
}

bool SqliteStore::finishMessage(
    const std::string& id, const std::string& owner, const MessageOutcome& outcome, std::int64_t nowMs) {
    return guarded([&] {
        Lease lease(*this);
        bool again = outcome.status == MessageStatus::Queued;
        auto& q = lease.statement("UPDATE outbox SET status = ?, next_attempt_at = ?, last_error = ?,"
                                  " finished_at = ?, lease_owner = NULL, lease_until = NULL"
                                  " WHERE id = ? AND lease_owner = ? AND status = 'queued'");
        SQLite::bind(
            q, nameOf(outcome.status), static_cast<int64_t>(again ? outcome.nextAttemptAtMs : nowMs), outcome.error);
        if (again)
            q.bind(4); // finished_at stays NULL while it waits
        else
            q.bind(4, static_cast<int64_t>(nowMs));
        q.bind(5, id);
        q.bind(6, owner);
        bool held = q.exec() == 1;
        q.reset();
        return held;
    });
}

std::optional<OutboxMessage> SqliteStore::findMessage(const std::string& id) {
    return guarded([&]() -> std::optional<OutboxMessage> {
        Lease lease(*this);
        auto& q = lease.statement(std::string("SELECT ") + kMessageColumns + " FROM outbox WHERE id = ?");
        SQLite::bind(q, id);
        auto found = readMessages(q);
        if (found.empty()) return std::nullopt;
        return found.front();
    });
}

std::vector<OutboxMessage> SqliteStore::listMessages(const MessageQuery& query) {
    return guarded([&] {
        Lease lease(*this);
        // An empty recipient or beforeId leaves its condition out. The text
        // differs per case rather than holding "?1 = '' OR recipient = ?1",
        // which no index can serve (a scan of the whole outbox).
        std::string where = query.recipient.empty() ? "?1 = ''" : "recipient = ?1";
        where += query.beforeId.empty() ? " AND ?2 = ''" : " AND id < ?2";
        auto& q = lease.statement(
            std::string("SELECT ") + kMessageColumns + " FROM outbox WHERE " + where + " ORDER BY id DESC LIMIT ?3");
        SQLite::bind(q, query.recipient, query.beforeId, static_cast<int64_t>(query.limit));
        return readMessages(q);
    });
}

std::int64_t SqliteStore::pruneMessages(std::int64_t beforeMs) {
    return guarded([&] {
        Lease lease(*this);
        auto& q = lease.statement("DELETE FROM outbox WHERE status <> 'queued' AND finished_at < ?");
        SQLite::bind(q, static_cast<int64_t>(beforeMs));
        auto removed = q.exec();
        q.reset();
        return static_cast<std::int64_t>(removed);
    });
}

} // namespace usersvc
