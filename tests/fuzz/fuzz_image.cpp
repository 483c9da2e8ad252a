// libFuzzer: image sniffing, staging and media-reference resolution. No
// reference, whatever its bytes, may resolve outside the media directory.
#include "domain/error.hpp"
#include "media/media_store.hpp"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

using namespace usersvc;
namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const fs::path root = [] {
        std::string pattern = (fs::temp_directory_path() / "usersvc-fuzz-XXXXXX").string();
        return fs::path(::mkdtemp(pattern.data()));
    }();
    static const MediaStore media(root / "media", 4096);
    std::string bytes(reinterpret_cast<const char*>(data), size);

    sniffImage(bytes);
    if (auto file = media.resolve(bytes)) {
        auto canonical = fs::weakly_canonical(*file).string();
        if (canonical.rfind(fs::weakly_canonical(root / "media").string(), 0) != 0) std::abort();
    }
    MediaStore::kindOfReference(bytes);

    try {
        auto staged = media.stage("Avatar");
        staged->append(bytes.data(), bytes.size());
        staged->finish();
        if (!sniffImage(bytes)) std::abort(); // finish() accepted something that is not an image
        if (!MediaStore::kindOfReference(staged->reference())) std::abort();
    } catch (const Error&) {
    }
    return 0;
}
