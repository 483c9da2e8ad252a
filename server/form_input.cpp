#include "form_input.hpp"

#include "domain/error.hpp"
#include "request_body.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>

namespace usersvc::http {

std::string FormInput::value(const std::string& field) const {
    auto it = text.find(field);
    return it == text.end() ? std::string() : it->second;
}

std::string FormInput::firstNameOf(std::initializer_list<const char*> fields) const {
    for (const char* field : fields)
        if (auto it = text.find(field); it != text.end() && !it->second.empty()) return field;
    for (const char* field : fields)
        if (text.count(field)) return field;
    return "";
}

std::optional<std::string> FormInput::firstOf(std::initializer_list<const char*> fields) const {
    std::string name = firstNameOf(fields);
    if (name.empty()) return std::nullopt;
    return text.at(name);
}

bool FormSpec::accepts(const std::string& mediaType) const {
    return (mediaType == "application/json" && allowJson) ||
           (mediaType == "application/x-www-form-urlencoded" && allowUrlEncoded) ||
           (mediaType == "multipart/form-data" && allowMultipart);
}

std::unique_ptr<StagedImage> FormInput::takeFile(const std::string& field) {
    auto it = files.find(field);
    if (it == files.end()) return nullptr;
    auto file = std::move(it->second);
    files.erase(it);
    return file;
}

namespace {
bool wanted(const FormSpec& spec, const std::string& name) {
    return std::find(spec.textFields.begin(), spec.textFields.end(), name) != spec.textFields.end();
}

FormInput fromJson(const std::string& raw, const FormSpec& spec) {
    auto doc = nlohmann::json::parse(raw, nullptr, false);
    if (doc.is_discarded()) throw Error(Code::Invalid, "Invalid JSON body");
    if (!doc.is_object()) throw Error(Code::Invalid, "JSON body must be an object");
    FormInput form;
    std::vector<FieldError> wrongType;
    for (const auto& name : spec.textFields) {
        if (!doc.contains(name) || doc[name].is_null()) continue;
        if (!doc[name].is_string()) {
            wrongType.push_back({name, "Must be a string"});
            continue;
        }
        form.text[name] = doc[name].get<std::string>();
    }
    if (!wrongType.empty()) throw Error(Code::Invalid, "Invalid field type", wrongType);
    return form;
}

FormInput fromUrlEncoded(const std::string& raw, const FormSpec& spec) {
    httplib::Params params;
    httplib::detail::parse_query_text(raw, params);
    FormInput form;
    for (const auto& [name, value] : params)
        if (wanted(spec, name) && !form.text.count(name)) form.text[name] = value;
    return form;
}

// Streams parts: text into `form.text`, files into staged images. Errors are
// remembered (the first one wins) and the rest of the body is still read, since
// throwing through httplib's parser would leave the connection out of step.
FormInput fromMultipart(RequestBody& body, const FormSpec& spec, const MediaStore& media) {
    FormInput form;
    std::optional<Error> failure;
    std::string* textTarget = nullptr;
    StagedImage* fileTarget = nullptr;
    std::size_t textBytes = 0;

    auto fail = [&](const Error& e) {
        if (!failure) failure = e;
        textTarget = nullptr;
        fileTarget = nullptr;
    };

    body.readMultipart(
        [&](const httplib::MultipartFormData& part) {
            textTarget = nullptr;
            fileTarget = nullptr;
            if (failure) return;
            try {
                auto file = spec.fileFields.find(part.name);
                if (file != spec.fileFields.end()) {
                    const std::string& canonical = file->second;
                    if (form.files.count(canonical)) {
                        fail(Error(Code::Invalid, "Only one file per field",
                            {{canonical, "Send at most one " + canonical + " file"}}));
                        return;
                    }
                    auto staged = media.stage(canonical);
                    fileTarget = staged.get();
                    form.files[canonical] = std::move(staged);
                } else if (!part.filename.empty()) {
                    // A file sent where none is read would otherwise vanish without a word.
                    std::string field = part.name.substr(0, 64);
                    fail(Error(
                        Code::Invalid, "Unexpected file in field " + field, {{field, "No file is expected here"}}));
                } else if (wanted(spec, part.name) && !form.text.count(part.name)) {
                    textTarget = &form.text[part.name];
                }
            } catch (const Error& e) {
                fail(e);
            }
        },
        [&](const char* data, std::size_t n) {
            if (failure) return;
            try {
                if (fileTarget) {
                    fileTarget->append(data, n);
                } else if (textTarget) {
                    textBytes += n;
                    if (textBytes > spec.textLimit) {
                        fail(Error(
                            Code::TooLarge, "Form fields larger than " + std::to_string(spec.textLimit) + " bytes"));
                        return;
                    }
                    textTarget->append(data, n);
                }
            } catch (const Error& e) {
                fail(e);
            }
        });
    if (failure) throw *failure;
    // A browser sends an empty part for a file input left empty: that is no file.
    std::erase_if(form.files, [](const auto& entry) { return entry.second->size() == 0; });
    for (auto& [name, file] : form.files)
        file->finish();
    return form;
}
} // namespace

FormInput readForm(RequestBody& body, const FormSpec& spec, const MediaStore& media) {
    if (!body.present()) return FormInput{};
    std::string type = body.contentType();
    if (spec.accepts(type)) {
        if (type == "application/json") return fromJson(body.readAll(spec.textLimit), spec);
        if (type == "application/x-www-form-urlencoded") return fromUrlEncoded(body.readAll(spec.textLimit), spec);
        return fromMultipart(body, spec, media);
    }

    std::string accepted;
    if (spec.allowJson) accepted += "application/json";
    if (spec.allowUrlEncoded)
        accepted += std::string(accepted.empty() ? "" : ", ") + "application/x-www-form-urlencoded";
    if (spec.allowMultipart) accepted += std::string(accepted.empty() ? "" : ", ") + "multipart/form-data";
    throw Error(Code::UnsupportedMedia, "Unsupported Content-Type; send " + accepted);
}

} // namespace usersvc::http
