#include "log.hpp"

#include "domain/clock.hpp"
#include "domain/validation.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdio>
#include <mutex>

namespace usersvc::http {

namespace {
std::atomic<LogFormat> gFormat{LogFormat::Text};
std::mutex gMutex;

// One line per event: in the text format, control characters a client sent
// (a decoded %0d%0a in a path) are escaped; JSON escapes them itself.
void emit(const std::string& line) {
    std::string text = gFormat == LogFormat::Text ? escapeControlCharacters(line) : line;
    std::lock_guard lock(gMutex);
    std::fputs(text.c_str(), stderr);
    std::fputc('\n', stderr);
}
} // namespace

void setLogFormat(LogFormat format) {
    gFormat = format;
}

void logEvent(const std::string& level, const std::string& requestId, const std::string& message) {
    if (gFormat == LogFormat::Json) {
        nlohmann::ordered_json j = {
            {"time", isoTimestamp(nowMs())}, {"level", level}, {"requestId", requestId}, {"message", message}};
        emit(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
        emit(isoTimestamp(nowMs()) + " " + level + (requestId.empty() ? "" : " [" + requestId + "]") + " " + message);
    }
}

void logAccess(const std::string& method, const std::string& path, int status, double millis, std::size_t bytes,
    const std::string& requestId) {
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.1f", millis);
    if (gFormat == LogFormat::Json) {
        nlohmann::ordered_json j = {{"time", isoTimestamp(nowMs())}, {"level", "info"}, {"method", method},
            {"path", path}, {"status", status}, {"ms", millis}, {"bytes", bytes}, {"requestId", requestId}};
        emit(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
        emit(isoTimestamp(nowMs()) + " " + method + " " + path + " " + std::to_string(status) + " " + duration + "ms " +
             std::to_string(bytes) + "B [" + requestId + "]");
    }
}

} // namespace usersvc::http
