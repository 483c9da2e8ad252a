// libFuzzer: access-token parsing and verification must refuse, never crash,
// and never accept anything but a token signed with the secret.
#include "domain/error.hpp"
#include "security/token.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const usersvc::TokenSigner signer("fuzzing-secret-that-is-long-enough-0123456789");
    std::string token(reinterpret_cast<const char*>(data), size);
    try {
        auto claims = signer.verifyIgnoringExpiry(token);
        // Accepted: it must be exactly what the signer would produce for those claims
        // (one encoding per token), or the signature check is broken.
        if (signer.sign(claims) != token) std::abort();
    } catch (const usersvc::Error& e) {
        if (e.code != usersvc::Code::Unauthenticated) std::abort();
    }
    return 0;
}
