#pragma once
// One shape for every way a route accepts input: JSON, urlencoded or multipart.
// Text fields arrive as strings (a JSON field of another type is a 400 naming
// it); file parts stream into staged images under the media directory.
#include "media/media_store.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace usersvc::http {

class RequestBody;

struct FormSpec {
    std::vector<std::string> textFields; // read these; other fields are ignored
    // file field name as sent -> the name it is known by (aliases such as "avatar" -> "Avatar")
    std::map<std::string, std::string> fileFields;
    bool allowJson = true;
    bool allowUrlEncoded = true;
    bool allowMultipart = false;
    std::size_t textLimit = 16 * 1024; // JSON / urlencoded body, and multipart text in total
};

struct FormInput {
    std::map<std::string, std::string> text;
    std::map<std::string, std::unique_ptr<StagedImage>> files; // by canonical name, finished

    std::string value(const std::string& field) const;
    bool has(const std::string& field) const { return text.count(field) > 0; }
    std::unique_ptr<StagedImage> takeFile(const std::string& field);
};

// Throws Error{Invalid|TooLarge|UnsupportedMedia}; staged files are removed when it throws.
FormInput readForm(RequestBody& body, const FormSpec& spec, const MediaStore& media);

} // namespace usersvc::http
