#include "commands.hpp"
#include "domain/clock.hpp"
#include "domain/user_json.hpp"
#include "output.hpp"
#include "storage/store.hpp"

#include <cstdio>
#include <iostream>
#include <memory>

namespace usersvc::cli {

namespace {
// Fixed widths: the table streams, so it cannot measure its rows first.
void printRow(const std::string& id, const std::string& username, const std::string& email, const std::string& fullName,
    const std::string& createdAt, const std::string& sessions) {
    std::printf("%-24s  %-20s  %-32s  %-24s  %-24s  %s\n", id.c_str(), username.c_str(), email.c_str(),
        fullName.c_str(), createdAt.c_str(), sessions.c_str());
}
} // namespace

void addListUsersCommand(CLI::App& app, GlobalOptions& g) {
    auto query = std::make_shared<UserQuery>();
    auto* cmd = app.add_subcommand("list-users", "List users in _id order (streams)");
    cmd->add_option("--search", query->search, "Only users whose username, email or fullName contains TEXT");
    cmd->add_option("--limit", query->limit, "At most N users")->check(CLI::NonNegativeNumber);
    cmd->add_option("--after", query->afterId, "Only users after this _id (for paging)");
    cmd->footer("Examples:\n  usersvc list-users --search john\n  usersvc list-users --json | jq -r .username");
    cmd->callback([&g, query] {
        Core core(g.coreSettings());
        std::string base = g.mediaBaseUrl();
        if (!g.json && !g.quiet) printRow("_id", "username", "email", "fullName", "createdAt", "sessions");
        core.accounts().listUsers(*query, [&](const UserListing& row) {
            if (g.json) {
                printJson(userListingJson(row, base));
            } else if (g.quiet) {
                std::printf("%s\n", row.user.id.c_str());
            } else {
                printRow(row.user.id, row.user.username, row.user.email, row.user.fullName,
                    isoTimestamp(row.user.createdAtMs), std::to_string(row.openSessions));
            }
            return !std::ferror(stdout);
        });
        std::fflush(stdout);
    });
}

} // namespace usersvc::cli
