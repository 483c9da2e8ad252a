// `usersvc completion bash|zsh|fish`: completion scripts generated from the
// CLI11 definitions themselves, so they never drift from the real options.
#include "commands.hpp"

#include <iostream>
#include <memory>
#include <sstream>

namespace usersvc::cli {

namespace {
std::vector<std::string> longOptions(const CLI::App& app) {
    std::vector<std::string> out;
    for (const CLI::Option* opt : app.get_options())
        for (const auto& name : opt->get_lnames())
            out.push_back("--" + name);
    return out;
}

std::string join(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words)
        out += (out.empty() ? "" : " ") + w;
    return out;
}

std::string bashScript(const CLI::App& app) {
    std::ostringstream s;
    auto globals = join(longOptions(app));
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands({}))
        names.push_back(sub->get_name());
    s << "# bash completion for usersvc (usersvc completion bash)\n"
      << "_usersvc() {\n"
      << "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" sub=\"\" w\n"
      << "  for w in \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"; do\n"
      << "    case \"$w\" in " <<
        [&] {
            std::string alt;
            for (const auto& n : names)
                alt += (alt.empty() ? "" : "|") + n;
            return alt;
        }()
      << ") sub=\"$w\"; break;; esac\n"
      << "  done\n"
      << "  local words\n"
      << "  case \"$sub\" in\n"
      << "    \"\") words=\"" << join(names) << " " << globals << "\";;\n";
    for (const CLI::App* sub : app.get_subcommands({}))
        s << "    " << sub->get_name() << ") words=\"" << join(longOptions(*sub)) << " " << globals << "\";;\n";
    s << "  esac\n"
      << "  COMPREPLY=( $(compgen -W \"$words\" -- \"$cur\") )\n"
      << "}\n"
      << "complete -o default -F _usersvc usersvc\n";
    return s.str();
}

std::string fishScript(const CLI::App& app) {
    std::ostringstream s;
    s << "# fish completion for usersvc (usersvc completion fish)\n";
    for (const CLI::App* sub : app.get_subcommands({}))
        s << "complete -c usersvc -f -n __fish_use_subcommand -a " << sub->get_name() << " -d '"
          << sub->get_description() << "'\n";
    for (const auto& opt : longOptions(app))
        s << "complete -c usersvc -l " << opt.substr(2) << '\n';
    for (const CLI::App* sub : app.get_subcommands({}))
        for (const auto& opt : longOptions(*sub))
            s << "complete -c usersvc -n '__fish_seen_subcommand_from " << sub->get_name() << "' -l " << opt.substr(2)
              << '\n';
    return s.str();
}
} // namespace

void addCompletionCommand(CLI::App& app) {
    auto shell = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("completion", "Print a shell completion script");
    cmd->add_option("SHELL", *shell, "bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
    cmd->footer("Examples:\n  source <(usersvc completion bash)\n  usersvc completion fish > "
                "~/.config/fish/completions/usersvc.fish\n"
                "  usersvc completion zsh > \"${fpath[1]}/_usersvc\"");
    cmd->callback([&app, shell] {
        if (*shell == "fish")
            std::cout << fishScript(app);
        else if (*shell == "zsh")
            // zsh runs the bash function through its bashcompinit layer.
            std::cout << "#compdef usersvc\nautoload -U +X bashcompinit && bashcompinit\n" << bashScript(app);
        else
            std::cout << bashScript(app);
    });
}

} // namespace usersvc::cli
