#include "security/secret.hpp"

#include "domain/error.hpp"
#include "security/crypto.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace usersvc {

namespace {
std::string readSecretFile(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(Code::Internal, "cannot read the secret file " + file.string());
    std::stringstream ss;
    ss << in.rdbuf();
    std::string secret = ss.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r'))
        secret.pop_back();
    if (secret.size() < 32)
        throw Error(Code::Invalid,
            "the secret in " + file.string() + " is shorter than 32 bytes; delete it to generate a new one");
    return secret;
}
} // namespace

std::string loadOrCreateSecret(const std::filesystem::path& dataDir) {
    auto file = dataDir / "secret";
    if (std::filesystem::exists(file)) return readSecretFile(file);

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
