#include "services/session_service.hpp"

#include "domain/clock.hpp"
#include "domain/error.hpp"
#include "domain/validation.hpp"
#include "security/crypto.hpp"
#include "security/password.hpp"
#include "security/sealer.hpp"
#include "security/token.hpp"
#include "storage/store.hpp"

#include <nlohmann/json.hpp>

namespace usersvc {

namespace {
const char* kInvalidCredentials = "Invalid credentials";

std::string newSessionId() {
    return base64UrlEncode(randomBytes(16));
}
std::string newRefreshToken() {
    return base64UrlEncode(randomBytes(32));
}
} // namespace

SessionService::SessionService(
    Store& store, PasswordHasher& hasher, TokenSigner& tokens, const Sealer& sealer, AccountSettings settings)
    : store_(store), hasher_(hasher), tokens_(tokens), sealer_(sealer), settings_(settings) {}

void SessionService::checkLoginInput(const LoginInput& in) const {
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

IssuedSession SessionService::login(const LoginInput& in) {
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

IssuedSession SessionService::openSession(const User& user, const ClientInfo& client) {
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

    // Signed before the row exists: a token that cannot be made leaves no session.
    std::string accessToken = signAccessToken(user, session.id, now);
    store_.createSession(session);
    store_.revokeSessionsBeyond(user.id, settings_.maxSessionsPerUser, now);
    return issued(user, session.id, std::move(accessToken), std::move(refreshToken));
}

std::string SessionService::signAccessToken(const User& user, const std::string& sessionId, std::int64_t now) const {
    AccessClaims claims;
    claims.userId = user.id;
    claims.sessionId = sessionId;
    claims.username = user.username;
    claims.email = user.email;
    claims.issuedAt = now / 1000;
    claims.expiresAt = claims.issuedAt + settings_.accessTtlSeconds;
    return tokens_.sign(claims);
}

IssuedSession SessionService::refresh(std::string_view refreshToken, const ClientInfo& client) {
    if (refreshToken.empty()) throw Error(Code::Unauthenticated, "Refresh token required");
    std::int64_t now = nowMs();
    std::string hash = sha256Hex(refreshToken);

    if (auto session = store_.findSessionByRefreshHash(hash)) {
        if (session->revokedAtMs || session->expiresAtMs <= now)
            throw Error(Code::Unauthenticated, "Refresh token expired or revoked");
        auto user = store_.findUserById(session->userId);
        if (!user) throw Error(Code::Unauthenticated, "Refresh token expired or revoked");
        auto rotated = issued(*user, session->id, signAccessToken(*user, session->id, now), newRefreshToken());

        SessionRecord next;
        next.refreshHash = sha256Hex(rotated.refreshToken);
        next.lastUsedAtMs = now;
        next.expiresAtMs = now + settings_.refreshTtlSeconds * 1000;
        next.userAgent = asciiOnly(client.userAgent, 512);
        next.clientAddress = asciiOnly(client.address, 64);
        nlohmann::json replay = {{"a", rotated.accessToken}, {"r", rotated.refreshToken}};
        next.replaySealed = sealer_.seal(replay.dump());
        if (store_.rotateRefresh(session->id, hash, next)) return rotated;
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

SessionPurge SessionService::purgeSessions() {
    std::int64_t now = nowMs();
    // A second past the interval, so an answer being replayed right now is not
    // taken away from under it.
    return store_.purgeSessions(now, now - settings_.refreshReuseIntervalSeconds * 1000 - 1000);
}

IssuedSession SessionService::replayRotation(const SessionRecord& session) {
    auto plain = sealer_.open(session.replaySealed);
    auto user = store_.findUserById(session.userId);
    if (!plain || !user) throw Error(Code::Unauthenticated, "Invalid refresh token");
    auto replay = nlohmann::json::parse(*plain);
    return issued(*user, session.id, replay["a"].get<std::string>(), replay["r"].get<std::string>());
}

AuthContext SessionService::authenticate(std::string_view accessToken) {
    std::int64_t now = nowMs();
    auto claims = tokens_.verify(accessToken, now / 1000);
    auto user = store_.findUserOfActiveSession(claims.sessionId, now);
    if (!user || user->id != claims.userId) throw Error(Code::Unauthenticated, "Session expired or logged out");
    return AuthContext{*user, claims.sessionId};
}

void SessionService::logoutSession(const std::string& sessionId) {
    if (!store_.revokeSession(sessionId, nowMs())) throw Error(Code::NotFound, "No such open session");
}

void SessionService::logoutByAccessToken(std::string_view accessToken) {
    logoutSession(tokens_.verifyIgnoringExpiry(accessToken).sessionId);
}

void SessionService::logoutByRefreshToken(std::string_view refreshToken) {
    auto session = store_.findSessionByRefreshHash(sha256Hex(refreshToken));
    if (!session) throw Error(Code::NotFound, "No open session for that refresh token");
    logoutSession(session->id);
}

int SessionService::logoutEverywhere(const std::string& userId) {
    return store_.revokeUserSessions(userId, nowMs());
}

std::vector<SessionRecord> SessionService::sessionsOf(const std::string& userId) {
    return store_.listOpenSessions(userId, nowMs());
}

void SessionService::revokeOwnSession(const std::string& userId, const std::string& sessionId) {
    auto session = store_.findSession(sessionId);
    std::int64_t now = nowMs();
    bool open = session && session->userId == userId && !session->revokedAtMs && session->expiresAtMs > now;
    if (!open || !store_.revokeSession(sessionId, now)) throw Error(Code::NotFound, "No such session");
}

int SessionService::logout(const AuthContext& auth, LogoutScope scope) {
    switch (scope) {
    case LogoutScope::Local: logoutSession(auth.sessionId); return 1;
    case LogoutScope::Others: return store_.revokeUserSessions(auth.user.id, nowMs(), auth.sessionId);
    case LogoutScope::Global: return store_.revokeUserSessions(auth.user.id, nowMs());
    }
    return 0;
}

IssuedSession SessionService::openSessionAsOperator(const User& user, const ClientInfo& client) {
    return openSession(user, client);
}

IssuedSession SessionService::issued(
    const User& user, const std::string& sessionId, std::string accessToken, std::string refreshToken) const {
    IssuedSession out;
    out.user = user;
    out.sessionId = sessionId;
    out.accessToken = std::move(accessToken);
    out.refreshToken = std::move(refreshToken);
    out.accessTtlSeconds = settings_.accessTtlSeconds;
    out.refreshTtlSeconds = settings_.refreshTtlSeconds;
    return out;
}

} // namespace usersvc
