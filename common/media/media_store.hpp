#pragma once
// Content-addressed images: an upload streams into a temp file under
// <dataDir>/media (hashed and size-checked on the way), is recognised by its
// first bytes, fsynced, and published as <2 hex>/<sha256>.<ext>: renamed to
// media/<reference> on SQLite, or stored in the database by a store that keeps
// images (PostgreSQL: instances share no disk). The client's file name never
// becomes part of a path.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace usersvc {

class Sha256Stream;
class Store;
class WriteTransaction;

enum class ImageKind { Png, Jpeg, Gif, Webp };

// Recognises PNG, JPEG, GIF and WebP by magic bytes; needs the first 12 bytes.
std::optional<ImageKind> sniffImage(std::string_view head);
const char* extensionOf(ImageKind kind);
const char* contentTypeOf(ImageKind kind);

// One upload on its way into the media directory. Deleted on destruction unless
// published (and then only the temp file; the published file stays).
class StagedImage {
public:
    // `intoStore`: publish into the store (Store::keepsImages) instead of a file.
    StagedImage(const std::filesystem::path& mediaDir, std::string field, std::size_t maxBytes, bool intoStore = false);
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

    // Moves the file into place, or into the store as part of `tx`. Call
    // inside the write transaction that makes a user refer to it.
    void publish(WriteTransaction& tx);
    // Removes the published file if publish() created it (nobody else can refer
    // to it). An image published into the store goes with the rollback instead.
    void unpublish();

private:
    std::filesystem::path mediaDir_;
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
    bool intoStore_ = false;
};

// A published image opened for serving. Reads go through its descriptor (or
// the content read from the store), so it stays whole while it is streamed
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

class MediaStore {
public:
    // `store`: when it keeps images (Store::keepsImages), they are published
    // into it and served from it; the directory then holds temp files only.
    MediaStore(std::filesystem::path mediaDir, std::size_t maxBytes, Store* store = nullptr);

    std::unique_ptr<StagedImage> stage(std::string field) const;
    // Stages a local file (the CLI's --avatar/--cover). Throws Error{Invalid} when unreadable.
    std::unique_ptr<StagedImage> stageFile(std::string field, const std::filesystem::path& source) const;

    // The file behind a reference of the exact published shape, if it exists
    // (images kept as files only: backup and restore).
    std::optional<std::filesystem::path> resolve(std::string_view reference) const;
    // True when an image of the exact published shape is stored.
    bool exists(std::string_view reference) const;
    static std::optional<ImageKind> kindOfReference(std::string_view reference);
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
    // True when images are kept in the store rather than in dir().
    bool inStore() const { return store_ != nullptr; }

    std::size_t maxBytes() const { return maxBytes_; }
    const std::filesystem::path& dir() const { return dir_; }

private:
    std::filesystem::path dir_;
    std::size_t maxBytes_;
    Store* store_ = nullptr; // set when the store keeps the images
    // Images read from the store that some download still holds: concurrent
    // downloads of one image share one copy (slow clients cannot each hold
    // their own), and it is read from the database once.
    mutable std::mutex inFlightMutex_;
    mutable std::unordered_map<std::string, std::weak_ptr<const StoredImage>> inFlight_;
};

} // namespace usersvc
