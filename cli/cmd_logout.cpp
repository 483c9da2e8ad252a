#include "commands.hpp"
#include "output.hpp"

#include <iostream>
#include <memory>

namespace usersvc::cli {

void addLogoutCommand(CLI::App& app, GlobalOptions& g) {
    struct Args {
        std::string refreshToken, accessToken, user, session;
        bool all = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd =
        app.add_subcommand("logout", "Revoke one session (by either token, or its id), or every session of a user");
    auto* refresh = cmd->add_option("--refresh-token", args->refreshToken, "Revoke the session of this refresh token");
    auto* access = cmd->add_option("--access-token", args->accessToken, "Revoke the session of this access token");
    auto* user = cmd->add_option("--user", args->user, "Username, email or _id (with --all)");
    auto* all = cmd->add_flag("--all", args->all, "With --user: revoke every session of that user");
    auto* session =
        cmd->add_option("--session", args->session, "Revoke the session of this id (as `usersvc sessions` lists it)");
    refresh->excludes(access)->excludes(user)->excludes(session);
    access->excludes(user)->excludes(session);
    user->excludes(session);
    all->needs(user);
    cmd->footer("Examples:\n  usersvc logout --access-token \"$TOKEN\"\n  usersvc logout --user john_doe --all\n"
                "  usersvc logout --session \"$(usersvc sessions john_doe --json | jq -r '.sessionId' | head -1)\"");
    cmd->callback([&g, args] {
        if (!args->user.empty() && !args->all)
            throw Error(Code::Invalid, "--user needs --all (or name one session with --refresh-token/--access-token)");
        if (args->refreshToken.empty() && args->accessToken.empty() && args->user.empty() && args->session.empty())
            throw Error(Code::Invalid, "give --refresh-token, --access-token, --session ID or --user U --all");
        Core core(g.coreSettings());
        int revoked = 1;
        if (!args->refreshToken.empty())
            core.sessions().logoutByRefreshToken(args->refreshToken);
        else if (!args->accessToken.empty())
            core.sessions().logoutByAccessToken(args->accessToken);
        else if (!args->session.empty())
            core.sessions().logoutSession(args->session);
        else
            revoked = core.sessions().logoutEverywhere(core.accounts().findUser(args->user).id);
        if (g.json)
            printJson({{"revoked", revoked}});
        else if (g.quiet)
            std::cout << revoked << '\n';
        else
            std::cout << "revoked " << revoked << (revoked == 1 ? " session" : " sessions") << '\n';
    });
}

} // namespace usersvc::cli
