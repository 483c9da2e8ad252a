#pragma once
// Bulk import of users as mongoexport writes the Express backend's users
// collection (JSON lines or an array, extended JSON $oid/$date), keeping _id,
// timestamps, image URLs and bcrypt hashes; or fixtures with clear-text
// passwords, hashed on the way in. Batched transactions; every record goes in
// whole or not at all.
#include "domain/user.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <istream>
#include <string>
#include <vector>

namespace usersvc {

class Store;
class PasswordHasher;
class MediaStore;

enum class OnConflict { Skip, Fail };

struct ImportOptions {
    OnConflict onConflict = OnConflict::Fail;
    std::size_t batchSize = 5000;
    std::size_t minPasswordLength = 8;
    // Another store's media directory (`import --media-from`): an image URL of
    // ours whose image this store lacks is copied from there, checked against
    // its content hash. How a store moves to PostgreSQL with its images.
    std::filesystem::path mediaFrom;
};

struct ImportProblem {
    std::size_t line = 0;
    std::string message;
};

struct ImportReport {
    std::int64_t imported = 0;
    std::int64_t skipped = 0; // conflicts passed over with OnConflict::Skip
    std::int64_t invalid = 0;
    std::int64_t imagesCopied = 0; // from ImportOptions::mediaFrom
    bool stoppedAtConflict = false;
    std::vector<ImportProblem> problems; // the first kMaxProblems, in input order
};

constexpr std::size_t kMaxImportProblems = 1000;

class ImportService {
public:
    ImportService(Store& store, PasswordHasher& hasher, const MediaStore& media);

    // `progress` is called after each batch with the report so far and the
    // input bytes consumed.
    ImportReport importUsers(std::istream& in, const ImportOptions& options,
        const std::function<void(const ImportReport&, std::size_t)>& progress = {});

private:
    Store& store_;
    PasswordHasher& hasher_;
    const MediaStore& media_;
};

} // namespace usersvc
