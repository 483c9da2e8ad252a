#pragma once
// Who the client is. Directly connected, it is the TCP peer. Behind reverse
// proxies named with --trusted-proxy, a request from one of them carries the
// client in X-Forwarded-For: each proxy appends the address it saw, so the
// right-most entry that is not a trusted proxy is the client (entries to its
// left were written by the client itself and prove nothing).
#include <httplib.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace usersvc::http {

class TrustedProxies {
public:
    TrustedProxies() = default;
    // "10.0.0.0/8", "192.168.1.7", "::1", "fd00::/8". Throws Error{Invalid}
    // naming the first entry that is not an address or CIDR block.
    explicit TrustedProxies(const std::vector<std::string>& blocks);

    bool empty() const { return blocks_.empty(); }
    bool contains(std::string_view address) const;

    // The client address for rate limits and session records.
    std::string clientOf(const httplib::Request& req) const;

private:
    struct Block {
        std::array<unsigned char, 16> bytes{}; // IPv4 as IPv4-mapped IPv6
        int prefixBits = 0;
    };
    std::vector<Block> blocks_;
};

// True for 127.0.0.0/8, ::1 and "localhost": a bind nobody else can reach.
bool isLoopbackHost(std::string_view host);

} // namespace usersvc::http
