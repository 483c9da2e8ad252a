#pragma once
// Where the users are (--database), parsed once (issue 22): its kind, what to
// open, and a form safe to show. SQLite: "" (DATA_DIR/usersvc.db) or
// sqlite:PATH; PostgreSQL: a postgres:// or postgresql:// URL, or libpq's
// keyword form ("host=... dbname=...").
#include <filesystem>
#include <string>

namespace usersvc {

class DatabaseUrl {
public:
    DatabaseUrl() = default; // the default: SQLite in the data directory
    // Throws Error{Invalid} naming the accepted forms; the message shows no password.
    static DatabaseUrl parse(const std::string& value);

    bool isPostgres() const { return postgres_; }
    // SQLite: the store's file, `dataDir`/usersvc.db unless a path was named.
    std::filesystem::path sqliteFile(const std::filesystem::path& dataDir) const;
    // PostgreSQL: the connection string libpq takes.
    const std::string& connectionString() const { return target_; }
    // As given, with any password replaced by "***".
    std::string redacted() const;

private:
    bool postgres_ = false;
    std::string text_;   // as given; "" for the default
    std::string target_; // the SQLite path or libpq's connection string
};

// `url` with any password replaced by "***", for messages and logs.
std::string redactedDatabaseUrl(const std::string& url);

} // namespace usersvc
