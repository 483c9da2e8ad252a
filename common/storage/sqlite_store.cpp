// SqliteStore: the file, the connection pool, and write transactions. The
// tables' statements are in sqlite_users.cpp, sqlite_sessions.cpp,
// sqlite_social.cpp and sqlite_maintenance.cpp.
#include "storage/sqlite_store.hpp"

#include "domain/error.hpp"
#include "storage/sqlite_internal.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

namespace usersvc {

namespace {
// Once per process, before the first connection (later calls are refused by
// SQLite and change nothing): its allocation statistics, on by default, take
// one process-wide mutex on every allocation, so all request threads queued on
// it (profile: a futex per request, against almost none in the framework
// ceiling). usersvc never reads them.
void configureSqliteOnce() {
    static std::once_flag once;
    std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}
} // namespace

SqliteStore::SqliteStore(std::filesystem::path dbFile, int busyTimeoutMs)
    : file_(std::move(dbFile)), busyTimeoutMs_(busyTimeoutMs) {
    configureSqliteOnce();
    // SQLite takes an empty file for a new, empty database. A store file that
    // exists and holds nothing means the operator's data is gone (a truncated
    // copy, a full disk during a restore, a file created by another tool):
    // serving it as a healthy empty store would hide that (issue 21).
    struct stat existing {};
    if (::stat(file_.c_str(), &existing) == 0 && S_ISREG(existing.st_mode) && existing.st_size == 0)
        throw Error(Code::Internal, "the store " + file_.string() +
                                        " is an empty file (0 bytes): its data is missing; restore it from a backup "
                                        "(usersvc restore), or delete the file to start an empty store");
    // Create the file 0600 ourselves; SQLite gives -wal and -shm the same mode.
    int fd = ::open(file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw Error(Code::Internal, "cannot open the store " + file_.string() + ": " + std::strerror(errno));
    ::close(fd);
    guarded([&] {
        auto connection = openConnection();
        migrate(*connection->db);
        idle_.push_back(std::move(connection));
    });
}

SqliteStore::~SqliteStore() = default;

std::unique_ptr<SqliteStore::Connection> SqliteStore::openConnection() {
    auto connection = std::make_unique<Connection>();
    // NOMUTEX: a connection is only ever used by the thread that leased it.
    connection->db = std::make_unique<SQLite::Database>(
        file_.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX, busyTimeoutMs_);
    auto& db = *connection->db;
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=FULL");
    db.exec("PRAGMA foreign_keys=ON");
    return connection;
}

int SqliteStore::schemaVersion() {
    return guarded([&] {
        Lease lease(*this);
        return lease.db().execAndGet("PRAGMA user_version").getInt();
    });
}

std::unique_ptr<WriteTransaction> SqliteStore::beginWrite() {
    return guarded(
        [&]() -> std::unique_ptr<WriteTransaction> { return std::make_unique<SqliteWriteTransaction>(*this); });
}

void SqliteWriteTransaction::commit() {
    guarded([&] { tx_.commit(); });
}

} // namespace usersvc
