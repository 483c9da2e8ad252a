#pragma once
// The session use cases (issue 22): opening a session (a login, the
// operator's), checking an access token, rotating a refresh token, revoking
// sessions (logout and its scopes, one, all), listing and purging them. One
// place issues a session's tokens.
#include "services/account_service.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace usersvc {

class Store;
class PasswordHasher;
class TokenSigner;
class Sealer;

class SessionService {
public:
    SessionService(
        Store& store, PasswordHasher& hasher, TokenSigner& tokens, const Sealer& sealer, AccountSettings settings);

    // Checks credentials and opens a session. Unknown user and wrong password
    // both throw Error{Unauthenticated, "Invalid credentials"} after one bcrypt run.
    IssuedSession login(const LoginInput& input);
    // The 400s login answers before looking anybody up: a missing or overlong
    // identifier, a missing password. Login runs it too; the server runs it
    // first, so that such requests never reach the failed-login limiter.
    void checkLoginInput(const LoginInput& input) const;

    // The user and session behind a valid access token whose session is still open.
    AuthContext authenticate(std::string_view accessToken);

    // Rotates the refresh token: the used one stops working. Presenting the
    // just-rotated token again within the reuse interval answers with the same
    // new pair; any later use of a rotated token revokes the whole session.
    // Throws Error{Unauthenticated}.
    IssuedSession refresh(std::string_view refreshToken, const ClientInfo& client);

    // Deletes revoked and expired sessions and forgets sealed replay answers past
    // their reuse interval (run by serve at start and then every minute).
    SessionPurge purgeSessions();

    // Revokes one session. Throws Error{NotFound} when it was not open.
    void logoutSession(const std::string& sessionId);
    // Revokes the session an access token names (expired tokens still name one).
    void logoutByAccessToken(std::string_view accessToken);
    void logoutByRefreshToken(std::string_view refreshToken);
    // Revokes every session of the user; returns how many were open.
    int logoutEverywhere(const std::string& userId);

    // The open sessions of `userId`, newest first (GET /users/sessions, the
    // console, `usersvc sessions`).
    std::vector<SessionRecord> sessionsOf(const std::string& userId);
    // Revokes one of the user's own open sessions. Throws Error{NotFound} for
    // any other id: another user's session looks the same as none.
    void revokeOwnSession(const std::string& userId, const std::string& sessionId);
    // Supabase Auth's logout scopes: this session (Local), every other session
    // of the user (Others), or all of them (Global). Returns how many it revoked.
    int logout(const AuthContext& auth, LogoutScope scope);

    // A session for the user opened by the operator, without a password (the
    // console's "an access token for this user"): a session like a login's,
    // its user agent naming the console. The caller logs that it happened.
    IssuedSession openSessionAsOperator(const User& user, const ClientInfo& client);

private:
    IssuedSession openSession(const User& user, const ClientInfo& client);
    // The one place an IssuedSession is put together (login, rotation, replay).
    IssuedSession issued(
        const User& user, const std::string& sessionId, std::string accessToken, std::string refreshToken) const;
    std::string signAccessToken(const User& user, const std::string& sessionId, std::int64_t nowMs) const;
    IssuedSession replayRotation(const SessionRecord& session);

    Store& store_;
    PasswordHasher& hasher_;
    TokenSigner& tokens_;
    const Sealer& sealer_;
    AccountSettings settings_;
};

} // namespace usersvc
