#include "services/store_writes.hpp"

#include "media/media_store.hpp"
#include "storage/store.hpp"

namespace usersvc {

namespace {
std::string messageFor(const std::string& field) {
    if (field == "username") return "Username is already taken";
    if (field == "email") return "Email is already registered";
    return "This _id is already taken";
}

std::string valueOf(const std::string& field, const UserRecord& r) {
    if (field == "username") return r.username;
    if (field == "email") return r.email;
    return r.id;
}
} // namespace

Error takenError(const std::vector<std::string>& fields) {
    std::vector<FieldError> errors;
    for (const auto& field : fields)
        errors.push_back({field, messageFor(field)});
    return Error(Code::Conflict, "User with this username or email already exists", errors);
}

std::string takenReason(const std::vector<std::string>& fields, const UserRecord& record) {
    std::string why;
    for (const auto& field : fields)
        why += (why.empty() ? "" : "; ") + field + " " + valueOf(field, record) + " already exists";
    return why;
}

PublishedImages::PublishedImages(WriteTransaction& tx, std::initializer_list<StagedImage*> images) {
    try {
        for (auto* image : images) {
            if (!image) continue;
            // Recorded first: unpublish undoes only what publish created, so it
            // is safe after a publish that failed half-way.
            published_.push_back(image);
            image->publish(tx);
        }
    } catch (...) {
        // A constructor that throws runs no destructor: undo here.
        unpublishAll();
        throw;
    }
}

PublishedImages::~PublishedImages() {
    if (!kept_) unpublishAll();
}

void PublishedImages::unpublishAll() {
    for (auto* image : published_) {
        try {
            image->unpublish();
        } catch (...) {
            // unpublish only unlinks; a destructor must not throw whatever happens.
        }
    }
}

int releaseUnreferenced(Store& store, const MediaStore& media, const std::vector<std::string>& references) {
    int removed = 0;
    auto tx = store.beginWrite();
    for (const auto& ref : references)
        if (MediaStore::kindOfReference(ref) && !tx->isMediaReferenced(ref)) {
            media.remove(ref, *tx);
            ++removed;
        }
    tx->commit();
    return removed;
}

} // namespace usersvc
