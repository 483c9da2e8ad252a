#pragma once
// Access tokens: JWT (RFC 7519) signed with HS256 and nothing else. Verification
// pins the algorithm, so "alg":"none" and RS/HS confusion are refused outright.
#include "security/crypto.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace usersvc {

constexpr const char* kTokenIssuer = "usersvc";

struct AccessClaims {
    std::string userId;    // sub
    std::string sessionId; // sid
    std::string username;
    std::string email;
    std::int64_t issuedAt = 0;  // iat, seconds
    std::int64_t expiresAt = 0; // exp, seconds
};

class TokenSigner {
public:
    explicit TokenSigner(const std::string& secret);

    std::string sign(const AccessClaims& claims) const;

    // Checks shape, algorithm, signature, issuer and expiry (at `nowSeconds`).
    // Throws Error{Unauthenticated} with a message fit for a client.
    AccessClaims verify(std::string_view token, std::int64_t nowSeconds) const;

    // Same checks but expiry; for revoking a session by a token that may have expired.
    AccessClaims verifyIgnoringExpiry(std::string_view token) const;

private:
    AccessClaims verifyImpl(std::string_view token, std::int64_t nowSeconds, bool checkExpiry) const;
    HmacSha256 mac_;
};

} // namespace usersvc
