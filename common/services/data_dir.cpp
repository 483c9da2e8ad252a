#include "services/data_dir.hpp"

#include "domain/error.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace usersvc {

const std::filesystem::path& ensureDataDir(const std::filesystem::path& dir) {
    // mkdir with the mode itself, outermost missing component first: no window
    // in which a directory of ours is more open than 0700.
    std::vector<std::filesystem::path> missing;
    for (auto p = dir; !p.empty() && !std::filesystem::exists(p); p = p.parent_path()) {
        missing.push_back(p);
        if (p == p.parent_path()) break;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it)
        if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST)
            throw Error(
                Code::Internal, "cannot create the data directory " + dir.string() + ": " + std::strerror(errno));
    if (!std::filesystem::is_directory(dir))
        throw Error(Code::Internal, "the data directory " + dir.string() + " is not a directory");
    return dir;
}

} // namespace usersvc
