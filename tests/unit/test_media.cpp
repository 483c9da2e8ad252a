#include "domain/error.hpp"
#include "media/media_store.hpp"
#include "security/crypto.hpp"
#include "storage/sqlite_store.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

using namespace usersvc;

namespace {
// Images kept as files are published inside a write transaction of the store
// beside them, as the services do.
struct FileStoreTransaction {
    explicit FileStoreTransaction(const std::filesystem::path& dir)
        : store(dir / "usersvc.db"), tx(store.beginWrite()) {}
    SqliteStore store;
    std::unique_ptr<WriteTransaction> tx;
};
} // namespace
namespace fs = std::filesystem;

TEST_CASE("images are recognised by their first bytes, nothing else") {
    CHECK(sniffImage(test::pngBytes()) == ImageKind::Png);
    CHECK(sniffImage(test::jpegBytes()) == ImageKind::Jpeg);
    CHECK(sniffImage(test::gifBytes()) == ImageKind::Gif);
    CHECK(sniffImage(test::webpBytes()) == ImageKind::Webp);
    CHECK_FALSE(sniffImage(""));
    CHECK_FALSE(sniffImage("hello, I am a text file renamed .png"));
    CHECK_FALSE(sniffImage("<svg xmlns='http://www.w3.org/2000/svg'/>"));
    CHECK_FALSE(sniffImage("RIFF\x10\x00\x00\x00WAVEfmt "));
    CHECK_FALSE(sniffImage("\x89PN"));
}

TEST_CASE("a staged image is published under its content hash") {
    test::TempDir dir;
    MediaStore media(dir.path() / "media", 1024);
    FileStoreTransaction test_tx(dir.path());
    auto staged = media.stage("Avatar");
    auto png = test::pngBytes();
    staged->append(png.data(), 10);
    staged->append(png.data() + 10, png.size() - 10);
    staged->finish();
    std::string digest = sha256Hex(png);
    CHECK(staged->reference() == digest.substr(0, 2) + "/" + digest + ".png");
    staged->publish(*test_tx.tx);
    auto file = media.resolve(staged->reference());
    REQUIRE(file);
    CHECK(test::readFile(*file) == png);
    staged.reset();
    CHECK(test::countFiles(dir.path() / "media") == 1); // temp file gone, image stays
}

TEST_CASE("uploads over the limit, empty or not images are refused and leave no file") {
    test::TempDir dir;
    MediaStore media(dir.path() / "media", 64);
    {
        auto staged = media.stage("Avatar");
        std::string big(65, 'x');
        try {
            staged->append(big.data(), big.size());
            FAIL("accepted 65 bytes");
        } catch (const Error& e) {
            CHECK(e.code == Code::TooLarge);
            CHECK(e.fields.at(0).field == "Avatar");
        }
    }
    {
        auto staged = media.stage("CoverImg");
        std::string text = "just text, named cover.png";
        staged->append(text.data(), text.size());
        try {
            staged->finish();
            FAIL("accepted text");
        } catch (const Error& e) {
            CHECK(e.code == Code::UnsupportedMedia);
            CHECK(e.fields.at(0).field == "CoverImg");
        }
    }
    {
        auto staged = media.stage("Avatar");
        CHECK_THROWS_AS(staged->finish(), Error);
    }
    CHECK(test::countFiles(dir.path() / "media") == 0);
}

TEST_CASE("the same content twice is stored once, unpublish removes only what it created") {
    test::TempDir dir;
    MediaStore media(dir.path() / "media", 1024);
    FileStoreTransaction test_tx(dir.path());
    auto png = test::pngBytes();
    auto first = media.stage("Avatar");
    first->append(png.data(), png.size());
    first->publish(*test_tx.tx);
    auto second = media.stage("Avatar");
    second->append(png.data(), png.size());
    second->publish(*test_tx.tx);
    second->unpublish(); // did not create the file: must not delete it
    CHECK(media.resolve(first->reference()));
    first->unpublish();
    CHECK_FALSE(media.resolve(first->reference()));
}

TEST_CASE("only references of the published shape resolve") {
    test::TempDir dir;
    MediaStore media(dir.path() / "media", 1024);
    FileStoreTransaction test_tx(dir.path());
    auto staged = media.stage("Avatar");
    auto gif = test::gifBytes();
    staged->append(gif.data(), gif.size());
    staged->publish(*test_tx.tx);
    std::string ref = staged->reference();
    CHECK(media.resolve(ref));
    test::writeFile(dir.path() / "secret", "do not serve");
    for (std::string bad : std::vector<std::string>{std::string("../secret"), std::string("ab/../../secret"),
             ref.substr(0, ref.size() - 3) + "png", "00" + ref.substr(2), ref + "/", "/" + ref, std::string("")}) {
        CAPTURE(bad);
        CHECK_FALSE(media.resolve(bad));
    }
}

TEST_CASE("local files are staged for the CLI and unreadable ones refused") {
    test::TempDir dir;
    MediaStore media(dir.path() / "media", 1024);
    test::writeFile(dir.path() / "cover.jpg", test::jpegBytes());
    auto staged = media.stageFile("CoverImg", dir.path() / "cover.jpg");
    CHECK(staged->reference().ends_with(".jpg"));
    CHECK_THROWS_AS(media.stageFile("Avatar", dir.path() / "missing.png"), Error);
    CHECK_THROWS_AS(media.stageFile("Avatar", dir.path()), Error);
}

TEST_CASE("temp files of crashed writers are swept, uploads in progress are not") {
    test::TempDir dir;
    MediaStore media(dir.path() / "media", 1024);
    // pid 2^22 + 1 is above Linux's pid_max limit: no such process can exist.
    test::writeFile(dir.path() / "media" / ".upload-4194305-abcdef", "partial");
    test::writeFile(dir.path() / "media" / ".upload-garbage", "partial");
    auto staged = media.stage("Avatar"); // this process: alive, must survive
    CHECK(media.removeOrphanedTemps() == 2);
    CHECK(test::countFiles(dir.path() / "media") == 1);
}

TEST_CASE("a temp file is a crash's leftover when no writer holds it, whatever pid its name carries") {
    // Issue 12, finding 10: leftovers survived when the named pid was alive again
    // (the server as PID 1 in a restarted container) or a zombie.
    test::TempDir dir;
    MediaStore media(dir.path() / "media", 1024);
    FileStoreTransaction test_tx(dir.path());
    test::writeFile(dir.path() / "media" / ".upload-1-abcdef", "partial");                                    // PID 1
    test::writeFile(dir.path() / "media" / (".upload-" + std::to_string(::getpid()) + "-ghijkl"), "partial"); // us
    auto staged = media.stage("Avatar");
    staged->append(test::pngBytes().data(), test::pngBytes().size());
    CHECK(media.removeOrphanedTemps() == 2);
    CHECK(test::countFiles(dir.path() / "media") == 1);
    staged->publish(*test_tx.tx); // the upload in progress is untouched and completes
    CHECK(media.resolve(staged->reference()));
}
