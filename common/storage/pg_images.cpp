// PgStore: images kept in the database, content-addressed and immutable, so
// any instance serves what another stored.
#include "storage/pg_internal.hpp"

namespace usersvc {

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

std::optional<std::string> PgStore::readImage(const std::string& reference) {
    return pgGuarded([&]() -> std::optional<std::string> {
        auto rows = runAlone(*this, "SELECT content FROM images WHERE reference = $1", reference);
        if (rows.empty()) return std::nullopt;
        return pqxx::binarystring(rows[0][0]).str();
    });
}

std::vector<std::string> PgStore::imageReferences() {
    return pgGuarded([&] {
        std::vector<std::string> out;
        for (const auto& row : runAlone(*this, "SELECT reference FROM images ORDER BY reference"))
            out.emplace_back(row[0].c_str());
        return out;
    });
}

} // namespace usersvc
