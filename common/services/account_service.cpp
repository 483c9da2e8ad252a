#include "services/account_service.hpp"

#include "domain/clock.hpp"
#include "domain/error.hpp"
#include "domain/ids.hpp"
#include "domain/validation.hpp"
#include "security/crypto.hpp"
#include "security/password.hpp"
#include "security/token.hpp"
#include "storage/store.hpp"

namespace usersvc {

namespace {
const char* kInvalidCredentials = "Invalid credentials";

std::string newSessionId() { return base64UrlEncode(randomBytes(16)); }
std::string newRefreshToken() { return base64UrlEncode(randomBytes(32)); }
} // namespace

AccountService::AccountService(Store& store, PasswordHasher& hasher, TokenSigner& tokens,
                               AccountSettings settings)
    : store_(store), hasher_(hasher), tokens_(tokens), settings_(settings) {}

User AccountService::registerUser(RegistrationInput& in) {
    std::vector<FieldError> errors;
    UserRecord user;
    user.username = checkUsername(in.username, errors);
    user.email = checkEmail(in.email, errors);
    user.fullName = checkFullName(in.fullName, errors);
    checkPassword(in.password, settings_.minPasswordLength, errors);
    if (settings_.requireAvatar && !in.avatar) errors.push_back({"Avatar", "Avatar is required"});
    throwIfInvalid(errors);

    // A cheap early answer for taken names, before paying for bcrypt; the
    // transaction below checks again under the write lock.
    std::vector<FieldError> taken;
    if (store_.findUserByUsername(user.username)) taken.push_back({"username", "Username is already taken"});
    if (store_.findUserByEmail(user.email)) taken.push_back({"email", "Email is already registered"});
    if (!taken.empty()) throw Error(Code::Conflict, "User with this username or email already exists", taken);

    user.passwordHash = hasher_.hash(in.password);
    user.id = newObjectId();
    user.createdAtMs = user.updatedAtMs = nowMs();
    if (in.avatar) {
        in.avatar->finish();
        user.avatar = in.avatar->reference();
    }
    if (in.coverImage) {
        in.coverImage->finish();
        user.coverImage = in.coverImage->reference();
    }

    WriteHooks hooks;
    hooks.publish = [&] {
        if (in.avatar) in.avatar->publish();
        if (in.coverImage) in.coverImage->publish();
    };
    hooks.unpublish = [&] {
        if (in.avatar) in.avatar->unpublish();
        if (in.coverImage) in.coverImage->unpublish();
    };
    store_.createUser(user, hooks);
    return user;
}

IssuedSession AccountService::login(const LoginInput& in) {
    std::vector<FieldError> errors;
    std::string identifier = toLower(trim(in.identifier));
    if (identifier.empty()) errors.push_back({in.identifierField, "Username or email is required"});
    if (in.password.empty()) errors.push_back({"password", "Password is required"});
    throwIfInvalid(errors);

    // Usernames cannot contain '@', so the identifier says which column to search.
    bool byEmail = in.identifierField == "email" ||
                   (in.identifierField == "identifier" && identifier.find('@') != std::string::npos);
    auto user = byEmail ? store_.findUserByEmail(identifier) : store_.findUserByUsername(identifier);
    bool passwordOk = false;
    if (!user) {
        hasher_.verifyDummy(in.password);
    } else {
        passwordOk = hasher_.verify(in.password, user->passwordHash);
    }
    if (!passwordOk) throw Error(Code::Unauthenticated, kInvalidCredentials);
    return openSession(*user, in.client);
}

IssuedSession AccountService::openSession(const User& user, const ClientInfo& client) {
    std::int64_t now = nowMs();
    SessionRecord session;
    session.id = newSessionId();
    session.userId = user.id;
    std::string refreshToken = newRefreshToken();
    session.refreshHash = sha256Hex(refreshToken);
    session.createdAtMs = session.lastUsedAtMs = now;
    session.expiresAtMs = now + settings_.refreshTtlSeconds * 1000;
    session.userAgent = client.userAgent.substr(0, 512);
    session.clientAddress = client.address.substr(0, 64);
    store_.createSession(session);

    AccessClaims claims;
    claims.userId = user.id;
    claims.sessionId = session.id;
    claims.username = user.username;
    claims.email = user.email;
    claims.issuedAt = now / 1000;
    claims.expiresAt = claims.issuedAt + settings_.accessTtlSeconds;

    IssuedSession issued;
    issued.user = user;
    issued.sessionId = session.id;
    issued.accessToken = tokens_.sign(claims);
    issued.refreshToken = std::move(refreshToken);
    issued.accessTtlSeconds = settings_.accessTtlSeconds;
    issued.refreshTtlSeconds = settings_.refreshTtlSeconds;
    return issued;
}

AuthContext AccountService::authenticate(std::string_view accessToken) {
    std::int64_t now = nowMs();
    auto claims = tokens_.verify(accessToken, now / 1000);
    auto user = store_.findUserOfActiveSession(claims.sessionId, now);
    if (!user || user->id != claims.userId) throw Error(Code::Unauthenticated, "Session expired or logged out");
    return AuthContext{*user, claims.sessionId};
}

void AccountService::logoutSession(const std::string& sessionId) {
    if (!store_.revokeSession(sessionId, nowMs()))
        throw Error(Code::NotFound, "No open session for that token");
}

void AccountService::logoutByAccessToken(std::string_view accessToken) {
    logoutSession(tokens_.verifyIgnoringExpiry(accessToken).sessionId);
}

void AccountService::logoutByRefreshToken(std::string_view refreshToken) {
    auto session = store_.findSessionByRefreshHash(sha256Hex(refreshToken));
    if (!session) throw Error(Code::NotFound, "No open session for that refresh token");
    logoutSession(session->id);
}

int AccountService::logoutEverywhere(std::string_view userRef) {
    return store_.revokeUserSessions(findUser(userRef).id, nowMs());
}

UserRecord AccountService::findUser(std::string_view userRef) {
    std::string ref = toLower(trim(userRef));
    std::optional<UserRecord> user;
    if (isObjectId(ref)) user = store_.findUserById(ref);
    if (!user && ref.find('@') != std::string::npos) user = store_.findUserByEmail(ref);
    if (!user) user = store_.findUserByUsername(ref);
    if (!user) throw Error(Code::NotFound, "No such user: " + std::string(userRef));
    return *user;
}

void AccountService::listUsers(const UserQuery& query, const std::function<bool(const UserListing&)>& each) {
    store_.listUsers(query, nowMs(), each);
}

} // namespace usersvc
