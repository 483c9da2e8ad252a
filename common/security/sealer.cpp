#include "security/sealer.hpp"

#include "domain/error.hpp"
#include "security/crypto.hpp"

#include <openssl/evp.h>

#include <memory>

namespace usersvc {

namespace {
constexpr std::size_t kNonce = 12, kTag = 16;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;
const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* bytes(std::string& s) {
    return reinterpret_cast<unsigned char*>(s.data());
}
} // namespace

Sealer::Sealer(std::string_view secret, std::string_view purpose)
    : key_(hmacSha256(secret, std::string("usersvc/") + std::string(purpose))) {}

std::string Sealer::seal(std::string_view plaintext) const {
    std::string nonce = randomBytes(kNonce);
    std::string out = nonce + std::string(plaintext.size() + kTag, '\0');
    CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    int len = 0;
    bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key_), bytes(nonce)) == 1 &&
              EVP_EncryptUpdate(
                  ctx.get(), bytes(out) + kNonce, &len, bytes(plaintext), static_cast<int>(plaintext.size())) == 1 &&
              EVP_EncryptFinal_ex(ctx.get(), bytes(out) + kNonce + len, &len) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag, bytes(out) + kNonce + plaintext.size()) == 1;
    if (!ok) throw Error(Code::Internal, "sealing failed");
    return out;
}

std::optional<std::string> Sealer::open(std::string_view sealed) const {
    if (sealed.size() < kNonce + kTag) return std::nullopt;
    std::size_t textSize = sealed.size() - kNonce - kTag;
    std::string plain(textSize, '\0');
    std::string tag(sealed.substr(kNonce + textSize));
    CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    int len = 0;
    bool ok =
        ctx &&
        EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key_), bytes(sealed.substr(0, kNonce))) == 1 &&
        EVP_DecryptUpdate(ctx.get(), bytes(plain), &len, bytes(sealed.substr(kNonce)), static_cast<int>(textSize)) ==
            1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) == 1 &&
        EVP_DecryptFinal_ex(ctx.get(), bytes(plain) + len, &len) == 1;
    if (!ok) return std::nullopt;
    return plain;
}

} // namespace usersvc
