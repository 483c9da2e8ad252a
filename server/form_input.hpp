#pragma once
// One shape for every way a route accepts input: JSON, urlencoded or multipart.
// Text fields arrive as strings (a JSON field of another type is a 400 naming
// it); file parts stream into staged images under the media directory.
#include "media/media_store.hpp"

#include <initializer_list>
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
    // Text fields as multipart too: what multer's upload.none() gave chai-backend's
    // forks, and what Postman's form-data sends. A file part not listed in
    // fileFields is a 400 naming its field.
    bool allowMultipart = true;
    std::size_t textLimit = 16 * 1024; // JSON / urlencoded body, and multipart text in total

    // True when a body of `mediaType` (lowercased, no parameters) is read by this form.
    bool accepts(const std::string& mediaType) const;
};

struct FormInput {
    std::map<std::string, std::string> text;
    std::map<std::string, std::unique_ptr<StagedImage>> files; // by canonical name, finished

    std::string value(const std::string& field) const;
    bool has(const std::string& field) const { return text.count(field) > 0; }
    // The first of `fields` that was sent non-empty, else the first that was sent
    // at all; nullopt when none was. For names that two dialects spell differently.
    std::optional<std::string> firstOf(std::initializer_list<const char*> fields) const;
    // The name of the field firstOf would read; "" when none was sent.
    std::string firstNameOf(std::initializer_list<const char*> fields) const;
    std::unique_ptr<StagedImage> takeFile(const std::string& field);
};

// Throws Error{Invalid|TooLarge|UnsupportedMedia}; staged files are removed when it throws.
FormInput readForm(RequestBody& body, const FormSpec& spec, const MediaStore& media);

} // namespace usersvc::http
