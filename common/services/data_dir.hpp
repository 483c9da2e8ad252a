#pragma once
// The data directory: created 0700 (with any missing parents) by whichever
// part of usersvc touches it first, the store or the serve lock. A directory
// that already exists keeps its mode: `--data-dir .` must not change the cwd.
#include <filesystem>

namespace usersvc {

// Returns `dir`. Throws Error{Internal} when it cannot be created.
const std::filesystem::path& ensureDataDir(const std::filesystem::path& dir);

} // namespace usersvc
