// Operator subcommands over one user: passwd, delete-user, sessions, show-user.
// USER is a username, email or _id everywhere.
#include "commands.hpp"
#include "domain/user_json.hpp"
#include "output.hpp"

#include <unistd.h>

#include <iostream>
#include <memory>
#include <optional>

namespace usersvc::cli {

namespace {
// On a terminal, asks; elsewhere refuses, so a script never deletes by accident.
bool confirmed(const std::string& question) {
    if (!::isatty(STDIN_FILENO))
        throw Error(Code::Invalid, "refusing to delete without confirmation: add --yes when not on a terminal");
    std::cerr << question << " [y/N] " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    return answer == "y" || answer == "Y" || answer == "yes";
}
} // namespace

void addPasswdCommand(CLI::App& app, GlobalOptions& g) {
    struct Args {
        std::string user;
        PasswordOptions password;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("passwd", "Set a user's password and revoke every session of that user");
    cmd->add_option("USER", args->user, "Username, email or _id")->required();
    addPasswordOptions(*cmd, args->password);
    cmd->footer("Example:\n  echo 'a new long password' | usersvc passwd john_doe --password-stdin");
    cmd->callback([&g, args] {
        std::string password = readPassword(args->password, g.quiet);
        Core core(g.coreSettings());
        int revoked = core.accounts().setPassword(args->user, password);
        if (g.json)
            printJson({{"passwordChanged", true}, {"revokedSessions", revoked}});
        else if (g.quiet)
            std::cout << revoked << '\n';
        else
            std::cout << "password changed; revoked " << revoked << (revoked == 1 ? " session" : " sessions") << '\n';
    });
}

void addDeleteUserCommand(CLI::App& app, GlobalOptions& g) {
    struct Args {
        std::string user;
        bool yes = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("delete-user", "Remove a user, their sessions, subscriptions, history and "
                                                  "images nobody else uses");
    cmd->add_option("USER", args->user, "Username, email or _id")->required();
    cmd->add_flag("-y,--yes", args->yes, "Do not ask for confirmation");
    cmd->footer("Example:\n  usersvc delete-user john_doe --yes");
    cmd->callback([&g, args] {
        Core core(g.coreSettings());
        auto user = core.accounts().findUser(args->user);
        if (!args->yes && !confirmed("Delete " + user.username + " <" + user.email + "> and everything of theirs?")) {
            std::cerr << "usersvc: not deleted\n";
            return;
        }
        auto removed = core.accounts().deleteUser(user.id);
        if (g.json)
            printJson({{"deleted", userJson(removed, g.mediaBaseUrl())}});
        else if (g.quiet)
            std::cout << removed.id << '\n';
        else
            std::cout << "deleted " << removed.username << " (" << removed.id << ")\n";
    });
}

void addSessionsCommand(CLI::App& app, GlobalOptions& g) {
    auto user = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("sessions",
        "List a user's open sessions (revoke one with logout --session ID, all with logout --user U --all)");
    cmd->add_option("USER", *user, "Username, email or _id")->required();
    cmd->footer("Example:\n  usersvc sessions john_doe --json");
    cmd->callback([&g, user] {
        Core core(g.coreSettings());
        auto sessions = core.sessions().sessionsOf(core.accounts().findUser(*user).id);
        for (const auto& s : sessions) {
            printRecord(sessionRecordJson(s), s.id, g.json, g.quiet);
            if (!g.json && !g.quiet) std::cout << '\n'; // a blank line between sessions
        }
        if (!g.json && !g.quiet && sessions.empty()) std::cerr << "no open sessions\n";
    });
}

void addShowUserCommand(CLI::App& app, GlobalOptions& g) {
    auto user = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("show-user", "Show one user with counts");
    cmd->add_option("USER", *user, "Username, email or _id")->required();
    cmd->footer("Example:\n  usersvc show-user john@email.com --json");
    cmd->callback([&g, user] {
        Core core(g.coreSettings());
        auto view = core.accounts().overview(*user, OverviewDetail::Counts);
        printRecord(userWithCountsJson(view.user, view.counts, g.mediaBaseUrl()), view.user.id, g.json, g.quiet);
    });
}

void addUpdateUserCommand(CLI::App& app, GlobalOptions& g) {
    struct Args {
        std::string user;
        std::optional<std::string> username, email, fullName;
        std::string avatar, cover;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("update-user", "Change a user's username, e-mail, name or images");
    cmd->add_option("USER", args->user, "Username, email or _id")->required();
    cmd->add_option("--username", args->username, "New username");
    cmd->add_option("--email", args->email, "New e-mail");
    cmd->add_option("--full-name", args->fullName, "New full name");
    cmd->add_option("--avatar", args->avatar, "Replace the avatar with this image file");
    cmd->add_option("--cover", args->cover, "Replace the cover image with this image file");
    cmd->footer("Example:\n  usersvc update-user john_doe --full-name 'John Q. Doe' --avatar me.png");
    cmd->callback([&g, args] {
        if (!args->username && !args->email && !args->fullName && args->avatar.empty() && args->cover.empty())
            throw Error(Code::Invalid, "give at least one of --username, --email, --full-name, --avatar, --cover");
        Core core(g.coreSettings());
        auto& accounts = core.accounts();
        User user = accounts.findUser(args->user);
        if (args->username || args->email || args->fullName)
            user = accounts.updateProfile(user.id, {args->username, args->email, args->fullName});
        if (!args->avatar.empty())
            user = accounts.updateImage(user.id, ImageSlot::Avatar, core.media().stageFile("Avatar", args->avatar));
        if (!args->cover.empty())
            user =
                accounts.updateImage(user.id, ImageSlot::CoverImage, core.media().stageFile("CoverImg", args->cover));
        printRecord(userJson(user, g.mediaBaseUrl()), user.id, g.json, g.quiet);
    });
}

void addTokenCommand(CLI::App& app, GlobalOptions& g) {
    auto user = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("token",
        "Open a session for a user without their password and print its access token (to try the API as them)");
    cmd->add_option("USER", *user, "Username, email or _id")->required();
    cmd->footer("Example:\n  curl -H \"Authorization: Bearer $(usersvc token john_doe -q)\" "
                "localhost:8000/api/v1/users/getUser");
    cmd->callback([&g, user] {
        Core core(g.coreSettings());
        auto session = core.sessions().openSessionAsOperator(core.accounts().findUser(*user), {"usersvc token", "cli"});
        if (g.json)
            printJson({{"user", userJson(session.user, g.mediaBaseUrl())}, {"sessionId", session.sessionId},
                {"accessToken", session.accessToken}, {"expiresIn", session.accessTtlSeconds}});
        else
            std::cout << session.accessToken << '\n';
        if (!g.quiet && !g.json)
            std::cerr << "a session for " << session.user.username << " (revoke: usersvc logout --session "
                      << session.sessionId << ")\n";
    });
}

} // namespace usersvc::cli
