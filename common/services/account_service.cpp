#include "services/account_service.hpp"

#include "domain/clock.hpp"
#include "domain/error.hpp"
#include "domain/ids.hpp"
#include "domain/validation.hpp"
#include "security/crypto.hpp"
#include "security/password.hpp"
#include "security/sealer.hpp"
#include "security/token.hpp"
#include "services/store_writes.hpp"
#include "storage/store.hpp"

#include <nlohmann/json.hpp>

namespace usersvc {

std::string accountKeyOf(const User& user) {
    return "u:" + user.id;
}

namespace {
const char* kInvalidCredentials = "Invalid credentials";

std::string newSessionId() {
    return base64UrlEncode(randomBytes(16));
}
std::string newRefreshToken() {
    return base64UrlEncode(randomBytes(32));
}
} // namespace

AccountService::AccountService(Store& store, MediaStore& media, PasswordHasher& hasher, TokenSigner& tokens,
    const Sealer& sealer, AccountSettings settings)
    : store_(store), media_(media), hasher_(hasher), tokens_(tokens), sealer_(sealer), settings_(settings) {}

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
    std::vector<std::string> taken;
    if (store_.findUserByUsername(user.username)) taken.push_back("username");
    if (store_.findUserByEmail(user.email)) taken.push_back("email");
    if (!taken.empty()) throw takenError(taken);

    user.passwordHash = hasher_.hash(in.password, HashPriority::NewAccount);
    user.id = newObjectId();
    user.createdAtMs = user.updatedAtMs = nowMs();
    if (in.avatar) user.avatar = in.avatar->reference();
    if (in.coverImage) user.coverImage = in.coverImage->reference();

    // Insert, publish the images, commit; on any failure the images are
    // unpublished while the write lock is still held, then the insert rolls back.
    auto tx = store_.beginWrite();
    try {
        tx->insertUser(user);
    } catch (const UniqueConflict& e) {
        throw takenError(e.fields);
    }
    PublishedImages images{*tx, {in.avatar.get(), in.coverImage.get()}};
    tx->commit();
    images.keep();
    return user;
}

void AccountService::checkLoginInput(const LoginInput& in) const {
    std::vector<FieldError> errors;
    if (in.identifier.value.empty())
        errors.push_back({in.identifierField, "Username or email is required"});
    else if (in.identifier.value.size() > kMaxEmailBytes) // no username or e-mail is longer
        errors.push_back({in.identifierField, "At most " + std::to_string(kMaxEmailBytes) + " characters"});
    else if (!isValidUtf8(in.identifier.value))
        errors.push_back({in.identifierField, "Must be valid UTF-8"});
    // Registration refuses what bcrypt would not read (past 72 bytes), so no
    // account has such a password: refused here too rather than cut silently.
    if (in.password.empty())
        errors.push_back({"password", "Password is required"});
    else if (in.password.size() > kMaxPasswordBytes)
        errors.push_back({"password", "At most " + std::to_string(kMaxPasswordBytes) + " bytes"});
    throwIfInvalid(errors);
}

IssuedSession AccountService::login(const LoginInput& in) {
    checkLoginInput(in);
    const auto& identifier = in.identifier;
    auto user = identifier.kind == LoginIdentifier::Kind::Email ? store_.findUserByEmail(identifier.value)
                                                                : store_.findUserByUsername(identifier.value);
    if (in.beforePasswordCheck)
        in.beforePasswordCheck(user ? accountKeyOf(*user) : "n:" + sha256Hex(identifier.value).substr(0, 32));
    bool passwordOk = false;
    std::string movedHash;
    {
        auto turn = hasher_.takeTurn();
        if (!user) {
            turn.verifyDummy(in.password);
        } else {
            passwordOk = turn.verify(in.password, user->passwordHash);
            // Hashes imported at another cost (Node's bcrypt writes $2b$10$) move
            // to the configured cost on the first login that knows the password,
            // in the same turn, so this login queues for a slot only once.
            if (passwordOk && PasswordHasher::costOf(user->passwordHash) != hasher_.cost())
                movedHash = turn.hash(in.password);
        }
    }
    if (!passwordOk) throw WrongPassword(Code::Unauthenticated, kInvalidCredentials);
    if (!movedHash.empty()) store_.replacePasswordHash(user->id, user->passwordHash, movedHash);
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
    session.userAgent = asciiOnly(client.userAgent, 512);
    session.clientAddress = asciiOnly(client.address, 64);

    IssuedSession issued;
    // Signed before the row exists: a token that cannot be made leaves no session.
    issued.accessToken = signAccessToken(user, session.id, now);
    store_.createSession(session);
    store_.revokeSessionsBeyond(user.id, settings_.maxSessionsPerUser, now);
    issued.user = user;
    issued.sessionId = session.id;
    issued.refreshToken = std::move(refreshToken);
    issued.accessTtlSeconds = settings_.accessTtlSeconds;
    issued.refreshTtlSeconds = settings_.refreshTtlSeconds;
    return issued;
}

std::string AccountService::signAccessToken(const User& user, const std::string& sessionId, std::int64_t now) const {
    AccessClaims claims;
    claims.userId = user.id;
    claims.sessionId = sessionId;
    claims.username = user.username;
    claims.email = user.email;
    claims.issuedAt = now / 1000;
    claims.expiresAt = claims.issuedAt + settings_.accessTtlSeconds;
    return tokens_.sign(claims);
}

IssuedSession AccountService::refresh(std::string_view refreshToken, const ClientInfo& client) {
    if (refreshToken.empty()) throw Error(Code::Unauthenticated, "Refresh token required");
    std::int64_t now = nowMs();
    std::string hash = sha256Hex(refreshToken);

    if (auto session = store_.findSessionByRefreshHash(hash)) {
        if (session->revokedAtMs || session->expiresAtMs <= now)
            throw Error(Code::Unauthenticated, "Refresh token expired or revoked");
        auto user = store_.findUserById(session->userId);
        if (!user) throw Error(Code::Unauthenticated, "Refresh token expired or revoked");
        IssuedSession issued;
        issued.user = *user;
        issued.sessionId = session->id;
        issued.accessToken = signAccessToken(*user, session->id, now);
        issued.refreshToken = newRefreshToken();
        issued.accessTtlSeconds = settings_.accessTtlSeconds;
        issued.refreshTtlSeconds = settings_.refreshTtlSeconds;

        SessionRecord next;
        next.refreshHash = sha256Hex(issued.refreshToken);
        next.lastUsedAtMs = now;
        next.expiresAtMs = now + settings_.refreshTtlSeconds * 1000;
        next.userAgent = asciiOnly(client.userAgent, 512);
        next.clientAddress = asciiOnly(client.address, 64);
        nlohmann::json replay = {{"a", issued.accessToken}, {"r", issued.refreshToken}};
        next.replaySealed = sealer_.seal(replay.dump());
        if (store_.rotateRefresh(session->id, hash, next)) return issued;
        // Another request rotated this token first: fall through, as a repeat.
    }

    auto session = store_.findSessionByRetiredRefreshHash(hash);
    if (!session) throw Error(Code::Unauthenticated, "Invalid refresh token");
    if (session->revokedAtMs) throw Error(Code::Unauthenticated, "Refresh token expired or revoked");
    bool withinInterval = session->previousRefreshHash == hash && session->rotatedAtMs &&
                          now - *session->rotatedAtMs <= settings_.refreshReuseIntervalSeconds * 1000;
    if (withinInterval) return replayRotation(*session);
    store_.revokeSession(session->id, now);
    throw Error(Code::Unauthenticated, "Refresh token reuse detected; the session is revoked");
}

int AccountService::sweepUnreferencedMedia() {
    int removed = 0;
    for (const auto& shard : media_.publishedByShard())
        removed += releaseUnreferenced(store_, media_, shard);
    return removed;
}

SessionPurge AccountService::purgeSessions() {
    std::int64_t now = nowMs();
    // A second past the interval, so an answer being replayed right now is not
    // taken away from under it.
    return store_.purgeSessions(now, now - settings_.refreshReuseIntervalSeconds * 1000 - 1000);
}

IssuedSession AccountService::replayRotation(const SessionRecord& session) {
    auto plain = sealer_.open(session.replaySealed);
    auto user = store_.findUserById(session.userId);
    if (!plain || !user) throw Error(Code::Unauthenticated, "Invalid refresh token");
    auto replay = nlohmann::json::parse(*plain);
    IssuedSession issued;
    issued.user = *user;
    issued.sessionId = session.id;
    issued.accessToken = replay["a"].get<std::string>();
    issued.refreshToken = replay["r"].get<std::string>();
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
    if (!store_.revokeSession(sessionId, nowMs())) throw Error(Code::NotFound, "No such open session");
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

std::vector<SessionRecord> AccountService::sessionsOf(const std::string& userId) {
    return store_.listOpenSessions(userId, nowMs());
}

void AccountService::revokeOwnSession(const std::string& userId, const std::string& sessionId) {
    auto session = store_.findSession(sessionId);
    std::int64_t now = nowMs();
    bool open = session && session->userId == userId && !session->revokedAtMs && session->expiresAtMs > now;
    if (!open || !store_.revokeSession(sessionId, now)) throw Error(Code::NotFound, "No such session");
}

int AccountService::logout(const AuthContext& auth, LogoutScope scope) {
    switch (scope) {
    case LogoutScope::Local: logoutSession(auth.sessionId); return 1;
    case LogoutScope::Others: return store_.revokeUserSessions(auth.user.id, nowMs(), auth.sessionId);
    case LogoutScope::Global: return store_.revokeUserSessions(auth.user.id, nowMs());
    }
    return 0;
}

IssuedSession AccountService::openSessionAsOperator(std::string_view userRef, const ClientInfo& client) {
    return openSession(findUser(userRef), client);
}

UserRecord AccountService::findUser(std::string_view userRef) {
    std::string ref = toLower(trim(userRef));
    std::optional<UserRecord> user;
    if (isObjectId(ref)) {
        user = store_.findUserById(ref);
        // Names of that shape are refused now, but a store may hold one from
        // before: an operator acting on "this id" must not reach another user.
        if (auto named = store_.findUserByUsername(ref); named && user && named->id != user->id)
            throw Error(
                Code::Invalid, "'" + ref + "' is one user's _id and another user's username; name the user by e-mail");
    }
    if (!user && ref.find('@') != std::string::npos) user = store_.findUserByEmail(ref);
    if (!user) user = store_.findUserByUsername(ref);
    if (!user) throw Error(Code::NotFound, "No such user: " + std::string(userRef));
    return *user;
}

void AccountService::listUsers(const UserQuery& query, const std::function<bool(const UserListing&)>& each) {
    store_.listUsers(query, nowMs(), each);
}

} // namespace usersvc
