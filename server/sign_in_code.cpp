#include "sign_in_code.hpp"

#include "security/crypto.hpp"

namespace usersvc::http {

std::string SignInCode::issue() {
    std::lock_guard lock(mutex_);
    code_ = hexEncode(randomBytes(16));
    return code_;
}

bool SignInCode::redeem(std::string_view code) {
    std::lock_guard lock(mutex_);
    // Equal-length digests: the comparison takes the same time whatever was sent.
    if (code_.empty() || code.empty() || !constantTimeEquals(sha256(code), sha256(code_))) return false;
    code_.clear();
    return true;
}

} // namespace usersvc::http
