#include "commands.hpp"
#include "domain/user_json.hpp"
#include "output.hpp"

#include <iostream>
#include <memory>

namespace usersvc::cli {

void addLoginCommand(CLI::App& app, GlobalOptions& g) {
    struct Args {
        std::string identifier, username, email;
        PasswordOptions password;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("login", "Check credentials and open a session, as POST /api/v1/users/login does");
    auto* id = cmd->add_option("--identifier", args->identifier, "Username or email");
    auto* user = cmd->add_option("--username", args->username, "Username");
    auto* email = cmd->add_option("--email", args->email, "Email");
    id->excludes(user)->excludes(email);
    user->excludes(email);
    addPasswordOptions(*cmd, args->password);
    cmd->footer("Example:\n  TOKEN=$(usersvc login --username john_doe --password-stdin --json < pw.txt | jq -r "
                ".AccessToken)\n  curl -H \"Authorization: Bearer $TOKEN\" "
                "http://localhost:8000/api/v1/users/getUser");
    cmd->callback([&g, args] {
        LoginInput input;
        if (!args->username.empty()) {
            input.identifierField = "username";
            input.identifier = LoginIdentifier::from(args->username);
        } else if (!args->email.empty()) {
            input.identifierField = "email";
            input.identifier = LoginIdentifier::from(args->email);
        } else if (!args->identifier.empty()) {
            input.identifier = LoginIdentifier::from(args->identifier);
        } else {
            throw Error(Code::Invalid, "give --identifier, --username or --email");
        }
        input.password = readPassword(args->password, g.quiet);
        input.client = ClientInfo{"usersvc-cli", "local"};
        Core core(g.coreSettings());
        auto session = core.sessions().login(input);
        auto json = sessionTokensJson(session.user, session.accessToken, session.refreshToken, g.mediaBaseUrl());
        if (g.json) {
            printJson(json);
        } else if (g.quiet) {
            std::cout << session.accessToken << '\n';
        } else {
            printFields(json["user"]);
            printFields({{"AccessToken", session.accessToken}, {"RefreshToken", session.refreshToken}});
        }
    });
}

} // namespace usersvc::cli
