#pragma once
// What health checks, metrics and `serve --seed` ask of the running core, so
// that the faces talk to services only, never to the store.
#include "security/hash_slots.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>

namespace usersvc {

class Store;
class PasswordHasher;

class StatusService {
public:
    StatusService(Store& store, PasswordHasher& hasher) : store_(store), hasher_(hasher) {}

    // True when the store answers and has this build's schema (healthcheck),
    // from a verdict at most kStoreVerdictTtl old: every check is a read
    // transaction, whose WAL locking takes a process-wide SQLite mutex and an
    // fcntl lock, the larger part of a healthcheck's cost, and a health probe
    // needs no fresher answer than that.
    static constexpr std::chrono::milliseconds kStoreVerdictTtl{100};
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
    std::atomic<std::int64_t> verdictAtMs_{-1}; // steady clock; -1: none yet
    std::atomic<bool> verdict_{false};
};

} // namespace usersvc
