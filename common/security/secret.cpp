#include "security/secret.hpp"

#include "domain/error.hpp"
#include "security/crypto.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace usersvc {

std::string readSecretFile(const std::filesystem::path& file) {
    const std::string name = file.string();
    struct stat st {};
    if (::lstat(file.c_str(), &st) != 0)
        throw Error(Code::Invalid, "cannot read the secret file " + name + ": " + std::strerror(errno));
    if (S_ISLNK(st.st_mode))
        throw Error(Code::Invalid, "the secret file " + name + " is a symbolic link; name the file itself");
    if (!S_ISREG(st.st_mode)) throw Error(Code::Invalid, "the secret file " + name + " is not a regular file");
    // O_NOFOLLOW and fstat again: the name cannot be swapped between the check and the read.
    int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) throw Error(Code::Invalid, "cannot read the secret file " + name + ": " + std::strerror(errno));
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(Code::Invalid, "the secret file " + name + " is not a regular file");
    }
    if (st.st_mode & 077) {
        ::close(fd);
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        throw Error(Code::Invalid,
            "the secret file " + name + " may be read by others (mode " + mode + "); run chmod 600 " + name);
    }
    std::string secret;
    char buffer[4096];
    for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0 && secret.size() < 65536;)
        secret.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r'))
        secret.pop_back();
    if (secret.size() < 32)
        throw Error(Code::Invalid, "the secret in " + name +
                                       " is shorter than 32 bytes; write a longer one (or, for DATA_DIR/secret, "
                                       "delete it to generate a new one)");
    return secret;
}

std::string loadOrCreateSecret(const std::filesystem::path& dataDir) {
    auto file = dataDir / "secret";
    // symlink_status: a link (even a dangling one) is read, and refused, not replaced.
    if (std::filesystem::symlink_status(file).type() != std::filesystem::file_type::not_found)
        return readSecretFile(file);

    std::string secret = base64UrlEncode(randomBytes(48));
    auto temp = dataDir / ("secret.tmp." + std::to_string(::getpid()));
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw Error(Code::Internal, "cannot create " + temp.string() + ": " + std::strerror(errno));
    std::string line = secret + "\n";
    bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (ok && ::link(temp.c_str(), file.c_str()) != 0 && errno != EEXIST) ok = false;
    ::unlink(temp.c_str());
    if (!ok) throw Error(Code::Internal, "cannot write the secret file " + file.string());
    // Whoever linked first won; everyone uses that file's content.
    return readSecretFile(file);
}

} // namespace usersvc
