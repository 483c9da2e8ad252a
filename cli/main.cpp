// usersvc: one binary, two faces (CLI.md). main wires CLI11, reads .env, runs
// the chosen subcommand and turns a usersvc::Error into its exit code.
#include "commands.hpp"
#include "env_file.hpp"
#include "output.hpp"

#include <CLI/CLI.hpp>

#include <cstring>
#include <iostream>

#ifndef USERSVC_VERSION
#define USERSVC_VERSION "0.0.0"
#endif

namespace {
// --env-file must be known before CLI11 parses, because .env feeds the env twins.
std::string envFileFromArgs(int argc, char** argv, bool* explicitFile) {
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--env-file" && i + 1 < argc) {
            *explicitFile = true;
            return argv[i + 1];
        }
        if (arg.rfind("--env-file=", 0) == 0) {
            *explicitFile = true;
            return arg.substr(11);
        }
    }
    *explicitFile = false;
    return ".env";
}
} // namespace

int main(int argc, char** argv) {
    using namespace usersvc;
    CLI::App app{"usersvc: user accounts over one store, as an HTTP API and from the shell"};
    app.set_version_flag("--version", std::string("usersvc ") + USERSVC_VERSION);
    app.require_subcommand(1);
    app.fallthrough();
    cli::GlobalOptions global;
    cli::addGlobalOptions(app, global);
    cli::addServeCommand(app, global);
    cli::addRegisterCommand(app, global);
    cli::addLoginCommand(app, global);
    cli::addLogoutCommand(app, global);
    cli::addListUsersCommand(app, global);
    cli::addShowUserCommand(app, global);
    cli::addUpdateUserCommand(app, global);
    cli::addTokenCommand(app, global);
    cli::addConsoleCommands(app, global);
    cli::addSessionsCommand(app, global);
    cli::addPasswdCommand(app, global);
    cli::addDeleteUserCommand(app, global);
    cli::addImportCommand(app, global);
    cli::addExportCommand(app, global);
    cli::addBackupCommands(app, global);
    cli::addCompletionCommand(app);
    app.footer("Exit codes: 0 ok, 1 failure, 2 invalid input, 3 conflict, 4 authentication failed, 5 not found.\n"
               "Every option with an env twin (USERSVC_*) also reads ./.env or --env-file.");

    try {
        bool explicitFile = false;
        std::string envFile = envFileFromArgs(argc, argv, &explicitFile);
        cli::loadEnvFile(envFile, explicitFile);
        auto ignored = cli::adoptLegacyEnvironment();
        bool quiet = false;
        for (int i = 1; i < argc; ++i)
            if (!std::strcmp(argv[i], "-q") || !std::strcmp(argv[i], "--quiet")) quiet = true;
        if (!ignored.empty() && !quiet) {
            std::string names;
            for (const auto& n : ignored)
                names += (names.empty() ? "" : ", ") + n;
            std::cerr << "notice: ignoring " << names << " (usersvc keeps users in its own store)\n";
        }
        app.parse(argc, argv);
        return 0;
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);
        cli::printError(e.what() + std::string(" (see usersvc --help)"));
        return 2;
    } catch (const Error& e) {
        cli::printError(e.what(), e.fields);
        return cli::exitCodeFor(e.code);
    } catch (const std::exception& e) {
        cli::printError(std::string("unexpected failure: ") + e.what());
        return 1;
    }
}
