#pragma once
// Thin wrappers over OpenSSL: the OS-seeded CSPRNG, SHA-256, HMAC-SHA-256 and
// the encodings tokens use. OpenSSL is used directly rather than through
// cpp-jwt; see docs/DESIGN-NOTES.md for why.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace usersvc {

std::string randomBytes(std::size_t n);

// A new ObjectId-shaped id (domain/ids.hpp): this second, then 8 bytes from the OS.
std::string newObjectId();
std::string hexEncode(std::string_view bytes);
std::string base64UrlEncode(std::string_view bytes);
std::optional<std::string> base64UrlDecode(std::string_view text);

std::string sha256(std::string_view data); // raw 32 bytes
std::string sha256Hex(std::string_view data);
std::string hmacSha256(std::string_view key, std::string_view data); // raw 32 bytes

// HMAC-SHA-256 under one key, keyed once. OpenSSL 3's one-shot HMAC() looks up
// the algorithm and keys a context on every call, a third of the CPU a token
// check spends in OpenSSL; this copies a keyed context instead. Safe to use from
// many threads at once.
class HmacSha256 {
public:
    explicit HmacSha256(std::string_view key);
    ~HmacSha256();
    HmacSha256(const HmacSha256&) = delete;
    HmacSha256& operator=(const HmacSha256&) = delete;
    std::string operator()(std::string_view data) const; // raw 32 bytes

private:
    struct Keyed;
    std::unique_ptr<Keyed> keyed_;
};

bool constantTimeEquals(std::string_view a, std::string_view b);

// Incremental SHA-256, for hashing uploads while they stream to disk.
class Sha256Stream {
public:
    Sha256Stream();
    ~Sha256Stream();
    Sha256Stream(const Sha256Stream&) = delete;
    Sha256Stream& operator=(const Sha256Stream&) = delete;
    void update(const char* data, std::size_t n);
    std::string finishHex();

private:
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace usersvc
