#pragma once
// Helpers the media files share; not part of any interface.
#include "domain/error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace usersvc::media_detail {

[[noreturn]] inline void ioFailure(const std::string& what) {
    throw Error(Code::Internal, what + ": " + std::strerror(errno));
}

// A rename or unlink is durable once its directory is fsynced.
inline void fsyncDirectory(const std::filesystem::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

} // namespace usersvc::media_detail
