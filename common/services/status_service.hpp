#pragma once
// What health checks, metrics and `serve --seed` ask of the running core, so
// that the faces talk to services only, never to the store.
#include "security/hash_slots.hpp"

#include <cstdint>

namespace usersvc {

class Store;
class PasswordHasher;

class StatusService {
public:
    StatusService(Store& store, PasswordHasher& hasher) : store_(store), hasher_(hasher) {}

    // True when the store answers and has this build's schema (healthcheck).
    bool storeAnswers();
    // Throws Error{Unavailable} naming what is wrong when the database fails a
    // quick structural check (serve runs it once at start).
    void checkStoreIntegrity();
    std::int64_t users();
    // Sessions neither revoked nor expired.
    std::int64_t openSessions();
    // bcrypt runs waiting for a core, and how long they have waited.
    int hashesWaiting() const;
    HashSlots::WaitStats hashWaits() const;

private:
    Store& store_;
    PasswordHasher& hasher_;
};

} // namespace usersvc
