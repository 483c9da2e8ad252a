#include "services/backup_service.hpp"

#include "domain/error.hpp"
#include "media/media_store.hpp"
#include "services/data_dir.hpp"
#include "services/store_writes.hpp"
#include "storage/store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>

namespace usersvc {

namespace fs = std::filesystem;

namespace {
// A hard link when both sides share a file system (media files never change
// in place), else a copy through a temp name.
void copyInto(const fs::path& from, const fs::path& to) {
    fs::create_directories(to.parent_path());
    if (::link(from.c_str(), to.c_str()) == 0 || errno == EEXIST) return;
    fs::path temp = to;
    temp += ".partial";
    fs::copy_file(from, temp, fs::copy_options::overwrite_existing);
    fs::rename(temp, to);
}

// A backup's image, staged and checked: its content must hash to its name and
// be the image type its extension says, as if it had been uploaded (no size
// limit: --max-upload may have been lowered since it was).
std::unique_ptr<StagedImage> stageVerified(const MediaStore& media, const fs::path& source, const std::string& ref) {
    auto staged = media.stage("media", std::numeric_limits<std::size_t>::max());
    std::ifstream in(source, std::ios::binary);
    char buffer[64 * 1024];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
        staged->append(buffer, static_cast<std::size_t>(in.gcount()));
    bool matches = false;
    try {
        staged->finish();
        matches = staged->reference() == ref;
    } catch (const Error&) {
        // not an image at all: the same verdict
    }
    if (!in.eof() || !matches)
        throw Error(Code::Invalid, "the backup's media file " + source.string() +
                                       " does not match its name (content hash or image type); the store is unchanged");
    return staged;
}

int openLockFile(const fs::path& dataDir) {
    ensureDataDir(dataDir);
    int fd = ::open((dataDir / "serve.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        throw Error(Code::Internal, "cannot open " + (dataDir / "serve.lock").string() + ": " + std::strerror(errno));
    return fd;
}
} // namespace

fs::path BackupService::mediaDirOf(const fs::path& file) {
    fs::path dir = file;
    dir += ".media";
    return dir;
}

BackupService::BackupService(Store& store, MediaStore& media) : store_(store), media_(media) {}

BackupReport BackupService::backup(const fs::path& file) {
    fs::path mediaCopy = mediaDirOf(file);
    if (fs::exists(file) || fs::exists(mediaCopy))
        throw Error(Code::Conflict, file.string() + " or " + mediaCopy.string() + " already exists; choose a new name");
    BackupReport report;
    try {
        store_.backupTo(file.string(), [&](const std::vector<std::string>& references) {
            fs::create_directories(mediaCopy);
            for (const auto& ref : references) {
                auto source = media_.resolve(ref);
                if (!source) continue; // an imported absolute URL, or already missing
                copyInto(*source, mediaCopy / ref);
                ++report.mediaFiles;
            }
        });
    } catch (...) {
        std::error_code ec;
        fs::remove(file, ec);
        fs::remove_all(mediaCopy, ec);
        throw;
    }
    return report;
}

BackupReport BackupService::restore(const fs::path& file) {
    fs::path mediaCopy = mediaDirOf(file);
    if (!fs::is_regular_file(file)) throw Error(Code::NotFound, "no backup at " + file.string());
    if (!fs::is_directory(mediaCopy))
        throw Error(Code::Invalid, "the backup's media directory " + mediaCopy.string() + " is missing");
    BackupReport report;
    // Media first, each file checked against its name and published under the
    // write lock: adding files nobody references yet is harmless, and if a
    // later one or the database step fails they are released again.
    std::vector<std::string> added;
    try {
        for (const auto& entry : fs::recursive_directory_iterator(mediaCopy)) {
            if (!entry.is_regular_file()) continue;
            std::string ref = fs::relative(entry.path(), mediaCopy).string();
            if (!MediaStore::kindOfReference(ref)) continue;
            ++report.mediaFiles;
            if (media_.resolve(ref)) continue;
            auto staged = stageVerified(media_, entry.path(), ref);
            auto tx = store_.beginWrite();
            staged->publish(*tx);
            tx->commit();
            added.push_back(ref);
        }
        store_.restoreFrom(file.string());
    } catch (...) {
        releaseUnreferenced(store_, media_, added);
        throw;
    }
    // Images of the store as it was before, now referenced by nobody.
    std::vector<std::string> present;
    for (const auto& entry : fs::recursive_directory_iterator(media_.dir())) {
        std::string ref = fs::relative(entry.path(), media_.dir()).string();
        if (entry.is_regular_file() && MediaStore::kindOfReference(ref)) present.push_back(ref);
    }
    releaseUnreferenced(store_, media_, present);
    report.users = store_.countUsers();
    return report;
}

ServeLock ServeLock::shared(const fs::path& dataDir) {
    int fd = openLockFile(dataDir);
    while (::flock(fd, LOCK_SH) != 0 && errno == EINTR) {
    }
    return ServeLock(fd);
}

ServeLock ServeLock::exclusive(const fs::path& dataDir) {
    int fd = openLockFile(dataDir);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        throw Error(Code::Conflict, "a server is running on " + dataDir.string() + "; stop it before restoring");
    }
    return ServeLock(fd);
}

ServeLock::~ServeLock() {
    if (fd_ >= 0) ::close(fd_);
}

} // namespace usersvc
