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
std::string hexEncode(std::string_view bytes);
std::string base64UrlEncode(std::string_view bytes);
std::optional<std::string> base64UrlDecode(std::string_view text);

std::string sha256(std::string_view data); // raw 32 bytes
std::string sha256Hex(std::string_view data);
std::string hmacSha256(std::string_view key, std::string_view data); // raw 32 bytes

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
