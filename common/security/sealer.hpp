#pragma once
// Authenticated encryption (AES-256-GCM) under a key derived from the server
// secret. Used to keep, for the refresh reuse interval only, the answer a
// repeated refresh must get again, without storing a usable token in clear.
#include <optional>
#include <string>
#include <string_view>

namespace usersvc {

class Sealer {
public:
    // `purpose` separates keys derived from one secret for different uses.
    Sealer(std::string_view secret, std::string_view purpose);

    std::string seal(std::string_view plaintext) const; // nonce || ciphertext || tag
    std::optional<std::string> open(std::string_view sealed) const;

private:
    std::string key_;
};

} // namespace usersvc
