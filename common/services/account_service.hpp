#pragma once
// The account use cases: a user's registration, profile, images, password and
// removal, and finding users. POST /register and `usersvc register` both call
// registerUser; they differ only in how input arrives and output leaves.
// Sessions (login, tokens, logout) are SessionService's (session_service.hpp).
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
    AccountService(Store& store, MediaStore& media, PasswordHasher& hasher, AccountSettings settings);

    // Validates, hashes the password, stores the user and publishes the images in
    // one transaction. Throws Error{Invalid|Conflict}; on failure nothing is left behind.
    User registerUser(RegistrationInput& input);

    // Deletes image files no user refers to (an image replaced just before a
    // kill -9 was never released); returns how many. One write transaction per
    // shard directory, so a registration publishing meanwhile is never raced.
    int sweepUnreferencedMedia();

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

    // What an operator sees of a user (the console's user page, `usersvc
    // show-user`). Throws Error{NotFound}.
    UserOverview overview(std::string_view userRef, OverviewDetail detail);

    // A user by username, email or _id. Throws Error{NotFound}.
    UserRecord findUser(std::string_view userRef);

    // Streams users in _id order, each with its open sessions and subscribers.
    void listUsers(const UserQuery& query, const std::function<bool(const UserListing&)>& each);

    const AccountSettings& settings() const { return settings_; }

private:
    void releaseImages(const std::vector<std::string>& references);

    Store& store_;
    MediaStore& media_;
    PasswordHasher& hasher_;
    AccountSettings settings_;
};

} // namespace usersvc
