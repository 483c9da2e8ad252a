#pragma once
// Where published images live: one interface, two homes, chosen once where
// the store is opened (services/core.cpp), as PocketBase's filesystem picks
// local or S3:
// - ImageFiles (media/image_files.cpp): files under <dataDir>/media, beside an
//   SQLite store on the same disk;
// - PgImageRows (storage/pg_images.hpp): rows of the PostgreSQL database, so
//   instances that share no disk serve what another stored.
// Images are content-addressed ("<2 hex>/<sha256>.<ext>") and immutable;
// MediaStore checks a reference's shape before it reaches an ImageStorage.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace usersvc {

class WriteTransaction;

enum class ImageKind { Png, Jpeg, Gif, Webp };

// Recognises PNG, JPEG, GIF and WebP by magic bytes; needs the first 12 bytes.
std::optional<ImageKind> sniffImage(std::string_view head);
const char* extensionOf(ImageKind kind);
const char* contentTypeOf(ImageKind kind);
// The kind a reference of the exact published shape names
// ("<2 hex>/<64 hex>.<ext>", the shard equal to the digest's start); nothing
// for any other string.
std::optional<ImageKind> kindOfReference(std::string_view reference);

// A published image opened for serving. Reads go through its descriptor (or
// the content read from the database), so it stays whole while it is streamed
// even if it is removed meanwhile.
class StoredImage {
public:
    StoredImage(int fd, ImageKind kind, std::uint64_t size, std::string digest);
    StoredImage(std::string content, ImageKind kind, std::string digest);
    ~StoredImage();
    StoredImage(const StoredImage&) = delete;
    StoredImage& operator=(const StoredImage&) = delete;

    ImageKind kind() const { return kind_; }
    std::uint64_t size() const { return size_; }
    // The SHA-256 of the content, which names it: a strong validator (ETag).
    const std::string& digest() const { return digest_; }
    // Up to `n` bytes at `offset`; 0 at the end or on a read error.
    std::size_t readAt(std::uint64_t offset, char* buffer, std::size_t n) const;

private:
    int fd_ = -1;
    std::string content_; // when fd_ < 0
    ImageKind kind_;
    std::uint64_t size_;
    std::string digest_;
};

class ImageStorage {
public:
    virtual ~ImageStorage() = default;

    // Publishes a finished upload (`tempFile`, `size` bytes, fsynced) under
    // `reference` as part of `tx`, and consumes the temp file. True when this
    // call stored the content: the same bytes may be stored already, and then
    // they stay whoever stored them.
    virtual bool publish(const std::filesystem::path& tempFile, std::size_t size, const std::string& reference,
        WriteTransaction& tx) = 0;
    // Takes back what publish() stored, after `tx` rolled back.
    virtual void unpublish(const std::string& reference) = 0;
    // Deletes a published image as part of `tx`, once no user references it.
    virtual void remove(const std::string& reference, WriteTransaction& tx) = 0;

    virtual bool exists(const std::string& reference) = 0;
    // The image opened for serving, or null when there is none.
    virtual std::shared_ptr<const StoredImage> open(const std::string& reference, ImageKind kind) = 0;
    // Every published image's reference, one list per shard (for the sweep of
    // images nobody references).
    virtual std::vector<std::vector<std::string>> publishedByShard() = 0;
    // The file behind a reference when images are files (backup and restore
    // copy them); nothing when they live in the database.
    virtual std::optional<std::filesystem::path> fileOf(const std::string& reference) = 0;
};

// The file home: <mediaDir>/<2 hex>/<sha256>.<ext>, published by rename (so a
// reader sees all of an image or none of it) and fsynced with its directory.
class ImageFiles final : public ImageStorage {
public:
    explicit ImageFiles(std::filesystem::path mediaDir) : dir_(std::move(mediaDir)) {}

    bool publish(const std::filesystem::path& tempFile, std::size_t size, const std::string& reference,
        WriteTransaction& tx) override;
    void unpublish(const std::string& reference) override;
    void remove(const std::string& reference, WriteTransaction& tx) override;
    bool exists(const std::string& reference) override;
    std::shared_ptr<const StoredImage> open(const std::string& reference, ImageKind kind) override;
    std::vector<std::vector<std::string>> publishedByShard() override;
    std::optional<std::filesystem::path> fileOf(const std::string& reference) override;

private:
    std::filesystem::path dir_;
};

// The content of a reference: its 64 hex digits.
inline std::string digestOf(std::string_view reference) {
    return std::string(reference.substr(3, 64));
}

} // namespace usersvc
