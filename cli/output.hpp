#pragma once
// How results leave the CLI: human text, --json, or --quiet; and the one
// mapping from usersvc::Code to exit codes (CLI.md).
#include "domain/error.hpp"
#include "domain/user.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace usersvc::cli {

int exitCodeFor(Code code);

// One line on stderr: "usersvc: <message>[: field: message; ...]".
void printError(const std::string& message, const std::vector<FieldError>& fields = {});

void printJson(const nlohmann::ordered_json& doc);

// "key   value" lines, keys padded to one column.
void printFields(const nlohmann::ordered_json& object);

} // namespace usersvc::cli
