#pragma once
// Uploads on their way in and published images on their way out. An upload
// streams into a temp file under <dataDir>/media (hashed and size-checked on
// the way), is recognised by its first bytes, fsynced, and published as
// <2 hex>/<sha256>.<ext> into the ImageStorage the store came with
// (media/image_storage.hpp: files, or the database). The client's file name
// never becomes part of a path.
#include "media/image_storage.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace usersvc {

class Sha256Stream;

// One upload on its way into the media directory. Deleted on destruction unless
// published (and then only the temp file; the published file stays).
class StagedImage {
public:
    // The temp file goes in `tempDir`; publish() hands it to `images`.
    StagedImage(const std::filesystem::path& tempDir, std::string field, std::size_t maxBytes, ImageStorage& images);
    ~StagedImage();
    StagedImage(const StagedImage&) = delete;
    StagedImage& operator=(const StagedImage&) = delete;

    // Throws Error{TooLarge} past maxBytes.
    void append(const char* data, std::size_t n);
    // Checks type and emptiness, fsyncs. Throws Error{UnsupportedMedia} or {Invalid}.
    void finish();

    const std::string& field() const { return field_; }
    // "3f/3f9a...c1.png"; valid after finish().
    const std::string& reference() const { return reference_; }
    std::size_t size() const { return size_; }

    // Publishes it as part of `tx`. Call inside the write transaction that
    // makes a user refer to it.
    void publish(WriteTransaction& tx);
    // After `tx` rolled back: takes back the image if publish() stored it
    // (nobody else can refer to it then).
    void unpublish();

private:
    ImageStorage& images_;
    std::string field_;
    std::size_t maxBytes_;
    std::filesystem::path tempPath_;
    int fd_ = -1;
    std::size_t size_ = 0;
    std::string head_;
    std::unique_ptr<Sha256Stream> hash_;
    std::string reference_;
    bool finished_ = false;
    bool createdFinal_ = false;
};

class MediaStore {
public:
    // Temp files go in `mediaDir`; published images in `images`, by default
    // files in `mediaDir` too.
    MediaStore(std::filesystem::path mediaDir, std::size_t maxBytes, std::unique_ptr<ImageStorage> images = nullptr);

    std::unique_ptr<StagedImage> stage(std::string field) const;
    // With its own size limit (a restore: --max-upload may have been lowered).
    std::unique_ptr<StagedImage> stage(std::string field, std::size_t maxBytes) const;
    // Stages a local file (the CLI's --avatar/--cover). Throws Error{Invalid} when unreadable.
    std::unique_ptr<StagedImage> stageFile(std::string field, const std::filesystem::path& source) const;

    // The file behind a reference of the exact published shape, if it exists
    // and images are files (backup and restore).
    std::optional<std::filesystem::path> resolve(std::string_view reference) const;
    // True when an image of the exact published shape is stored.
    bool exists(std::string_view reference) const;
    static std::optional<ImageKind> kindOfReference(std::string_view reference) {
        return usersvc::kindOfReference(reference);
    }
    // The published image behind a reference of the exact shape, opened; null if none.
    std::shared_ptr<const StoredImage> open(std::string_view reference) const;

    // Deletes a published image as part of `tx`, once no user references it.
    // References of another shape are ignored.
    void remove(std::string_view reference, WriteTransaction& tx) const;

    // Removes temp files whose writing process no longer runs (a crash): the
    // ones no live StagedImage holds locked.
    int removeOrphanedTemps() const;

    // The published images, one list per shard ("3f/3f9a...c1.png").
    std::vector<std::vector<std::string>> publishedByShard() const;

    std::size_t maxBytes() const { return maxBytes_; }
    const std::filesystem::path& dir() const { return dir_; }

private:
    std::filesystem::path dir_;
    std::size_t maxBytes_;
    std::unique_ptr<ImageStorage> images_;
};

} // namespace usersvc
