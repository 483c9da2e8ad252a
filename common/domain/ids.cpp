#include "domain/ids.hpp"

namespace usersvc {

std::string objectIdOf(std::uint32_t seconds, std::string_view eightBytes) {
    static const char* hex = "0123456789abcdef";
    std::string raw(4, '\0');
    raw[0] = static_cast<char>(seconds >> 24);
    raw[1] = static_cast<char>(seconds >> 16);
    raw[2] = static_cast<char>(seconds >> 8);
    raw[3] = static_cast<char>(seconds);
    raw.append(eightBytes.substr(0, 8));
    std::string out;
    out.reserve(raw.size() * 2);
    for (unsigned char c : raw)
        out += {hex[c >> 4], hex[c & 15]};
    return out;
}

bool isObjectId(std::string_view s) {
    if (s.size() != 24) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

} // namespace usersvc
