// Moving users in and out of a store: import, export, backup, restore.
#include "commands.hpp"
#include "domain/user_json.hpp"
#include "output.hpp"
#include "storage/pg_store.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

namespace usersvc::cli {

ImportReport runImport(Core& core, const std::string& source, OnConflict onConflict, std::size_t batchSize,
    bool showProgress, const std::string& mediaFrom) {
    std::ifstream file;
    std::istream* in = &std::cin;
    std::uintmax_t total = 0;
    if (source != "-") {
        // A directory opens as a stream that reads nothing: that would be "imported 0".
        if (std::filesystem::is_directory(source))
            throw Error(Code::Invalid, source + " is a directory; name a file of JSON lines or a JSON array");
        file.open(source, std::ios::binary);
        if (!file) throw Error(Code::Invalid, "cannot read " + source);
        std::error_code ec;
        total = std::filesystem::file_size(source, ec);
        in = &file;
    }
    ImportOptions options;
    options.onConflict = onConflict;
    options.batchSize = batchSize;
    options.mediaFrom = mediaFrom;
    options.minPasswordLength = core.settings().accounts.minPasswordLength;
    auto start = std::chrono::steady_clock::now();
    auto progress = [&](const ImportReport& r, std::size_t bytes) {
        if (!showProgress) return;
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        double rate = seconds > 0 ? static_cast<double>(r.imported) / seconds : 0;
        if (total > 0)
            std::fprintf(stderr, "\rimporting: %3.0f%%  %lld imported  %.0f/s   ", 100.0 * bytes / total,
                static_cast<long long>(r.imported), rate);
        else
            std::fprintf(stderr, "\rimporting: %lld imported  %.0f/s   ", static_cast<long long>(r.imported), rate);
    };
    auto report = core.importer().importUsers(*in, options, progress);
    if (showProgress) std::fputs("\n", stderr);
    return report;
}

void addImportCommand(CLI::App& app, GlobalOptions& g) {
    struct Args {
        std::string source;
        std::string onConflict = "fail";
        std::size_t batchSize = 5000;
        std::string mediaFrom;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("import", "Import users from a mongoexport of the Express backend, or fixtures");
    cmd->add_option("FILE", args->source, "JSON lines or a JSON array; - for stdin")->required();
    cmd->add_option("--on-conflict", args->onConflict, "What a taken _id, username or email does")
        ->check(CLI::IsMember({"skip", "fail"}))
        ->capture_default_str();
    cmd->add_option("--batch-size", args->batchSize, "Records per transaction")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    cmd->add_option("--media-from", args->mediaFrom,
           "Copy the images the records name from this media directory (another store's DATA_DIR/media)")
        ->check(CLI::ExistingDirectory);
    cmd->footer("Examples:\n  mongoexport --db app --collection users --out users.json && usersvc import users.json\n"
                "  usersvc import fixtures.jsonl --on-conflict skip   # clear-text passwords are hashed\n"
                "  usersvc --data-dir old export --include-password-hashes > users.jsonl &&\n"
                "    usersvc --database postgres://... import users.jsonl --media-from old/media");
    cmd->callback([&g, args] {
        Core core(g.coreSettings());
        bool showProgress = !g.quiet && !g.json && ::isatty(STDERR_FILENO);
        auto onConflict = args->onConflict == "skip" ? OnConflict::Skip : OnConflict::Fail;
        auto report = runImport(core, args->source, onConflict, args->batchSize, showProgress, args->mediaFrom);
        if (g.json) {
            auto problems = nlohmann::ordered_json::array();
            for (const auto& p : report.problems)
                problems.push_back({{"line", p.line}, {"message", p.message}});
            printJson({{"imported", report.imported}, {"skipped", report.skipped}, {"invalid", report.invalid},
                {"imagesCopied", report.imagesCopied}, {"stoppedAtConflict", report.stoppedAtConflict},
                {"problems", problems}});
        } else {
            for (const auto& p : report.problems)
                std::cerr << "line " << p.line << ": " << p.message << '\n';
            if (g.quiet)
                std::cout << report.imported << '\n';
            else
                std::cout << "imported " << report.imported << ", skipped " << report.skipped << ", invalid "
                          << report.invalid
                          << (args->mediaFrom.empty() ? "" : ", images copied " + std::to_string(report.imagesCopied))
                          << '\n';
        }
        if (report.stoppedAtConflict)
            throw Error(Code::Conflict, "import stopped at a conflict (records before it are in; "
                                        "--on-conflict skip passes over them)");
        if (report.invalid > 0)
            throw Error(Code::Invalid,
                std::to_string(report.invalid) + " invalid record(s) were not imported (see the lines above)");
    });
}

void addExportCommand(CLI::App& app, GlobalOptions& g) {
    auto withHashes = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("export", "Write every user as JSON lines (streams)");
    cmd->add_flag("--include-password-hashes", *withHashes, "Add each bcrypt hash as `password` (for re-import)");
    cmd->footer("Example:\n  usersvc export --include-password-hashes > users.jsonl && usersvc --data-dir other import "
                "users.jsonl");
    cmd->callback([&g, withHashes] {
        Core core(g.coreSettings());
        std::string base = g.mediaBaseUrl();
        core.accounts().listUsers({}, [&](const UserListing& row) {
            auto json = userJson(row.user, base);
            if (*withHashes) json["password"] = row.user.passwordHash;
            printJson(json);
            return !std::ferror(stdout);
        });
        std::fflush(stdout);
    });
}

namespace {
// Before anything is opened or created: exit 2 and where to look instead.
void refuseOnPostgres(const GlobalOptions& g) {
    if (DatabaseUrl::parse(g.database).isPostgres()) throw Error(Code::Invalid, kPgBackupAdvice);
}
} // namespace

void addBackupCommands(CLI::App& app, GlobalOptions& g) {
    auto backupFile = std::make_shared<std::string>();
    auto* backup = app.add_subcommand("backup", "Copy the store and its images, consistently, while the server runs");
    backup->add_option("FILE", *backupFile, "Backup database to create; images go to FILE.media/")->required();
    backup->footer("Example:\n  usersvc backup backups/users-$(date +%F).db");
    backup->callback([&g, backupFile] {
        refuseOnPostgres(g);
        Core core(g.coreSettings());
        auto report = core.backups().backup(*backupFile);
        if (g.json)
            printJson({{"file", *backupFile}, {"mediaFiles", report.mediaFiles}});
        else if (!g.quiet)
            std::cout << "backed up to " << *backupFile << " (+ " << report.mediaFiles << " images in "
                      << BackupService::mediaDirOf(*backupFile).string() << ")\n";
    });

    auto restoreFile = std::make_shared<std::string>();
    auto* restore = app.add_subcommand("restore", "Replace the store with a backup (refuses while a server runs)");
    restore->add_option("FILE", *restoreFile, "A file made by usersvc backup")->required();
    restore->footer("Example:\n  usersvc restore backups/users-2026-11-25.db");
    restore->callback([&g, restoreFile] {
        refuseOnPostgres(g);
        auto lock = ServeLock::exclusive(g.dataDir);
        Core core(g.coreSettings());
        auto report = core.backups().restore(*restoreFile);
        if (g.json)
            printJson({{"users", report.users}, {"mediaFiles", report.mediaFiles}});
        else if (!g.quiet)
            std::cout << "restored " << report.users << " users and " << report.mediaFiles << " images\n";
    });
}

} // namespace usersvc::cli
