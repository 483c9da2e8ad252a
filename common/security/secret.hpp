#pragma once
#include <filesystem>
#include <string>

namespace usersvc {

// The JWT signing secret kept in `<dataDir>/secret` (mode 0600): read when it
// exists, else created from 48 random bytes. Several processes starting at once
// agree on one secret (the file is published with link(), which never replaces).
std::string loadOrCreateSecret(const std::filesystem::path& dataDir);

} // namespace usersvc
