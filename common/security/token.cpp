#include "security/token.hpp"

#include "domain/error.hpp"
#include "security/crypto.hpp"

#include <nlohmann/json.hpp>

namespace usersvc {

namespace {
const std::string kHeader = base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})");

[[noreturn]] void refuse(const std::string& why) {
    throw Error(Code::Unauthenticated, why);
}
} // namespace

namespace {
const std::string& checkedSecret(const std::string& secret) {
    if (secret.size() < 32) throw Error(Code::Invalid, "the JWT signing secret must be at least 32 bytes");
    return secret;
}
} // namespace

TokenSigner::TokenSigner(const std::string& secret) : mac_(checkedSecret(secret)) {}

std::string TokenSigner::sign(const AccessClaims& c) const {
    nlohmann::ordered_json payload = {{"sub", c.userId}, {"sid", c.sessionId}, {"username", c.username},
        {"email", c.email}, {"iat", c.issuedAt}, {"exp", c.expiresAt}, {"iss", kTokenIssuer}};
    std::string signingInput = kHeader + "." + base64UrlEncode(payload.dump());
    return signingInput + "." + base64UrlEncode(mac_(signingInput));
}

AccessClaims TokenSigner::verify(std::string_view token, std::int64_t nowSeconds) const {
    return verifyImpl(token, nowSeconds, true);
}

AccessClaims TokenSigner::verifyIgnoringExpiry(std::string_view token) const {
    return verifyImpl(token, 0, false);
}

AccessClaims TokenSigner::verifyImpl(std::string_view token, std::int64_t nowSeconds, bool checkExpiry) const {
    if (token.size() > 4096) refuse("Invalid access token");
    auto dot1 = token.find('.');
    auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
        refuse("Invalid access token");

    // The header every token of ours carries (and jsonwebtoken's HS256 too) is
    // known byte for byte; any other spelling is parsed to find its algorithm.
    if (token.substr(0, dot1) != kHeader) {
        auto headerJson = base64UrlDecode(token.substr(0, dot1));
        if (!headerJson) refuse("Invalid access token");
        auto header = nlohmann::json::parse(*headerJson, nullptr, false);
        if (!header.is_object() || !header.contains("alg") || header["alg"] != "HS256") refuse("Invalid access token");
    }

    auto signature = base64UrlDecode(token.substr(dot2 + 1));
    auto expected = mac_(token.substr(0, dot2));
    if (!signature || !constantTimeEquals(*signature, expected)) refuse("Invalid access token");

    auto payloadJson = base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    if (!payloadJson) refuse("Invalid access token");
    auto p = nlohmann::json::parse(*payloadJson, nullptr, false);
    auto isString = [&](const char* k) { return p.contains(k) && p[k].is_string(); };
    auto isInt = [&](const char* k) { return p.contains(k) && p[k].is_number_integer(); };
    if (!p.is_object() || !isString("sub") || !isString("sid") || !isInt("exp") || !isInt("iat") || !isString("iss") ||
        p["iss"] != kTokenIssuer)
        refuse("Invalid access token");

    AccessClaims c;
    c.userId = p["sub"].get<std::string>();
    c.sessionId = p["sid"].get<std::string>();
    c.username = isString("username") ? p["username"].get<std::string>() : "";
    c.email = isString("email") ? p["email"].get<std::string>() : "";
    c.issuedAt = p["iat"].get<std::int64_t>();
    c.expiresAt = p["exp"].get<std::int64_t>();
    if (checkExpiry && c.expiresAt <= nowSeconds) refuse("Access token expired");
    return c;
}

} // namespace usersvc
