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

// One record in the form asked for: --json as one JSON line, -q as
// `quietLine` alone (the record's id), else printFields.
void printRecord(const nlohmann::ordered_json& object, const std::string& quietLine, bool json, bool quiet);

} // namespace usersvc::cli
