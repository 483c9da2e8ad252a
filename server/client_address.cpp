#include "client_address.hpp"

#include "domain/error.hpp"
#include "domain/validation.hpp"

#include <arpa/inet.h>

#include <cstring>
#include <optional>

namespace usersvc::http {

namespace {
using Address = std::array<unsigned char, 16>;

// IPv4 is kept as ::ffff:a.b.c.d, so one comparison serves both families and a
// v4 peer seen on a dual-stack socket matches a v4 block.
std::optional<Address> parseAddress(std::string_view text) {
    std::string s(text);
    if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
    Address out{};
    in_addr v4{};
    if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) {
        out[10] = out[11] = 0xff;
        std::memcpy(out.data() + 12, &v4, 4);
        return out;
    }
    in6_addr v6{};
    if (::inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
        std::memcpy(out.data(), &v6, 16);
        return out;
    }
    return std::nullopt;
}

bool isMappedV4(const Address& a) {
    for (int i = 0; i < 10; ++i)
        if (a[i]) return false;
    return a[10] == 0xff && a[11] == 0xff;
}

bool inBlock(const Address& a, const Address& block, int bits) {
    for (int i = 0; bits > 0; ++i, bits -= 8) {
        unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
        if ((a[i] & mask) != (block[i] & mask)) return false;
    }
    return true;
}

std::vector<std::string> forwardedChain(const httplib::Request& req) {
    std::vector<std::string> chain;
    std::size_t headers = req.get_header_value_count("X-Forwarded-For");
    for (std::size_t h = 0; h < headers; ++h) {
        std::string value = req.get_header_value("X-Forwarded-For", h);
        std::size_t start = 0;
        for (;;) {
            std::size_t comma = value.find(',', start);
            chain.push_back(trim(std::string_view(value).substr(start, comma - start)));
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    }
    return chain;
}
} // namespace

TrustedProxies::TrustedProxies(const std::vector<std::string>& blocks) {
    for (const auto& entry : blocks) {
        std::string text = trim(entry);
        if (text.empty()) continue;
        auto slash = text.find('/');
        auto address = parseAddress(text.substr(0, slash));
        int maxBits = address && isMappedV4(*address) ? 32 : 128;
        int bits = maxBits;
        bool ok = address.has_value();
        if (ok && slash != std::string::npos) {
            std::string digits = text.substr(slash + 1);
            ok = !digits.empty() && digits.size() <= 3 && digits.find_first_not_of("0123456789") == std::string::npos;
            bits = ok ? std::stoi(digits) : 0;
            ok = ok && bits <= maxBits;
        }
        if (!ok)
            throw Error(Code::Invalid, "--trusted-proxy: '" + escapeControlCharacters(text) +
                                           "' is not an IP address or CIDR block (such as 10.0.0.0/8 or ::1)");
        blocks_.push_back({*address, bits + (maxBits == 32 ? 96 : 0)});
    }
}

bool TrustedProxies::contains(std::string_view address) const {
    auto parsed = parseAddress(address);
    if (!parsed) return false;
    for (const auto& b : blocks_)
        if (inBlock(*parsed, b.bytes, b.prefixBits)) return true;
    return false;
}

std::string TrustedProxies::clientOf(const httplib::Request& req) const {
    std::string client = req.remote_addr;
    if (blocks_.empty() || !contains(client)) return client;
    auto chain = forwardedChain(req);
    // From the right: skip our own proxies; the first other hop is the client.
    // An entry that is not an address ends the walk at the last trusted hop.
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        if (!parseAddress(*it)) break;
        client = *it;
        if (!contains(*it)) break;
    }
    return client;
}

bool isLoopbackHost(std::string_view host) {
    if (host == "localhost") return true;
    auto parsed = parseAddress(host);
    if (!parsed) return false;
    Address loop6{};
    loop6[15] = 1;
    return *parsed == loop6 || (isMappedV4(*parsed) && (*parsed)[12] == 127);
}

} // namespace usersvc::http
