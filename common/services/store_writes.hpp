#pragma once
// What several use cases do around a store write, written once: the wording of
// a unique conflict, and media files published or released inside a write
// transaction (the store's write lock), so that deciding whether a file is
// still needed never races another writer.
#include "domain/error.hpp"
#include "domain/user.hpp"

#include <initializer_list>
#include <string>
#include <vector>

namespace usersvc {

class MediaStore;
class StagedImage;
class Store;
class WriteTransaction;

// The 409 for unique fields ("_id", "username", "email") another user holds.
Error takenError(const std::vector<std::string>& fields);

// One import record's reason: "username john_doe already exists; ...".
std::string takenReason(const std::vector<std::string>& fields, const UserRecord& record);

// Moves finished staged images into place; on destruction, unless kept, removes
// the files it created. Create it after the row is written and before commit,
// inside the transaction, and declare it after the transaction so that it
// unpublishes while the write lock is still held.
class PublishedImages {
public:
    PublishedImages(WriteTransaction& tx, std::initializer_list<StagedImage*> images);
    ~PublishedImages();
    PublishedImages(const PublishedImages&) = delete;
    PublishedImages& operator=(const PublishedImages&) = delete;
    // The transaction committed: the files stay.
    void keep() { kept_ = true; }

private:
    void unpublishAll();
    std::vector<StagedImage*> published_;
    bool kept_ = false;
};

// Deletes each published image no user references any more, in one write
// transaction; returns how many. "" and absolute URLs are skipped.
int releaseUnreferenced(Store& store, const MediaStore& media, const std::vector<std::string>& references);

} // namespace usersvc
