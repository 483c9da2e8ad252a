#pragma once
// One function per subcommand: each adds itself to the app and runs in its
// callback. Subcommands parse options, call one service method, print.
#include "options.hpp"

#include <CLI/CLI.hpp>

namespace usersvc::cli {

void addServeCommand(CLI::App& app, GlobalOptions& g);
void addRegisterCommand(CLI::App& app, GlobalOptions& g);
void addLoginCommand(CLI::App& app, GlobalOptions& g);
void addLogoutCommand(CLI::App& app, GlobalOptions& g);
void addListUsersCommand(CLI::App& app, GlobalOptions& g);
void addPasswdCommand(CLI::App& app, GlobalOptions& g);
void addDeleteUserCommand(CLI::App& app, GlobalOptions& g);
void addSessionsCommand(CLI::App& app, GlobalOptions& g);
void addShowUserCommand(CLI::App& app, GlobalOptions& g);
void addUpdateUserCommand(CLI::App& app, GlobalOptions& g);
void addTokenCommand(CLI::App& app, GlobalOptions& g);
// activity and unlock: a running server's state, over its admin API.
void addConsoleCommands(CLI::App& app, GlobalOptions& g);
void addImportCommand(CLI::App& app, GlobalOptions& g);
void addExportCommand(CLI::App& app, GlobalOptions& g);
void addBackupCommands(CLI::App& app, GlobalOptions& g);
// Reads the other subcommands' definitions: add it last.
void addCompletionCommand(CLI::App& app);

// Shared by `import` and `serve --seed`. `mediaFrom`: ImportOptions::mediaFrom.
ImportReport runImport(Core& core, const std::string& source, OnConflict onConflict, std::size_t batchSize,
    bool showProgress, const std::string& mediaFrom = "");

} // namespace usersvc::cli
