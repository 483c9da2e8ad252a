#include "services/import_service.hpp"

#include "domain/clock.hpp"
#include "domain/error.hpp"
#include "domain/ids.hpp"
#include "domain/validation.hpp"
#include "media/media_store.hpp"
#include "security/crypto.hpp"
#include "security/password.hpp"
#include "services/json_records.hpp"
#include "services/store_writes.hpp"
#include "storage/store.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <thread>

namespace usersvc {

namespace {
using json = nlohmann::json;
namespace fs = std::filesystem;

struct PendingRecord {
    std::size_t line = 0;
    UserRecord user;
    std::string clearPassword;             // set when the record carried no bcrypt hash
    std::vector<std::string> imagesToCopy; // references found in ImportOptions::mediaFrom only
};

std::string stringField(const json& doc, const char* name) {
    if (!doc.contains(name) || doc[name].is_null()) return "";
    if (!doc[name].is_string()) throw Error(Code::Invalid, std::string(name) + " must be a string");
    return doc[name].get<std::string>();
}

// "$oid" wrappers and plain strings.
std::string idOf(const json& doc) {
    if (!doc.contains("_id")) return newObjectId();
    const json& id = doc["_id"];
    std::string text = id.is_object() && id.contains("$oid") && id["$oid"].is_string() ? id["$oid"].get<std::string>()
                       : id.is_string()                                                ? id.get<std::string>()
                                                                                       : "";
    text = toLower(text);
    if (!isObjectId(text)) throw Error(Code::Invalid, "_id must be a 24-hex ObjectId");
    return text;
}

// {"$date": "ISO"}, {"$date": {"$numberLong": "ms"}}, {"$date": ms}, "ISO" or ms.
std::int64_t timeOf(const json& doc, const char* name, std::int64_t fallback) {
    if (!doc.contains(name) || doc[name].is_null()) return fallback;
    json value = doc[name];
    if (value.is_object() && value.contains("$date")) value = value["$date"];
    if (value.is_object() && value.contains("$numberLong") && value["$numberLong"].is_string()) {
        try {
            return std::stoll(value["$numberLong"].get<std::string>());
        } catch (const std::exception&) {
        }
    } else if (value.is_number_integer()) {
        return value.get<std::int64_t>();
    } else if (value.is_string()) {
        if (auto ms = parseIsoTimestamp(value.get<std::string>())) return *ms;
    }
    throw Error(Code::Invalid, std::string(name) + " must be a date");
}

// An image URL: our own media URL becomes a reference when the image is here,
// or in the media directory imported from (then it is noted for copying); any
// other absolute URL (Cloudinary) is kept as it is.
std::string imageOf(const json& doc, const char* name, const char* alias, const MediaStore& media,
    const ImportOptions& options, PendingRecord& record) {
    std::string url = stringField(doc, name);
    if (url.empty()) url = stringField(doc, alias);
    if (url.empty()) return "";
    auto at = url.find("/media/");
    std::string reference = at == std::string::npos ? "" : url.substr(at + 7);
    if (!reference.empty() && MediaStore::kindOfReference(reference)) {
        if (media.exists(reference)) return reference;
        if (!options.mediaFrom.empty() && std::filesystem::is_regular_file(options.mediaFrom / reference)) {
            record.imagesToCopy.push_back(reference);
            return reference;
        }
    }
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
        throw Error(Code::Invalid, std::string(name) + " must be an absolute http(s) URL");
    return url;
}

PendingRecord parseRecord(
    const std::string& text, std::size_t line, const ImportOptions& options, const MediaStore& media) {
    // No user record nests deeper than a few levels; a deeper one is refused
    // before it costs a parse tree of its depth.
    constexpr int kMaxDepth = 32;
    bool tooDeep = false;
    json doc = json::parse(
        text, [&](int depth, json::parse_event_t, json&) { return !(tooDeep = tooDeep || depth > kMaxDepth); }, false);
    if (tooDeep) throw Error(Code::Invalid, "a record nested deeper than " + std::to_string(kMaxDepth) + " levels");
    if (doc.is_discarded() || !doc.is_object()) throw Error(Code::Invalid, "not a JSON object");
    PendingRecord record;
    record.line = line;
    UserRecord& u = record.user;
    std::vector<FieldError> errors;
    u.id = idOf(doc);
    u.username = checkUsername(stringField(doc, "username"), errors);
    u.email = checkEmail(stringField(doc, "email"), errors);
    u.fullName = checkFullName(stringField(doc, "fullName"), errors);
    u.avatar = imageOf(doc, "Avatar", "avatar", media, options, record);
    u.coverImage = imageOf(doc, "CoverImg", "coverImage", media, options, record);
    std::int64_t now = nowMs();
    u.createdAtMs = timeOf(doc, "createdAt", now);
    u.updatedAtMs = timeOf(doc, "updatedAt", u.createdAtMs);
    std::string password = stringField(doc, "password");
    if (PasswordHasher::costOf(password) > 0) {
        u.passwordHash = password;
    } else {
        checkPassword(password, options.minPasswordLength, errors);
        record.clearPassword = password;
    }
    throwIfInvalid(errors);
    return record;
}

std::string describe(const Error& e) {
    std::string text = e.what();
    for (std::size_t i = 0; i < e.fields.size(); ++i)
        text += (i == 0 ? ": " : "; ") + e.fields[i].field + ": " + e.fields[i].message;
    return text;
}

void note(ImportReport& report, std::size_t line, const std::string& message) {
    if (report.problems.size() < kMaxImportProblems) report.problems.push_back({line, message});
}

// Fixtures carry clear passwords: hash them on every core at once.
void hashClearPasswords(std::vector<PendingRecord>& batch, PasswordHasher& hasher) {
    bool anyClear = std::any_of(batch.begin(), batch.end(), [](const auto& r) { return !r.clearPassword.empty(); });
    if (!anyClear) return;
    std::atomic<std::size_t> nextIndex{0};
    auto worker = [&] {
        for (std::size_t i; (i = nextIndex++) < batch.size();)
            if (!batch[i].clearPassword.empty())
                batch[i].user.passwordHash = hasher.hash(batch[i].clearPassword, HashPriority::NewAccount);
    };
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < std::max(1u, std::thread::hardware_concurrency()); ++t)
        workers.emplace_back(worker);
    for (auto& t : workers)
        t.join();
}

// Publishes mediaFrom/reference after checking its content names it.
void copyImage(Store& store, const MediaStore& media, const std::string& reference, const fs::path& mediaFrom) {
    auto staged = media.stageFile("media", mediaFrom / reference);
    if (staged->reference() != reference)
        throw Error(Code::Invalid, "the media file " + (mediaFrom / reference).string() +
                                       " does not match its name (content hash or image type)");
    auto tx = store.beginWrite();
    staged->publish(*tx);
    tx->commit();
}

// The batch's images, each in a write transaction of its own (an image nobody
// refers to yet is harmless; the caller releases the ones no imported user
// ended up referring to). A record whose image cannot be copied is invalid,
// and left out whole. Returns the references copied.
std::vector<std::string> copyImagesOf(Store& store, const MediaStore& media, std::vector<PendingRecord>& batch,
    const fs::path& mediaFrom, ImportReport& report) {
    std::vector<std::string> copied;
    std::erase_if(batch, [&](const PendingRecord& r) {
        try {
            for (const auto& reference : r.imagesToCopy)
                if (!media.exists(reference)) {
                    copyImage(store, media, reference, mediaFrom);
                    copied.push_back(reference);
                }
            return false;
        } catch (const Error& e) {
            ++report.invalid;
            note(report, r.line, describe(e));
            return true;
        }
    });
    report.imagesCopied += static_cast<std::int64_t>(copied.size());
    return copied;
}

// Inserts the batch in one store call and counts each record's outcome.
void storeBatch(Store& store, const MediaStore& media, std::vector<PendingRecord>& batch,
    const std::vector<std::string>& copied, const ImportOptions& options, ImportReport& report) {
    std::vector<UserRecord> users;
    users.reserve(batch.size());
    for (auto& r : batch)
        users.push_back(std::move(r.user));
    std::vector<ImportOutcome> outcomes;
    try {
        outcomes = store.importUsers(users, options.onConflict == OnConflict::Fail);
    } catch (...) {
        releaseUnreferenced(store, media, copied);
        throw;
    }
    releaseUnreferenced(store, media, copied);
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        if (outcomes[i].inserted) {
            ++report.imported;
            continue;
        }
        std::string why = takenReason(outcomes[i].takenFields, users[i]);
        if (options.onConflict == OnConflict::Skip) {
            ++report.skipped;
            note(report, batch[i].line, "skipped: " + why);
        } else {
            report.stoppedAtConflict = true;
            note(report, batch[i].line, "conflict: " + why);
        }
    }
}
} // namespace

ImportService::ImportService(Store& store, PasswordHasher& hasher, const MediaStore& media)
    : store_(store), hasher_(hasher), media_(media) {}

ImportReport ImportService::importUsers(std::istream& in, const ImportOptions& options,
    const std::function<void(const ImportReport&, std::size_t)>& progress) {
    ImportReport report;
    JsonRecordReader reader(in);
    std::vector<PendingRecord> batch;

    auto flush = [&] {
        hashClearPasswords(batch, hasher_);
        auto copied = copyImagesOf(store_, media_, batch, options.mediaFrom, report);
        storeBatch(store_, media_, batch, copied, options, report);
        batch.clear();
        if (progress) progress(report, reader.bytesRead());
    };

    std::string text;
    std::size_t line = 0;
    while (!report.stoppedAtConflict && reader.next(text, line)) {
        try {
            batch.push_back(parseRecord(text, line, options, media_));
        } catch (const Error& e) {
            ++report.invalid;
            note(report, line, describe(e));
        }
        if (batch.size() >= options.batchSize) flush();
    }
    if (!batch.empty() && !report.stoppedAtConflict) flush();
    if (!report.stoppedAtConflict && reader.endedInsideArray()) {
        ++report.invalid;
        note(report, reader.line(), "the input ends inside a JSON array (no closing ']'): is the file truncated?");
    }
    return report;
}

} // namespace usersvc
