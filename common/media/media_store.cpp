#include "media/media_store.hpp"

#include "domain/error.hpp"
#include "security/crypto.hpp"
#include "storage/store.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace usersvc {

namespace fs = std::filesystem;

namespace {
constexpr std::size_t kSniffBytes = 12;
constexpr const char* kTempPrefix = ".upload-";

void fsyncDirectory(const fs::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

[[noreturn]] void ioFailure(const std::string& what) {
    throw Error(Code::Internal, what + ": " + std::strerror(errno));
}
} // namespace

std::optional<ImageKind> sniffImage(std::string_view h) {
    auto starts = [&](std::string_view magic, std::size_t at = 0) {
        return h.size() >= at + magic.size() && h.substr(at, magic.size()) == magic;
    };
    if (starts("\x89PNG\r\n\x1a\n")) return ImageKind::Png;
    if (starts("\xFF\xD8\xFF")) return ImageKind::Jpeg;
    if (starts("GIF87a") || starts("GIF89a")) return ImageKind::Gif;
    if (starts("RIFF") && starts("WEBP", 8)) return ImageKind::Webp;
    return std::nullopt;
}

const char* extensionOf(ImageKind kind) {
    switch (kind) {
    case ImageKind::Png: return "png";
    case ImageKind::Jpeg: return "jpg";
    case ImageKind::Gif: return "gif";
    case ImageKind::Webp: return "webp";
    }
    return "bin";
}

const char* contentTypeOf(ImageKind kind) {
    switch (kind) {
    case ImageKind::Png: return "image/png";
    case ImageKind::Jpeg: return "image/jpeg";
    case ImageKind::Gif: return "image/gif";
    case ImageKind::Webp: return "image/webp";
    }
    return "application/octet-stream";
}

StagedImage::StagedImage(const fs::path& mediaDir, std::string field, std::size_t maxBytes, bool intoStore)
    : mediaDir_(mediaDir), field_(std::move(field)), maxBytes_(maxBytes), hash_(std::make_unique<Sha256Stream>()),
      intoStore_(intoStore) {
    // The temp file stays locked while this object lives; the kernel drops the
    // lock when the process dies, however it dies, so an unlocked temp file is a
    // crash's leftover (removeOrphanedTemps). A sweeper that locked the new file
    // before this did has unlinked it by the time the lock is ours: then again.
    for (int attempt = 0;; ++attempt) {
        std::string pattern =
            (mediaDir_ / (std::string(kTempPrefix) + std::to_string(::getpid()) + "-XXXXXX")).string();
        fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);
        if (fd_ < 0) ioFailure("cannot create a temporary file in " + mediaDir_.string());
        struct stat st {};
        if (::flock(fd_, LOCK_EX) == 0 && ::fstat(fd_, &st) == 0 && st.st_nlink > 0) {
            ::fchmod(fd_, 0600);
            tempPath_ = pattern;
            return;
        }
        ::close(fd_);
        fd_ = -1;
        if (attempt == 3) ioFailure("cannot lock a temporary file in " + mediaDir_.string());
    }
}

StagedImage::~StagedImage() {
    if (fd_ >= 0) ::close(fd_);
    if (!tempPath_.empty()) ::unlink(tempPath_.c_str());
}

void StagedImage::append(const char* data, std::size_t n) {
    if (size_ + n > maxBytes_)
        throw Error(Code::TooLarge, "File too large",
            {{field_, "File must be at most " + std::to_string(maxBytes_) + " bytes"}});
    if (head_.size() < kSniffBytes) head_.append(data, std::min(n, kSniffBytes - head_.size()));
    hash_->update(data, n);
    size_ += n;
    while (n > 0) {
        ssize_t written = ::write(fd_, data, n);
        if (written < 0) {
            if (errno == EINTR) continue;
            ioFailure("cannot write an upload");
        }
        data += written;
        n -= static_cast<std::size_t>(written);
    }
}

void StagedImage::finish() {
    if (finished_) return;
    if (size_ == 0) throw Error(Code::Invalid, "Empty file", {{field_, "File is empty"}});
    auto kind = sniffImage(head_);
    if (!kind)
        throw Error(Code::UnsupportedMedia, "Unsupported image type",
            {{field_, "File must be a PNG, JPEG, GIF or WebP image"}});
    if (::fsync(fd_) != 0) ioFailure("cannot flush an upload");
    ::close(fd_);
    fd_ = -1;
    std::string digest = hash_->finishHex();
    reference_ = digest.substr(0, 2) + "/" + digest + "." + extensionOf(*kind);
    finished_ = true;
}

void StagedImage::publish(WriteTransaction& tx) {
    if (!finished_) finish();
    if (tempPath_.empty()) return; // already published
    if (intoStore_) {
        std::ifstream in(tempPath_, std::ios::binary);
        std::string content(size_, '\0');
        if (!in.read(content.data(), static_cast<std::streamsize>(size_))) ioFailure("cannot read an upload back");
        tx.putImage(reference_, content);
        ::unlink(tempPath_.c_str());
        tempPath_.clear();
        return;
    }
    fs::path target = mediaDir_ / reference_;
    fs::path shard = target.parent_path();
    if (::mkdir(shard.c_str(), 0700) != 0 && errno != EEXIST) ioFailure("cannot create " + shard.string());
    struct stat st {};
    if (::stat(target.c_str(), &st) == 0) {
        // Same content already stored by someone else: keep theirs.
        ::unlink(tempPath_.c_str());
    } else {
        if (::rename(tempPath_.c_str(), target.c_str()) != 0) ioFailure("cannot store an upload");
        createdFinal_ = true;
        fsyncDirectory(shard);
    }
    tempPath_.clear();
}

void StagedImage::unpublish() {
    if (!createdFinal_) return;
    ::unlink((mediaDir_ / reference_).c_str());
    createdFinal_ = false;
}

MediaStore::MediaStore(fs::path mediaDir, std::size_t maxBytes, Store* store)
    : dir_(std::move(mediaDir)), maxBytes_(maxBytes), store_(store && store->keepsImages() ? store : nullptr) {
    if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) ioFailure("cannot create " + dir_.string());
}

std::unique_ptr<StagedImage> MediaStore::stage(std::string field) const {
    return std::make_unique<StagedImage>(dir_, std::move(field), maxBytes_, inStore());
}

std::unique_ptr<StagedImage> MediaStore::stageFile(std::string field, const fs::path& source) const {
    std::ifstream in(source, std::ios::binary);
    if (!in || fs::is_directory(source))
        throw Error(Code::Invalid, "Cannot read " + source.string(), {{field, "Cannot read " + source.string()}});
    auto staged = stage(field);
    char buffer[64 * 1024];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
        staged->append(buffer, static_cast<std::size_t>(in.gcount()));
    staged->finish();
    return staged;
}

std::optional<ImageKind> MediaStore::kindOfReference(std::string_view ref) {
    // Exactly "<2 hex>/<64 hex>.<ext>" with the shard equal to the digest's start.
    auto isHex = [](std::string_view s) {
        for (char c : s)
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        return true;
    };
    if (ref.size() < 2 + 1 + 64 + 4 || ref[2] != '/' || ref[67] != '.') return std::nullopt;
    std::string_view shard = ref.substr(0, 2), digest = ref.substr(3, 64), ext = ref.substr(68);
    if (!isHex(shard) || !isHex(digest) || digest.substr(0, 2) != shard) return std::nullopt;
    for (auto kind : {ImageKind::Png, ImageKind::Jpeg, ImageKind::Gif, ImageKind::Webp})
        if (ext == extensionOf(kind)) return kind;
    return std::nullopt;
}

std::optional<fs::path> MediaStore::resolve(std::string_view reference) const {
    if (!kindOfReference(reference)) return std::nullopt;
    fs::path file = dir_ / std::string(reference);
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return file;
}

StoredImage::StoredImage(int fd, ImageKind kind, std::uint64_t size, std::string digest)
    : fd_(fd), kind_(kind), size_(size), digest_(std::move(digest)) {}

StoredImage::StoredImage(std::string content, ImageKind kind, std::string digest)
    : content_(std::move(content)), kind_(kind), size_(content_.size()), digest_(std::move(digest)) {}

StoredImage::~StoredImage() {
    if (fd_ >= 0) ::close(fd_);
}

std::size_t StoredImage::readAt(std::uint64_t offset, char* buffer, std::size_t n) const {
    if (fd_ < 0) {
        if (offset >= content_.size()) return 0;
        std::size_t count = std::min<std::size_t>(n, content_.size() - static_cast<std::size_t>(offset));
        std::memcpy(buffer, content_.data() + offset, count);
        return count;
    }
    for (;;) {
        ssize_t got = ::pread(fd_, buffer, n, static_cast<off_t>(offset));
        if (got >= 0) return static_cast<std::size_t>(got);
        if (errno != EINTR) return 0;
    }
}

bool MediaStore::exists(std::string_view reference) const {
    if (!inStore()) return resolve(reference).has_value();
    return kindOfReference(reference) && store_->readImage(std::string(reference)).has_value();
}

std::shared_ptr<const StoredImage> MediaStore::open(std::string_view reference) const {
    auto kind = kindOfReference(reference);
    if (!kind) return nullptr;
    std::string digest(reference.substr(3, 64));
    if (inStore()) {
        std::string key(reference);
        {
            std::lock_guard lock(inFlightMutex_);
            if (auto shared = inFlight_[key].lock()) return shared;
        }
        auto content = store_->readImage(key);
        if (!content) return nullptr;
        auto image = std::make_shared<const StoredImage>(std::move(*content), *kind, std::move(digest));
        std::lock_guard lock(inFlightMutex_);
        if (inFlight_.size() > 1024) std::erase_if(inFlight_, [](const auto& entry) { return entry.second.expired(); });
        inFlight_[key] = image;
        return image;
    }
    fs::path file = dir_ / std::string(reference);
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return nullptr;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return nullptr;
    }
    return std::make_shared<const StoredImage>(fd, *kind, static_cast<std::uint64_t>(st.st_size), std::move(digest));
}

void MediaStore::remove(std::string_view reference, WriteTransaction& tx) const {
    if (!kindOfReference(reference)) return;
    if (inStore())
        tx.deleteImage(std::string(reference));
    else
        ::unlink((dir_ / std::string(reference)).c_str());
}

std::vector<std::vector<std::string>> MediaStore::publishedByShard() const {
    std::vector<std::vector<std::string>> shards;
    if (inStore()) {
        for (auto& reference : store_->imageReferences()) {
            if (shards.empty() || shards.back().front().compare(0, 2, reference, 0, 2) != 0) shards.emplace_back();
            shards.back().push_back(std::move(reference));
        }
        return shards;
    }
    std::error_code ec;
    for (const auto& shard : fs::directory_iterator(dir_, ec)) {
        if (!shard.is_directory(ec) || shard.is_symlink(ec)) continue;
        std::vector<std::string> references;
        for (const auto& file : fs::directory_iterator(shard.path(), ec)) {
            std::string reference = shard.path().filename().string() + "/" + file.path().filename().string();
            if (kindOfReference(reference)) references.push_back(std::move(reference));
        }
        if (!references.empty()) shards.push_back(std::move(references));
    }
    return shards;
}

int MediaStore::removeOrphanedTemps() const {
    int removed = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
        std::string name = entry.path().filename().string();
        if (name.rfind(kTempPrefix, 0) != 0) continue;
        // A writer holds its temp file locked for as long as it lives. Whether its
        // pid is reused, is this process (PID 1 in a restarted container) or a
        // zombie does not matter: only the lock does.
        int fd = ::open(entry.path().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) continue;
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::unlink(entry.path().c_str()) == 0) ++removed;
        ::close(fd);
    }
    return removed;
}

} // namespace usersvc
