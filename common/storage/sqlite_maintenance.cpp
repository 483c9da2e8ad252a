// SqliteStore: bulk import, backup, restore and the health check.
#include "storage/sqlite_internal.hpp"

#include <SQLiteCpp/Backup.h>

#include <filesystem>

namespace usersvc {

std::vector<ImportOutcome> SqliteStore::importUsers(const std::vector<UserRecord>& users, bool stopAtConflict) {
    return guarded([&] {
        Lease lease(*this);
        auto& db = lease.db();
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        auto& insert = lease.statement(std::string(kInsertUser) + " ON CONFLICT DO NOTHING");
        std::vector<ImportOutcome> outcomes;
        outcomes.reserve(users.size());
        for (const auto& u : users) {
            insert.reset();
            bindUserRow(insert, u);
            ImportOutcome outcome;
            outcome.inserted = insert.exec() == 1;
            if (!outcome.inserted) outcome.takenFields = takenUniqueFields(lease, u.id, u.username, u.email);
            outcomes.push_back(std::move(outcome));
            if (!outcomes.back().inserted && stopAtConflict) break;
        }
        tx.commit();
        return outcomes;
    });
}

void SqliteStore::backupTo(
    const std::string& file, const std::function<void(const std::vector<std::string>&)>& whileLocked) {
    guarded([&] {
        // One connection holds the write lock so that no image the copy names can
        // be released before it is copied; a second one (WAL readers are never
        // blocked) copies the pages. Nothing changes between the two.
        Lease writer(*this);
        SQLite::Transaction lock(writer.db(), SQLite::TransactionBehavior::IMMEDIATE);
        Lease reader(*this);
        auto& db = reader.db();
        std::vector<std::string> references;
        auto& refs = reader.statement("SELECT avatar FROM users WHERE avatar <> ''"
                                      " UNION SELECT cover_image FROM users WHERE cover_image <> ''");
        while (refs.executeStep())
            references.push_back(refs.getColumn(0).getString());
        refs.reset();
        {
            SQLite::Database target(file, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
            SQLite::Backup backup(target, db);
            if (backup.executeStep(-1) != SQLITE_DONE)
                throw Error(Code::Unavailable, "the backup could not read the store; try again");
            target.exec("PRAGMA journal_mode=DELETE"); // a backup is one self-contained file
        }
        if (whileLocked) whileLocked(references);
        // Nothing was written: `lock` rolls back when it goes.
    });
}

void SqliteStore::restoreFrom(const std::string& file) {
    guarded([&] {
        SQLite::Database source(file, SQLite::OPEN_READONLY);
        std::string integrity = source.execAndGet("PRAGMA integrity_check").getString();
        if (integrity != "ok") throw Error(Code::Invalid, "the backup fails its integrity check: " + integrity);
        if (!source.tableExists("users") || !source.tableExists("sessions"))
            throw Error(Code::Invalid, "the file is not a usersvc backup");
        if (source.execAndGet("PRAGMA user_version").getInt() > latestSchemaVersion())
            throw Error(Code::Invalid, "the backup was made by a newer usersvc; upgrade first");
        Lease lease(*this);
        SQLite::Backup backup(lease.db(), source);
        if (backup.executeStep(-1) != SQLITE_DONE)
            throw Error(Code::Unavailable, "the store is busy; stop what writes to it and try again");
        lease.db().exec("PRAGMA journal_mode=WAL");
        migrate(lease.db());
    });
}

bool SqliteStore::ping() {
    try {
        Lease lease(*this);
        // One statement, prepared once per connection: healthchecks come often.
        auto& q = lease.statement("SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM"
                                  " sqlite_master WHERE type = 'table' AND name IN ('users', 'sessions',"
                                  " 'retired_refresh_tokens', 'subscriptions', 'watch_history', 'outbox'))");
        if (!q.executeStep()) return false;
        return q.getColumn(0).getInt() == latestSchemaVersion() && q.getColumn(1).getInt() == 6;
    } catch (const std::exception&) {
        return false;
    }
}

std::string SqliteStore::checkIntegrity() {
    return guarded([&] {
        Lease lease(*this);
        SQLite::Statement check(lease.db(), "PRAGMA quick_check(5)");
        std::string problems;
        while (check.executeStep()) {
            std::string line = check.getColumn(0).getString();
            if (line != "ok") problems += (problems.empty() ? "" : "; ") + line;
        }
        return problems.empty() ? std::string("ok") : problems;
    });
}

} // namespace usersvc
