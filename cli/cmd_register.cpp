#include "commands.hpp"
#include "domain/user_json.hpp"
#include "output.hpp"

#include <iostream>
#include <memory>

namespace usersvc::cli {

void addRegisterCommand(CLI::App& app, GlobalOptions& g) {
    struct Args {
        std::string username, email, fullName, avatar, cover;
        PasswordOptions password;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("register", "Create a user, exactly as POST /api/v1/users/register does");
    cmd->add_option("--username", args->username, "3-30 of a-z 0-9 _ . -")->required();
    cmd->add_option("--email", args->email, "Email address")->required();
    cmd->add_option("--full-name", args->fullName, "Display name");
    cmd->add_option("--avatar", args->avatar, "Avatar image file (PNG, JPEG, GIF, WebP)");
    cmd->add_option("--cover", args->cover, "Cover image file");
    addPasswordOptions(*cmd, args->password);
    cmd->footer("Example:\n  echo 'correct horse battery' | usersvc register --username john_doe "
                "--email john@email.com --avatar avatar.png --password-stdin");
    cmd->callback([&g, args] {
        Core core(g.coreSettings());
        RegistrationInput input;
        input.username = args->username;
        input.email = args->email;
        input.fullName = args->fullName;
        input.password = readPassword(args->password, g.quiet);
        if (!args->avatar.empty()) input.avatar = core.media().stageFile("Avatar", args->avatar);
        if (!args->cover.empty()) input.coverImage = core.media().stageFile("CoverImg", args->cover);
        User user = core.accounts().registerUser(input);
        printRecord(userJson(user, g.mediaBaseUrl()), user.id, g.json, g.quiet);
    });
}

} // namespace usersvc::cli
