// ImageFiles: published images as files under <dataDir>/media (SQLite's home
// for them; the store holds only their references).
#include "media/image_storage.hpp"
#include "media/media_internal.hpp"

#include <sys/stat.h>

namespace usersvc {

namespace fs = std::filesystem;
using media_detail::fsyncDirectory;
using media_detail::ioFailure;

bool ImageFiles::publish(const fs::path& tempFile, std::size_t, const std::string& reference, WriteTransaction&) {
    // The caller's write transaction is what makes this safe: deciding that a
    // file is unreferenced (remove) happens under the same lock.
    fs::path target = dir_ / reference;
    fs::path shard = target.parent_path();
    if (::mkdir(shard.c_str(), 0700) != 0 && errno != EEXIST) ioFailure("cannot create " + shard.string());
    struct stat st {};
    if (::stat(target.c_str(), &st) == 0) {
        // Same content already stored by someone else: keep theirs.
        ::unlink(tempFile.c_str());
        return false;
    }
    if (::rename(tempFile.c_str(), target.c_str()) != 0) ioFailure("cannot store an upload");
    fsyncDirectory(shard);
    return true;
}

void ImageFiles::unpublish(const std::string& reference) {
    ::unlink((dir_ / reference).c_str());
}

void ImageFiles::remove(const std::string& reference, WriteTransaction&) {
    ::unlink((dir_ / reference).c_str());
}

std::optional<fs::path> ImageFiles::fileOf(const std::string& reference) {
    fs::path file = dir_ / reference;
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return file;
}

bool ImageFiles::exists(const std::string& reference) {
    return fileOf(reference).has_value();
}

std::shared_ptr<const StoredImage> ImageFiles::open(const std::string& reference, ImageKind kind) {
    fs::path file = dir_ / reference;
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return nullptr;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return nullptr;
    }
    return std::make_shared<const StoredImage>(fd, kind, static_cast<std::uint64_t>(st.st_size), digestOf(reference));
}

std::vector<std::vector<std::string>> ImageFiles::publishedByShard() {
    std::vector<std::vector<std::string>> shards;
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

} // namespace usersvc
