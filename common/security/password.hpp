#pragma once
// bcrypt through libxcrypt. Hashing is CPU-heavy (about 180 ms at cost 12), so
// at most `maxConcurrent` run at once, whoever calls: the HTTP workers queue here
// instead of starving cheap requests of CPU.
#include "security/hash_slots.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace usersvc {

constexpr int kMinBcryptCost = 4;
constexpr int kMaxBcryptCost = 15;
constexpr int kDefaultBcryptCost = 12;

class PasswordHasher {
public:
    // maxConcurrent 0 means the number of cores. A hash or check that would
    // wait longer than `queueTimeout` for a core throws Error{Unavailable}
    // (503 with Retry-After) instead.
    explicit PasswordHasher(int cost = kDefaultBcryptCost, unsigned maxConcurrent = 0,
        std::chrono::milliseconds queueTimeout = std::chrono::seconds(10));

    int cost() const { return cost_; }

    // One hashing slot held across the checks and hashes of one operation, so
    // a login that also moves its hash to the configured cost, or a password
    // change, queues once and its answer stays within the timeout plus its
    // hashes. Taking a turn throws Error{Unavailable} when no slot comes in time.
    class Turn {
    public:
        bool verify(std::string_view password, std::string_view storedHash);
        std::string hash(std::string_view password);
        void verifyDummy(std::string_view password);
        ~Turn();
        Turn(const Turn&) = delete;
        Turn& operator=(const Turn&) = delete;

    private:
        friend class PasswordHasher;
        Turn(PasswordHasher& hasher, HashPriority priority);
        PasswordHasher& hasher_;
        HashPriority priority_;
        std::chrono::steady_clock::time_point start_;
    };
    Turn takeTurn(HashPriority priority = HashPriority::SignIn) { return Turn(*this, priority); }

    // The shorthands below take a turn of their own for one operation.

    // A new "$2b$<cost>$..." hash with a fresh salt from the OS. New accounts
    // (registration, import) wait behind sign-ins (hash_slots.hpp).
    std::string hash(std::string_view password, HashPriority priority = HashPriority::SignIn);

    // True when `password` matches `storedHash` ($2a$, $2b$ or $2y$). A malformed
    // hash verifies as false. A false answer takes at least as long as a check at
    // the configured cost, whatever cost the stored hash was made at (an imported
    // $2b$10$ on a cost-12 server), so timing cannot tell such accounts apart.
    bool verify(std::string_view password, std::string_view storedHash);

    // Spends the time of one verify at the configured cost and returns nothing,
    // so an unknown user costs what a wrong password costs.
    void verifyDummy(std::string_view password);

    // The cost recorded in a bcrypt hash, or 0 when it is not one.
    static int costOf(std::string_view storedHash);

    // How many callers wait for a hashing slot right now, and how long they waited.
    int waiting() const;
    HashSlots::WaitStats waitStats() const;

private:
    // These run on a slot the caller's Turn holds.
    bool runCrypt(std::string_view password, std::string_view setting, std::string* out);
    void checkAtCost(std::string_view password, int cost);
    // Tops up a failed check that ran at `spentCost` (0: none ran) to the configured cost.
    void padFailedCheck(std::string_view password, int spentCost);

    int cost_;
    std::chrono::milliseconds queueTimeout_;
    std::unique_ptr<HashSlots> slots_;
};

} // namespace usersvc
