#pragma once
// The account use cases. POST /register and `usersvc register` both call
// registerUser; they differ only in how input arrives and output leaves.
#include "domain/user.hpp"
#include "domain/validation.hpp"
#include "media/media_store.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace usersvc {

class Store;
class PasswordHasher;
class TokenSigner;
class Sealer;
class MediaStore;
struct UserQuery;

struct AccountSettings {
    std::int64_t accessTtlSeconds = 15 * 60;
    std::int64_t refreshTtlSeconds = 10 * 24 * 3600;
    std::int64_t refreshReuseIntervalSeconds = 10;
    std::size_t minPasswordLength = 8;
    bool requireAvatar = false;
    int maxSessionsPerUser = 100; // a login beyond it revokes the least recently used
};

struct RegistrationInput {
    std::string username;
    std::string email;
    std::string password;
    std::string fullName;
    std::unique_ptr<StagedImage> avatar;     // finished, not yet published
    std::unique_ptr<StagedImage> coverImage; // same
};

struct ClientInfo {
    std::string userAgent;
    std::string address;
};

// Called with the account a password is about to be checked for, before the
// check: "u:<id>" for an existing account (so its username and e-mail share one
// count), else "n:" and 32 hex of the identifier's SHA-256 (bounded, whatever
// was sent). The server's failed-attempt limiter throws from here to refuse.
using BeforePasswordCheck = std::function<void(const std::string& accountKey)>;
std::string accountKeyOf(const User& user);

struct LoginInput {
    std::string identifierField = "identifier"; // which field the caller used, named in errors
    LoginIdentifier identifier;
    std::string password;
    ClientInfo client;
    BeforePasswordCheck beforePasswordCheck = {};
};

// A freshly opened (or rotated) session and its tokens. The refresh token exists
// in clear only here, on its way to the client.
struct IssuedSession {
    User user;
    std::string sessionId;
    std::string accessToken;
    std::string refreshToken;
    std::int64_t accessTtlSeconds = 0;
    std::int64_t refreshTtlSeconds = 0;
};

struct AuthContext {
    User user;
    std::string sessionId;
};

enum class LogoutScope { Local, Others, Global };

// PATCH /updateProfile: only the fields present change.
struct ProfileInput {
    std::optional<std::string> username;
    std::optional<std::string> email;
    std::optional<std::string> fullName;
};

class AccountService {
public:
    AccountService(Store& store, MediaStore& media, PasswordHasher& hasher, TokenSigner& tokens, const Sealer& sealer,
        AccountSettings settings);

    // Validates, hashes the password, stores the user and publishes the images in
    // one transaction. Throws Error{Invalid|Conflict}; on failure nothing is left behind.
    User registerUser(RegistrationInput& input);

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

    // Deletes image files no user refers to (an image replaced just before a
    // kill -9 was never released); returns how many. One write transaction per
    // shard directory, so a registration publishing meanwhile is never raced.
    int sweepUnreferencedMedia();

    // Deletes revoked and expired sessions and forgets sealed replay answers past
    // their reuse interval (run by serve at start and then every minute).
    SessionPurge purgeSessions();

    // Checks the old password (WrongPassword, 400, when it does not match), sets
    // the new one and revokes every other session.
    void changePassword(const AuthContext& auth, const std::string& oldPassword, const std::string& newPassword,
        const BeforePasswordCheck& beforeCheck = {});
    // The operator's reset (`usersvc passwd`): sets it and revokes every session.
    int setPassword(std::string_view userRef, const std::string& newPassword);

    // Throws Error{Invalid} when no field is given or one is invalid, {Conflict} when taken.
    User updateProfile(const std::string& userId, const ProfileInput& input);
    // Replaces the avatar or cover; the old image is deleted when nobody uses it.
    User updateImage(const std::string& userId, ImageSlot slot, std::unique_ptr<StagedImage> image);

    // Removes the user with sessions, subscriptions and history, and images
    // nobody else references. Returns the removed user.
    UserRecord deleteUser(std::string_view userRef);

    std::vector<SessionRecord> openSessions(std::string_view userRef);
    UserCounts countsFor(const std::string& userId);

    // Revokes one session. Throws Error{NotFound} when it was not open.
    void logoutSession(const std::string& sessionId);
    // Revokes the session an access token names (expired tokens still name one).
    void logoutByAccessToken(std::string_view accessToken);
    void logoutByRefreshToken(std::string_view refreshToken);
    // Revokes every session of the user; returns how many were open.
    int logoutEverywhere(std::string_view userRef);

    // Users managing their own sessions (GET/DELETE /users/sessions, POST
    // /logout?scope=). The open sessions of `userId`, newest first.
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
    IssuedSession openSessionAsOperator(std::string_view userRef, const ClientInfo& client);

    // A user by username, email or _id. Throws Error{NotFound}.
    UserRecord findUser(std::string_view userRef);

    void listUsers(const UserQuery& query, const std::function<bool(const UserListing&)>& each);

    const AccountSettings& settings() const { return settings_; }

private:
    IssuedSession openSession(const User& user, const ClientInfo& client);
    std::string signAccessToken(const User& user, const std::string& sessionId, std::int64_t nowMs) const;
    IssuedSession replayRotation(const SessionRecord& session);
    void releaseImages(const std::vector<std::string>& references);

    Store& store_;
    MediaStore& media_;
    PasswordHasher& hasher_;
    TokenSigner& tokens_;
    const Sealer& sealer_;
    AccountSettings settings_;
};

} // namespace usersvc
