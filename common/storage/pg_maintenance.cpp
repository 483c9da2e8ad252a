// PgStore: bulk import, the health check, and backup/restore (which belong to
// PostgreSQL's own tools).
#include "storage/pg_internal.hpp"
#include "storage/pg_schema.hpp"

namespace usersvc {

std::vector<ImportOutcome> PgStore::importUsers(const std::vector<UserRecord>& users, bool stopAtConflict) {
    return pgGuarded([&] {
        PgLockedWork work(*this);
        std::vector<ImportOutcome> outcomes;
        outcomes.reserve(users.size());
        for (const auto& u : users) {
            ImportOutcome outcome;
            outcome.inserted =
                work.run(std::string(kPgInsertUser) + " ON CONFLICT DO NOTHING", u.id, u.username, u.email, u.fullName,
                        u.passwordHash, u.avatar, u.coverImage, u.createdAtMs, u.updatedAtMs)
                    .affected_rows() == 1;
            if (!outcome.inserted) outcome.takenFields = pgTakenUniqueFields(work, u.id, u.username, u.email);
            outcomes.push_back(std::move(outcome));
            if (!outcomes.back().inserted && stopAtConflict) break;
        }
        work.commit();
        return outcomes;
    });
}

void PgStore::backupTo(const std::string&, const std::function<void(const std::vector<std::string>&)>&) {
    throw Error(Code::Invalid, kPgBackupAdvice);
}

void PgStore::restoreFrom(const std::string&) {
    throw Error(Code::Invalid, kPgBackupAdvice);
}

bool PgStore::ping() {
    try {
        auto row = runAlone(*this,
            "SELECT (SELECT coalesce(max(version), 0) FROM usersvc_schema), (SELECT count(*) FROM pg_tables"
            " WHERE schemaname = current_schema() AND tablename IN ('users', 'sessions', 'retired_refresh_tokens',"
            " 'subscriptions', 'watch_history', 'images', 'login_attempts', 'outbox'))")[0];
        return row[0].as<int>() == pgLatestSchemaVersion() && row[1].as<int>() == 8;
    } catch (const std::exception&) {
        return false;
    }
}

std::string PgStore::checkIntegrity() {
    // PostgreSQL checks its own pages (data checksums, amcheck); what usersvc
    // can check is that the database answers with the schema it expects.
    return ping() ? "ok" : "the database does not hold usersvc's schema " + std::to_string(pgLatestSchemaVersion());
}

} // namespace usersvc
