// libFuzzer: the request-body path of every route (server/form_input.cpp and
// request_body.cpp) for JSON, urlencoded and multipart bodies. The first byte
// picks the content type; for multipart the rest is a stream of events (new
// part with a name, data chunk) as cpp-httplib's parser would deliver them.
#include "domain/error.hpp"
#include "form_input.hpp"
#include "media/media_store.hpp"
#include "request_body.hpp"

#include <httplib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

using namespace usersvc;
namespace fs = std::filesystem;

namespace {
const char* kTypes[] = {
    "application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"};
const char* kNames[] = {
    "username", "email", "password", "fullName", "Avatar", "avatar", "CoverImg", "coverImage", "other"};
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const fs::path root = [] {
        std::string pattern = (fs::temp_directory_path() / "usersvc-fuzz-XXXXXX").string();
        return fs::path(::mkdtemp(pattern.data()));
    }();
    static const MediaStore media(root / "media", 2048);
    if (size == 0) return 0;
    std::string type = kTypes[data[0] % 4];
    std::string body(reinterpret_cast<const char*>(data + 1), size - 1);

    httplib::Request req;
    req.method = "POST";
    req.set_header("Content-Type", type);
    req.set_header("Content-Length", std::to_string(body.size() + 1));

    httplib::ContentReader reader(
        [&](httplib::ContentReceiver receiver) {
            for (std::size_t at = 0; at < body.size(); at += 7)
                if (!receiver(body.data() + at, std::min<std::size_t>(7, body.size() - at))) return false;
            return true;
        },
        [&](httplib::MultipartContentHeader header, httplib::ContentReceiver receiver) {
            // Events: byte b; b < 0x40 starts a part named kNames[b % 9] (with a file
            // name when b & 1); otherwise the next (b & 0x3f) bytes are data.
            for (std::size_t i = 0; i < body.size();) {
                auto b = static_cast<unsigned char>(body[i++]);
                if (b < 0x40) {
                    httplib::MultipartFormData part{kNames[b % 9], "", (b & 1) ? "f.png" : "", ""};
                    if (!header(part)) return false;
                } else {
                    std::size_t n = std::min<std::size_t>(b & 0x3f, body.size() - i);
                    if (!receiver(body.data() + i, n)) return false;
                    i += n;
                }
            }
            return true;
        });

    usersvc::http::RequestBody requestBody(req, &reader, 64 * 1024);
    usersvc::http::FormSpec spec;
    spec.textFields = {"username", "email", "password", "fullName"};
    spec.fileFields = {
        {"Avatar", "Avatar"}, {"avatar", "Avatar"}, {"CoverImg", "CoverImg"}, {"coverImage", "CoverImg"}};
    spec.allowMultipart = true;
    spec.textLimit = 1024;
    try {
        auto form = usersvc::http::readForm(requestBody, spec, media);
        for (const auto& [name, file] : form.files)
            if (!MediaStore::kindOfReference(file->reference())) std::abort();
        for (const auto& [name, value] : form.text)
            if (value.size() > spec.textLimit) std::abort();
    } catch (const Error&) {
    }
    requestBody.drain();
    // Nothing may be left behind: staged files are removed when the form goes.
    for (const auto& entry : fs::directory_iterator(root / "media"))
        if (entry.is_regular_file()) std::abort();
    return 0;
}
