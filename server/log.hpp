#pragma once
// Server log lines on stderr, text or JSON (--log-format). Callers pass no
// secrets: no passwords, tokens, hashes or cookies ever reach these functions.
#include <string>

namespace usersvc::http {

enum class LogFormat { Text, Json };

void setLogFormat(LogFormat format);
void logEvent(const std::string& level, const std::string& requestId, const std::string& message);
void logAccess(const std::string& method, const std::string& path, int status, double millis, std::size_t bytes,
    const std::string& requestId);

} // namespace usersvc::http
