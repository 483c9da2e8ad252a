#include "services/account_service.hpp"

#include "domain/clock.hpp"
#include "domain/error.hpp"
#include "domain/ids.hpp"
#include "domain/validation.hpp"
#include "media/media_store.hpp"
#include "security/crypto.hpp"
#include "security/password.hpp"
#include "services/history_service.hpp"
#include "services/store_writes.hpp"
#include "storage/store.hpp"

namespace usersvc {

std::string accountKeyOf(const User& user) {
    return "u:" + user.id;
}

AccountService::AccountService(Store& store, MediaStore& media, PasswordHasher& hasher, AccountSettings settings)
    : store_(store), media_(media), hasher_(hasher), settings_(settings) {}

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

int AccountService::sweepUnreferencedMedia() {
    int removed = 0;
    for (const auto& shard : media_.publishedByShard())
        removed += releaseUnreferenced(store_, media_, shard);
    return removed;
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

void AccountService::changePassword(const AuthContext& auth, const std::string& oldPassword,
    const std::string& newPassword, const BeforePasswordCheck& beforeCheck) {
    std::vector<FieldError> errors;
    if (oldPassword.empty()) errors.push_back({"oldPassword", "Old password is required"});
    checkPassword(newPassword, settings_.minPasswordLength, errors, "newPassword");
    throwIfInvalid(errors);
    auto user = store_.findUserById(auth.user.id);
    if (!user) throw Error(Code::Unauthenticated, "Session expired or logged out");
    if (beforeCheck) beforeCheck(accountKeyOf(*user));
    std::string newHash;
    {
        // One turn for the check and the new hash: the change queues for a slot once.
        auto turn = hasher_.takeTurn();
        // 400, not 401: a front end's 401 handler would log the user out for a typo.
        if (!turn.verify(oldPassword, user->passwordHash))
            throw WrongPassword(
                Code::Invalid, "Old password is incorrect", {{"oldPassword", "Old password is incorrect"}});
        newHash = turn.hash(newPassword);
    }
    if (!store_.setPasswordHash(user->id, newHash, nowMs(), auth.sessionId))
        throw Error(Code::Unauthenticated, "Session expired or logged out");
}

int AccountService::setPassword(std::string_view userRef, const std::string& newPassword) {
    std::vector<FieldError> errors;
    checkPassword(newPassword, settings_.minPasswordLength, errors);
    throwIfInvalid(errors);
    auto user = findUser(userRef);
    auto revoked = store_.setPasswordHash(user.id, hasher_.hash(newPassword), nowMs(), "");
    if (!revoked) throw Error(Code::NotFound, "No such user: " + std::string(userRef));
    return *revoked;
}

User AccountService::updateProfile(const std::string& userId, const ProfileInput& input) {
    if (!input.username && !input.email && !input.fullName)
        throw Error(
            Code::Invalid, "Give at least one of username, email, fullName", {{"username", "Nothing to update"}});
    std::vector<FieldError> errors;
    ProfileChange change;
    if (input.username) change.username = checkUsername(*input.username, errors);
    if (input.email) change.email = checkEmail(*input.email, errors);
    if (input.fullName) change.fullName = checkFullName(*input.fullName, errors);
    throwIfInvalid(errors);
    std::optional<UserRecord> updated;
    try {
        updated = store_.updateProfile(userId, change, nowMs());
    } catch (const UniqueConflict& e) {
        throw takenError(e.fields);
    }
    if (!updated) throw Error(Code::NotFound, "No such user");
    return *updated;
}

User AccountService::updateImage(const std::string& userId, ImageSlot slot, std::unique_ptr<StagedImage> image) {
    const char* field = slot == ImageSlot::Avatar ? "Avatar" : "CoverImg";
    if (!image) throw Error(Code::Invalid, std::string(field) + " file is required", {{field, "File is required"}});
    // Point the slot at the new image, publish it, commit; else unpublish under
    // the lock. The transaction ends (its connection goes back) before the old
    // image is released in a transaction of its own.
    std::optional<std::string> previous;
    {
        auto tx = store_.beginWrite();
        previous = tx->setImage(userId, slot, image->reference(), nowMs());
        if (!previous) throw Error(Code::NotFound, "No such user");
        PublishedImages published{*tx, {image.get()}};
        tx->commit();
        published.keep();
    }
    if (*previous != image->reference()) releaseImages({*previous});
    auto user = store_.findUserById(userId);
    if (!user) throw Error(Code::NotFound, "No such user");
    return *user;
}

UserRecord AccountService::deleteUser(std::string_view userRef) {
    auto user = findUser(userRef);
    auto removed = store_.deleteUser(user.id);
    if (!removed) throw Error(Code::NotFound, "No such user: " + std::string(userRef));
    releaseImages({removed->avatar, removed->coverImage});
    return *removed;
}

void AccountService::releaseImages(const std::vector<std::string>& references) {
    releaseUnreferenced(store_, media_, references);
}

UserOverview AccountService::overview(std::string_view userRef, OverviewDetail detail) {
    UserOverview view;
    view.user = findUser(userRef);
    const auto now = nowMs();
    view.counts = store_.countsFor(view.user.id, now);
    if (detail == OverviewDetail::Counts) return view;
    view.sessions = store_.listOpenSessions(view.user.id, now);
    view.subscribers = store_.listSubscribers(view.user.id, 0, kOverviewListLength);
    view.subscriptions = store_.listSubscriptions(view.user.id, 0, kOverviewListLength);
    view.history = store_.listHistory(view.user.id, kHistoryKeep);
    return view;
}

} // namespace usersvc
