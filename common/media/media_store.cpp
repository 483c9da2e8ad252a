#include "media/media_store.hpp"

#include "domain/error.hpp"
#include "media/media_internal.hpp"
#include "security/crypto.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace usersvc {

namespace fs = std::filesystem;

namespace {
constexpr std::size_t kSniffBytes = 12;
constexpr const char* kTempPrefix = ".upload-";
} // namespace

using media_detail::ioFailure;

StagedImage::StagedImage(const fs::path& tempDir, std::string field, std::size_t maxBytes, ImageStorage& images)
    : images_(images), field_(std::move(field)), maxBytes_(maxBytes), hash_(std::make_unique<Sha256Stream>()) {
    // The temp file stays locked while this object lives; the kernel drops the
    // lock when the process dies, however it dies, so an unlocked temp file is a
    // crash's leftover (removeOrphanedTemps). A sweeper that locked the new file
    // before this did has unlinked it by the time the lock is ours: then again.
    for (int attempt = 0;; ++attempt) {
        std::string pattern = (tempDir / (std::string(kTempPrefix) + std::to_string(::getpid()) + "-XXXXXX")).string();
        fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);
        if (fd_ < 0) ioFailure("cannot create a temporary file in " + tempDir.string());
        struct stat st {};
        if (::flock(fd_, LOCK_EX) == 0 && ::fstat(fd_, &st) == 0 && st.st_nlink > 0) {
            ::fchmod(fd_, 0600);
            tempPath_ = pattern;
            return;
        }
        ::close(fd_);
        fd_ = -1;
        if (attempt == 3) ioFailure("cannot lock a temporary file in " + tempDir.string());
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
    createdFinal_ = images_.publish(tempPath_, size_, reference_, tx);
    tempPath_.clear(); // consumed
}

void StagedImage::unpublish() {
    if (!createdFinal_) return;
    images_.unpublish(reference_);
    createdFinal_ = false;
}

MediaStore::MediaStore(fs::path mediaDir, std::size_t maxBytes, std::unique_ptr<ImageStorage> images)
    : dir_(std::move(mediaDir)), maxBytes_(maxBytes),
      images_(images ? std::move(images) : std::make_unique<ImageFiles>(dir_)) {
    if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) ioFailure("cannot create " + dir_.string());
}

std::unique_ptr<StagedImage> MediaStore::stage(std::string field) const {
    return stage(std::move(field), maxBytes_);
}

std::unique_ptr<StagedImage> MediaStore::stage(std::string field, std::size_t maxBytes) const {
    return std::make_unique<StagedImage>(dir_, std::move(field), maxBytes, *images_);
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

std::optional<fs::path> MediaStore::resolve(std::string_view reference) const {
    if (!kindOfReference(reference)) return std::nullopt;
    return images_->fileOf(std::string(reference));
}

bool MediaStore::exists(std::string_view reference) const {
    return kindOfReference(reference) && images_->exists(std::string(reference));
}

std::shared_ptr<const StoredImage> MediaStore::open(std::string_view reference) const {
    auto kind = kindOfReference(reference);
    return kind ? images_->open(std::string(reference), *kind) : nullptr;
}

void MediaStore::remove(std::string_view reference, WriteTransaction& tx) const {
    if (kindOfReference(reference)) images_->remove(std::string(reference), tx);
}

std::vector<std::vector<std::string>> MediaStore::publishedByShard() const {
    return images_->publishedByShard();
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
