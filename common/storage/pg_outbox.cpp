// PgStore: the outbox (domain/outbox.hpp). Claims take their rows with FOR
// UPDATE SKIP LOCKED: instances claiming at the same moment each get other
// messages, and none waits for another.
#include "storage/pg_internal.hpp"

namespace usersvc {

namespace {
constexpr const char* kMessageColumns =
    "id, channel, recipient, subject, kind, user_id, content, status, attempts, next_attempt_at, last_error,"
    " created_at, coalesce(finished_at, 0)";

std::vector<OutboxMessage> readMessages(const pqxx::result& rows) {
    std::vector<OutboxMessage> out;
    for (const auto& row : rows) {
        OutboxMessage m;
        m.id = row[0].c_str();
        m.channel = row[1].c_str();
        m.recipient = row[2].c_str();
        m.subject = row[3].c_str();
        m.kind = row[4].c_str();
        m.userId = row[5].c_str();
        m.content = pqxx::binarystring(row[6]).str();
        m.status = messageStatusNamed(row[7].c_str()).value_or(MessageStatus::Failed);
        m.attempts = row[8].as<int>();
        m.nextAttemptAtMs = row[9].as<std::int64_t>();
        m.lastError = row[10].c_str();
        m.createdAtMs = row[11].as<std::int64_t>();
        m.finishedAtMs = row[12].as<std::int64_t>();
        out.push_back(std::move(m));
    }
    return out;
}
} // namespace

void PgWriteTransaction::enqueueMessage(const OutboxMessage& m) {
    pgGuarded([&] {
        work_.run("INSERT INTO outbox (id, channel, recipient, subject, kind, user_id, content, status,"
                  " next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            m.id, m.channel, m.recipient, m.subject, m.kind, m.userId,
            pqxx::binarystring(m.content.data(), m.content.size()), std::string(nameOf(m.status)), m.nextAttemptAtMs,
            m.createdAtMs);
    });
}

std::vector<OutboxMessage> PgStore::claimMessages(
    const std::string& owner, std::int64_t nowMs, std::int64_t leaseMs, int max) {
    return pgGuarded([&] {
        return readMessages(runAlone(*this,
            std::string("UPDATE outbox SET lease_owner = $1, lease_until = $2::bigint + $3::bigint,"
                        " attempts = attempts + 1 WHERE id IN (SELECT id FROM outbox WHERE status = 'queued'"
                        " AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until <= $2)"
                        " ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING ") +
                kMessageColumns,
            owner, nowMs, leaseMs, max));
    });
}

bool PgStore::finishMessage(
    const std::string& id, const std::string& owner, const MessageOutcome& outcome, std::int64_t nowMs) {
    return pgGuarded([&] {
        bool again = outcome.status == MessageStatus::Queued;
        // finished_at stays NULL while it waits for another attempt.
        return runAlone(*this,
                   "UPDATE outbox SET status = $1, next_attempt_at = $2, last_error = $3,"
                   " finished_at = CASE WHEN $1 = 'queued' THEN NULL ELSE $4::bigint END, lease_owner = NULL,"
                   " lease_until = NULL WHERE id = $5 AND lease_owner = $6 AND status = 'queued'",
                   std::string(nameOf(outcome.status)), again ? outcome.nextAttemptAtMs : nowMs, outcome.error, nowMs,
                   id, owner)
                   .affected_rows() == 1;
    });
}

std::optional<OutboxMessage> PgStore::findMessage(const std::string& id) {
    return pgGuarded([&]() -> std::optional<OutboxMessage> {
        auto found =
            readMessages(runAlone(*this, std::string("SELECT ") + kMessageColumns + " FROM outbox WHERE id = $1", id));
        if (found.empty()) return std::nullopt;
        return found.front();
    });
}

std::vector<OutboxMessage> PgStore::listMessages(const MessageQuery& query) {
    return pgGuarded([&] {
        // An empty recipient or beforeId leaves its condition out (per case, as
        // in sqlite_outbox.cpp: an OR of the two would keep the index out).
        std::string where = query.recipient.empty() ? "$1 = ''" : "recipient = $1";
        where += query.beforeId.empty() ? " AND $2 = ''" : " AND id < $2";
        return readMessages(runAlone(*this,
            std::string("SELECT ") + kMessageColumns + " FROM outbox WHERE " + where + " ORDER BY id DESC LIMIT $3",
            query.recipient, query.beforeId, query.limit));
    });
}

std::int64_t PgStore::pruneMessages(std::int64_t beforeMs) {
    return pgGuarded([&] {
        return static_cast<std::int64_t>(
            runAlone(*this, "DELETE FROM outbox WHERE status <> 'queued' AND finished_at < $1", beforeMs)
                .affected_rows());
    });
}

} // namespace usersvc
