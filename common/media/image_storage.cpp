#include "media/image_storage.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace usersvc {

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

std::optional<ImageKind> kindOfReference(std::string_view ref) {
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

} // namespace usersvc
