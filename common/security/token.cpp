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

// Reads the claims straight off the payload's JSON events, without building a
// document: parsing into nlohmann::json (a std::map of allocated values) was
// the largest part of a token check (callgrind). The rules are the document's:
// the payload is an object, the last of repeated members counts, sub, sid and
// iss are strings, iat and exp integers, username and email strings or absent.
class ClaimsReader final : public nlohmann::json_sax<nlohmann::json> {
public:
    AccessClaims claims;

    bool complete() const { return isObject_ && sub_ && sid_ && iat_ && exp_ && issuerOk_; }

    bool null() override { return notWanted(); }
    bool boolean(bool) override { return notWanted(); }
    bool number_integer(number_integer_t value) override { return integer(value); }
    bool number_unsigned(number_unsigned_t value) override {
        return value <= static_cast<number_unsigned_t>(INT64_MAX) ? integer(static_cast<std::int64_t>(value))
                                                                  : notWanted();
    }
    bool number_float(number_float_t, const string_t&) override { return notWanted(); }
    bool string(string_t& value) override {
        if (depth_ != 1) return true;
        switch (member_) {
        case Member::Sub:
            claims.userId = std::move(value);
            sub_ = true;
            break;
        case Member::Sid:
            claims.sessionId = std::move(value);
            sid_ = true;
            break;
        case Member::Username: claims.username = std::move(value); break;
        case Member::Email: claims.email = std::move(value); break;
        case Member::Iss: issuerOk_ = value == kTokenIssuer; break;
        default: wrongType(); // iat and exp are integers
        }
        return true;
    }
    bool binary(binary_t&) override { return notWanted(); }
    bool start_object(std::size_t) override {
        if (depth_ == 0) isObject_ = true;
        return open();
    }
    bool key(string_t& name) override {
        if (depth_ == 1) member_ = memberNamed(name);
        return true;
    }
    bool end_object() override { return close(); }
    bool start_array(std::size_t) override { return open(); }
    bool end_array() override { return close(); }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

private:
    enum class Member { Other, Sub, Sid, Username, Email, Iat, Exp, Iss };
    static Member memberNamed(const std::string& name) {
        if (name == "sub") return Member::Sub;
        if (name == "sid") return Member::Sid;
        if (name == "username") return Member::Username;
        if (name == "email") return Member::Email;
        if (name == "iat") return Member::Iat;
        if (name == "exp") return Member::Exp;
        if (name == "iss") return Member::Iss;
        return Member::Other;
    }
    // A member's value that is not what the claim needs.
    void wrongType() {
        switch (member_) {
        case Member::Sub: sub_ = false; break;
        case Member::Sid: sid_ = false; break;
        case Member::Username: claims.username.clear(); break;
        case Member::Email: claims.email.clear(); break;
        case Member::Iat: iat_ = false; break;
        case Member::Exp: exp_ = false; break;
        case Member::Iss: issuerOk_ = false; break;
        case Member::Other: break;
        }
    }
    bool notWanted() {
        if (depth_ == 1) wrongType();
        return true;
    }
    bool integer(std::int64_t value) {
        if (depth_ != 1) return true;
        if (member_ == Member::Iat) {
            claims.issuedAt = value;
            iat_ = true;
        } else if (member_ == Member::Exp) {
            claims.expiresAt = value;
            exp_ = true;
        } else {
            wrongType();
        }
        return true;
    }
    bool open() {
        if (depth_ == 1) wrongType(); // an object or array as a member's value
        ++depth_;
        return true;
    }
    bool close() {
        --depth_;
        return true;
    }

    int depth_ = 0;
    Member member_ = Member::Other;
    bool isObject_ = false, sub_ = false, sid_ = false, iat_ = false, exp_ = false, issuerOk_ = false;
};
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
    ClaimsReader reader;
    if (!nlohmann::json::sax_parse(*payloadJson, &reader) || !reader.complete()) refuse("Invalid access token");
    if (checkExpiry && reader.claims.expiresAt <= nowSeconds) refuse("Access token expired");
    return std::move(reader.claims);
}

} // namespace usersvc
