// PgImageRows: images kept in the database, content-addressed and immutable,
// so any instance serves what another stored.
#include "storage/pg_internal.hpp"

#include <fstream>

namespace usersvc {

namespace {
// The image methods run inside the write transaction of the store they belong
// to; any other transaction here is a wiring mistake, caught at once.
PgWriteTransaction& pgTransaction(WriteTransaction& tx) {
    return dynamic_cast<PgWriteTransaction&>(tx);
}
} // namespace

bool PgWriteTransaction::putImage(const std::string& reference, const std::string& content) {
    return pgGuarded([&] {
        return work_
                   .run("INSERT INTO images (reference, content, created_at) VALUES ($1, $2,"
                        " (extract(epoch from clock_timestamp()) * 1000)::bigint) ON CONFLICT DO NOTHING",
                       reference, pqxx::binarystring(content.data(), content.size()))
                   .affected_rows() == 1;
    });
}

void PgWriteTransaction::deleteImage(const std::string& reference) {
    pgGuarded([&] { work_.run("DELETE FROM images WHERE reference = $1", reference); });
}

bool PgImageRows::publish(
    const std::filesystem::path& tempFile, std::size_t size, const std::string& reference, WriteTransaction& tx) {
    std::string content(size, '\0');
    std::ifstream in(tempFile, std::ios::binary);
    if (!in.read(content.data(), static_cast<std::streamsize>(size)))
        throw Error(Code::Internal, "cannot read an upload back");
    bool stored = pgTransaction(tx).putImage(reference, content);
    std::error_code ignored; // a temp file left behind is swept at the next start
    std::filesystem::remove(tempFile, ignored);
    return stored;
}

void PgImageRows::unpublish(const std::string&) {}

void PgImageRows::remove(const std::string& reference, WriteTransaction& tx) {
    pgTransaction(tx).deleteImage(reference);
}

std::optional<std::string> PgImageRows::read(const std::string& reference) {
    return pgGuarded([&]() -> std::optional<std::string> {
        auto rows = runAlone(store_, "SELECT content FROM images WHERE reference = $1", reference);
        if (rows.empty()) return std::nullopt;
        return pqxx::binarystring(rows[0][0]).str();
    });
}

bool PgImageRows::exists(const std::string& reference) {
    return pgGuarded([&] { return !runAlone(store_, "SELECT 1 FROM images WHERE reference = $1", reference).empty(); });
}

std::shared_ptr<const StoredImage> PgImageRows::open(const std::string& reference, ImageKind kind) {
    {
        std::lock_guard lock(inFlightMutex_);
        if (auto shared = inFlight_[reference].lock()) return shared;
    }
    auto content = read(reference);
    if (!content) return nullptr;
    auto image = std::make_shared<const StoredImage>(std::move(*content), kind, digestOf(reference));
    std::lock_guard lock(inFlightMutex_);
    if (inFlight_.size() > 1024) std::erase_if(inFlight_, [](const auto& entry) { return entry.second.expired(); });
    inFlight_[reference] = image;
    return image;
}

std::vector<std::vector<std::string>> PgImageRows::publishedByShard() {
    return pgGuarded([&] {
        std::vector<std::vector<std::string>> shards;
        for (const auto& row : runAlone(store_, "SELECT reference FROM images ORDER BY reference")) {
            std::string reference = row[0].c_str();
            if (shards.empty() || shards.back().front().compare(0, 2, reference, 0, 2) != 0) shards.emplace_back();
            shards.back().push_back(std::move(reference));
        }
        return shards;
    });
}

} // namespace usersvc
