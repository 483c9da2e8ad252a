// The image methods' defaults, for stores that keep images as files: the media
// store only calls them when Store::keepsImages() says so.
#include "storage/store.hpp"

#include "domain/error.hpp"

namespace usersvc {

namespace {
[[noreturn]] void keepsNoImages() {
    throw Error(Code::Internal, "this store keeps images as files, not in the database");
}
} // namespace

bool WriteTransaction::putImage(const std::string&, const std::string&) {
    keepsNoImages();
}
void WriteTransaction::deleteImage(const std::string&) {
    keepsNoImages();
}
std::optional<std::string> Store::readImage(const std::string&) {
    keepsNoImages();
}
std::vector<std::string> Store::imageReferences() {
    keepsNoImages();
}

} // namespace usersvc
