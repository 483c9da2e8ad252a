#include "framing.hpp"

#include "domain/validation.hpp"

#include <algorithm>

namespace usersvc::http {

namespace {
bool allDigits(const std::string& s) {
    return !s.empty() && s.size() <= 19 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The methods whose body cpp-httplib reads; any other body would be parsed as
// the next request on the connection.
bool methodReadsBody(const std::string& method) {
    return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}
} // namespace

std::optional<std::string> framingProblem(const httplib::Request& req) {
    std::size_t lengths = req.get_header_value_count("Content-Length");
    std::size_t encodings = req.get_header_value_count("Transfer-Encoding");
    if (lengths > 1) return "More than one Content-Length header";
    if (lengths == 1 && !allDigits(req.get_header_value("Content-Length"))) return "Content-Length is not a number";
    if (encodings > 1) return "More than one Transfer-Encoding header";
    if (encodings == 1 && toLower(req.get_header_value("Transfer-Encoding")) != "chunked")
        return "Transfer-Encoding other than chunked is not supported";
    if (encodings == 1 && lengths == 1) return "Transfer-Encoding and Content-Length together";
    return std::nullopt;
}

bool bodyLeftUnread(const httplib::Request& req) {
    bool hasBody = req.has_header("Transfer-Encoding") ||
                   req.get_header_value("Content-Length").find_first_not_of('0') != std::string::npos;
    return hasBody && !methodReadsBody(req.method);
}

void normalizeMediaType(httplib::Request& req) {
    auto it = req.headers.find("Content-Type");
    if (it == req.headers.end()) return;
    std::string& value = it->second;
    std::size_t end = std::min(value.find(';'), value.size());
    std::transform(value.begin(), value.begin() + static_cast<std::ptrdiff_t>(end), value.begin(),
        [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
}

} // namespace usersvc::http
