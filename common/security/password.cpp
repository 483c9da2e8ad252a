#include "security/password.hpp"

#include "domain/error.hpp"
#include "security/crypto.hpp"

#include <crypt.h>

#include <cstdio>
#include <cstring>
#include <thread>

namespace usersvc {

PasswordHasher::PasswordHasher(int cost, unsigned maxConcurrent, std::chrono::milliseconds queueTimeout)
    : cost_(cost), queueTimeout_(queueTimeout) {
    if (cost < kMinBcryptCost || cost > kMaxBcryptCost)
        throw Error(Code::Invalid, "bcrypt cost must be between 4 and 15");
    if (maxConcurrent == 0) maxConcurrent = std::max(1u, std::thread::hardware_concurrency());
    slots_ = std::make_unique<HashSlots>(std::min(maxConcurrent, 1024u));
}

PasswordHasher::Turn::Turn(PasswordHasher& hasher, HashPriority priority) : hasher_(hasher), priority_(priority) {
    // The slot first: a wait that times out has done nothing yet.
    if (!hasher_.slots_->acquire(hasher_.queueTimeout_, priority_))
        throw Error(Code::Unavailable, "Too many password checks are waiting; try again in a moment");
    start_ = std::chrono::steady_clock::now();
}

PasswordHasher::Turn::~Turn() {
    hasher_.slots_->release(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(), priority_);
}

std::string PasswordHasher::Turn::hash(std::string_view password) {
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    // rbytes = nullptr: libxcrypt draws the salt from the OS CSPRNG itself.
    if (!crypt_gensalt_rn("$2b$", static_cast<unsigned long>(hasher_.cost_), nullptr, 0, setting, sizeof setting))
        throw Error(Code::Internal, "bcrypt salt generation failed");
    std::string out;
    if (!hasher_.runCrypt(password, setting, &out)) throw Error(Code::Internal, "bcrypt hashing failed");
    return out;
}

bool PasswordHasher::Turn::verify(std::string_view password, std::string_view storedHash) {
    int storedCost = costOf(storedHash);
    std::string computed;
    bool ok = storedCost != 0 && hasher_.runCrypt(password, storedHash, &computed) &&
              constantTimeEquals(computed, storedHash);
    if (!ok) hasher_.padFailedCheck(password, storedCost);
    return ok;
}

void PasswordHasher::Turn::verifyDummy(std::string_view password) {
    hasher_.checkAtCost(password, hasher_.cost_);
}

std::string PasswordHasher::hash(std::string_view password, HashPriority priority) {
    return takeTurn(priority).hash(password);
}

bool PasswordHasher::verify(std::string_view password, std::string_view storedHash) {
    return takeTurn().verify(password, storedHash);
}

void PasswordHasher::verifyDummy(std::string_view password) {
    takeTurn().verifyDummy(password);
}

bool PasswordHasher::runCrypt(std::string_view password, std::string_view setting, std::string* out) {
    // crypt_rn reads C strings; validation already refuses NUL in passwords.
    std::string phrase(password);
    std::string settingCopy(setting);
    auto data = std::make_unique<crypt_data>();
    const char* result = crypt_rn(phrase.c_str(), settingCopy.c_str(), data.get(), sizeof(crypt_data));
    bool ok = result != nullptr && result[0] != '*';
    if (ok) *out = result;
    explicit_bzero(data.get(), sizeof(crypt_data));
    explicit_bzero(phrase.data(), phrase.size());
    return ok;
}

void PasswordHasher::checkAtCost(std::string_view password, int cost) {
    // Any well-formed hash costs the same to check; this salt is fixed and public.
    char setting[64];
    std::snprintf(setting, sizeof setting, "$2b$%02d$usersvcDummySaltForUne", cost);
    std::string ignored;
    runCrypt(password, setting, &ignored);
}

void PasswordHasher::padFailedCheck(std::string_view password, int spentCost) {
    if (spentCost >= cost_) return;
    if (spentCost < kMinBcryptCost) {
        checkAtCost(password, cost_);
        return;
    }
    // bcrypt at cost k runs 2^k key expansions, and 2^C = 2^L + (2^L + 2^(L+1) + ...
    // + 2^(C-1)): checks at costs L..C-1 top a cost-L check up to one at cost C.
    for (int cost = spentCost; cost < cost_; ++cost)
        checkAtCost(password, cost);
}

int PasswordHasher::costOf(std::string_view h) {
    // "$2b$12$" + 22 salt + 31 hash characters.
    if (h.size() != 60 || h[0] != '$' || h[1] != '2' || h[3] != '$' || h[6] != '$') return 0;
    if (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') return 0;
    if (h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9') return 0;
    int cost = (h[4] - '0') * 10 + (h[5] - '0');
    return (cost >= 4 && cost <= 31) ? cost : 0;
}

int PasswordHasher::waiting() const {
    return slots_->waiting();
}

HashSlots::WaitStats PasswordHasher::waitStats() const {
    return slots_->waitStats();
}

} // namespace usersvc
