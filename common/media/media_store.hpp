#pragma once
// Content-addressed image files under <dataDir>/media: an upload streams into a
// temp file (hashed and size-checked on the way), is recognised by its first
// bytes, fsynced, and renamed to media/<2 hex>/<sha256>.<ext>. The client's file
// name never becomes part of a path.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace usersvc {

class Sha256Stream;

enum class ImageKind { Png, Jpeg, Gif, Webp };

// Recognises PNG, JPEG, GIF and WebP by magic bytes; needs the first 12 bytes.
std::optional<ImageKind> sniffImage(std::string_view head);
const char* extensionOf(ImageKind kind);
const char* contentTypeOf(ImageKind kind);

// One upload on its way into the media directory. Deleted on destruction unless
// published (and then only the temp file; the published file stays).
class StagedImage {
public:
    StagedImage(const std::filesystem::path& mediaDir, std::string field, std::size_t maxBytes);
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

    // Moves the file into place. Call with the store's write lock held.
    void publish();
    // Removes the published file if publish() created it (nobody else can refer to it).
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
};

// A published image opened for serving. Reads go through its descriptor, so it
// stays whole while it is streamed even if its name is removed meanwhile.
class StoredImage {
public:
    StoredImage(int fd, ImageKind kind, std::uint64_t size, std::string digest);
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
    int fd_;
    ImageKind kind_;
    std::uint64_t size_;
    std::string digest_;
};

class MediaStore {
public:
    MediaStore(std::filesystem::path mediaDir, std::size_t maxBytes);

    std::unique_ptr<StagedImage> stage(std::string field) const;
    // Stages a local file (the CLI's --avatar/--cover). Throws Error{Invalid} when unreadable.
    std::unique_ptr<StagedImage> stageFile(std::string field, const std::filesystem::path& source) const;

    // The file behind a reference of the exact published shape, if it exists.
    std::optional<std::filesystem::path> resolve(std::string_view reference) const;
    static std::optional<ImageKind> kindOfReference(std::string_view reference);
    // The published image behind a reference of the exact shape, opened; null if none.
    std::shared_ptr<const StoredImage> open(std::string_view reference) const;

    // Deletes a published file (call under the store's write lock, once no user
    // references it). References of another shape are ignored.
    void remove(std::string_view reference) const;

    // Removes temp files whose writing process no longer runs (a crash): the
    // ones no live StagedImage holds locked.
    int removeOrphanedTemps() const;

    // The published files, one list per shard directory ("3f/3f9a...c1.png").
    std::vector<std::vector<std::string>> publishedByShard() const;

    std::size_t maxBytes() const { return maxBytes_; }
    const std::filesystem::path& dir() const { return dir_; }

private:
    std::filesystem::path dir_;
    std::size_t maxBytes_;
};

} // namespace usersvc
