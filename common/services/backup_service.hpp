#pragma once
// Online backup and restore of a data directory. A backup is two things side
// by side: FILE, a self-contained SQLite database made with the backup API, and
// FILE.media/, the images that database references (same layout as media/).
#include <cstdint>
#include <filesystem>

namespace usersvc {

class Store;
class MediaStore;

struct BackupReport {
    std::int64_t users = 0;
    std::int64_t mediaFiles = 0;
};

class BackupService {
public:
    BackupService(Store& store, MediaStore& media);

    // Consistent while the server runs. Refuses when FILE or FILE.media exists.
    BackupReport backup(const std::filesystem::path& file);

    // Checks FILE (integrity, schema, media present), then replaces the store's
    // content and media with it. Call only while no server holds the data
    // directory (ServeLock); throws Error{Invalid} for a bad backup.
    BackupReport restore(const std::filesystem::path& file);

    static std::filesystem::path mediaDirOf(const std::filesystem::path& file);

private:
    Store& store_;
    MediaStore& media_;
};

// Held (shared) by every `usersvc serve` for its lifetime on <dataDir>/serve.lock;
// restore takes it exclusively and so refuses while any server runs.
class ServeLock {
public:
    // Blocks while a restore holds the lock.
    static ServeLock shared(const std::filesystem::path& dataDir);
    // Throws Error{Conflict} when a server holds the data directory.
    static ServeLock exclusive(const std::filesystem::path& dataDir);
    ServeLock(ServeLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    ServeLock(const ServeLock&) = delete;
    ServeLock& operator=(const ServeLock&) = delete;
    ~ServeLock();

private:
    explicit ServeLock(int fd) : fd_(fd) {}
    int fd_;
};

} // namespace usersvc
