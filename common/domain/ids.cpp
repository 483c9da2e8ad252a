#include "domain/ids.hpp"

#include "security/crypto.hpp"

#include <chrono>
#include <cstdint>

namespace usersvc {

std::string newObjectId() {
    auto seconds = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    std::string raw(4, '\0');
    raw[0] = static_cast<char>(seconds >> 24);
    raw[1] = static_cast<char>(seconds >> 16);
    raw[2] = static_cast<char>(seconds >> 8);
    raw[3] = static_cast<char>(seconds);
    raw += randomBytes(8);
    return hexEncode(raw);
}

bool isObjectId(std::string_view s) {
    if (s.size() != 24) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

} // namespace usersvc
