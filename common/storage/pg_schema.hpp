#pragma once
// The PostgreSQL store's schema (issue 13): the SQLite store's tables in
// PostgreSQL's types, applied as numbered migrations. Several usersvc
// instances may start at the same moment on an empty database, so migrating
// holds a transaction-level advisory lock: the first instance creates the
// schema, the others wait for it and then find nothing to do.
#include <pqxx/pqxx>

namespace usersvc {

// The schema version this build expects (the number of migrations).
int pgLatestSchemaVersion();

// The version the database holds (0 when empty).
int pgSchemaVersion(pqxx::connection& connection);

// Brings the database to pgLatestSchemaVersion(). Throws Error{Invalid} when
// the database holds a newer schema than this build knows.
void pgMigrate(pqxx::connection& connection);

} // namespace usersvc
