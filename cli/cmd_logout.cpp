#include "commands.hpp"
#include "output.hpp"

#include <iostream>
#include <memory>

namespace usersvc::cli {

void addLogoutCommand(CLI::App& app, GlobalOptions& g) {
    struct Args {
        std::string refreshToken, accessToken, user;
        bool all = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("logout", "Revoke one session by either token, or every session of a user");
    auto* refresh = cmd->add_option("--refresh-token", args->refreshToken, "Revoke the session of this refresh token");
    auto* access = cmd->add_option("--access-token", args->accessToken, "Revoke the session of this access token");
    auto* user = cmd->add_option("--user", args->user, "Username, email or _id (with --all)");
    auto* all = cmd->add_flag("--all", args->all, "With --user: revoke every session of that user");
    refresh->excludes(access)->excludes(user);
    access->excludes(user);
    all->needs(user);
    cmd->footer("Examples:\n  usersvc logout --access-token \"$TOKEN\"\n  usersvc logout --user john_doe --all");
    cmd->callback([&g, args] {
        if (!args->user.empty() && !args->all)
            throw Error(Code::Invalid, "--user needs --all (or name one session with --refresh-token/--access-token)");
        if (args->refreshToken.empty() && args->accessToken.empty() && args->user.empty())
            throw Error(Code::Invalid, "give --refresh-token, --access-token or --user U --all");
        Core core(g.coreSettings());
        int revoked = 1;
        if (!args->refreshToken.empty())
            core.accounts().logoutByRefreshToken(args->refreshToken);
        else if (!args->accessToken.empty())
            core.accounts().logoutByAccessToken(args->accessToken);
        else
            revoked = core.accounts().logoutEverywhere(args->user);
        if (g.json)
            printJson({{"revoked", revoked}});
        else if (g.quiet)
            std::cout << revoked << '\n';
        else
            std::cout << "revoked " << revoked << (revoked == 1 ? " session" : " sessions") << '\n';
    });
}

} // namespace usersvc::cli
