#pragma once
#include <filesystem>
#include <string>

namespace usersvc {

// The JWT signing secret kept in `<dataDir>/secret` (mode 0600): read when it
// exists, else created from 48 random bytes. Several processes starting at once
// agree on one secret (the file is published with link(), which never replaces).
std::string loadOrCreateSecret(const std::filesystem::path& dataDir);

// The secret in `file` (one line, at least 32 bytes). Refused with a message
// that says what to do: a symlink, anything but a regular file, or a file that
// its group or others may read or write.
std::string readSecretFile(const std::filesystem::path& file);

} // namespace usersvc
