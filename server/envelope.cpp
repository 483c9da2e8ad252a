#include "envelope.hpp"

#include "connection.hpp"

#include "domain/user_json.hpp"
#include "log.hpp"
#include "router.hpp"

namespace usersvc::http {

int statusFor(Code code) {
    switch (code) {
    case Code::Invalid: return 400;
    case Code::Unauthenticated: return 401;
    case Code::Forbidden: return 403;
    case Code::NotFound: return 404;
    case Code::Conflict: return 409;
    case Code::TooLarge: return 413;
    case Code::UnsupportedMedia: return 415;
    case Code::RateLimited: return 429;
    case Code::Unavailable: return 503;
    case Code::Internal: return 500;
    }
    return 500;
}

const char* reasonPhrase(int status) {
    switch (status) {
    case 400: return "Bad request";
    case 401: return "Not authenticated";
    case 403: return "Forbidden";
    case 404: return "Not found";
    case 405: return "Method not allowed";
    case 408: return "Request timeout";
    case 409: return "Conflict";
    case 413: return "Request too large";
    case 414: return "URI too long";
    case 415: return "Unsupported media type";
    case 416: return "Range not satisfiable";
    case 429: return "Too many requests";
    case 503: return "Service unavailable";
    default: return status >= 500 ? "Internal server error" : "Request failed";
    }
}

namespace {
void sendJson(httplib::Response& res, int status, const nlohmann::ordered_json& body) {
    res.status = status;
    // Replace, so an error after a partial success never sends two bodies' headers.
    res.set_content(
        body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json; charset=utf-8");
}
} // namespace

namespace {
// The envelope is built member by member (see userJson for why).
nlohmann::ordered_json envelope(int status, nlohmann::ordered_json data, const std::string& message, bool success) {
    auto body = objectWithRoom(5);
    body["statusCode"] = status;
    body["data"] = std::move(data);
    body["message"] = message;
    body["success"] = success;
    return body;
}
} // namespace

void sendData(httplib::Response& res, int status, const std::string& message, nlohmann::ordered_json data) {
    sendJson(res, status, envelope(status, std::move(data), message, true));
}

void sendError(httplib::Response& res, int status, const std::string& message, const std::vector<FieldError>& fields) {
    auto errors = nlohmann::ordered_json::array();
    for (const auto& f : fields)
        errors.push_back({{"field", f.field}, {"message", f.message}});
    auto body = envelope(status, nullptr, message, false);
    body["errors"] = std::move(errors);
    sendJson(res, status, body);
}

void sendErrorAndClose(httplib::Response& res, int status, const std::string& message) {
    sendError(res, status, message);
    closeConnectionAfterResponse(res);
}

void sendError(httplib::Response& res, const Error& error) {
    int status = statusFor(error.code);
    if (status == 503) {
        // Unavailable says what is busy and is worth retrying soon.
        res.set_header("Retry-After", "1");
        sendError(res, status, error.what());
        return;
    }
    if (status >= 500) {
        sendError(res, status, reasonPhrase(status));
        return;
    }
    sendError(res, status, error.what(), error.fields);
}

void installErrorEnvelopes(httplib::Server& server) {
    // Responses cpp-httplib makes itself (bad request line, 413 by Content-Length,
    // 414, unknown method) get the JSON envelope too, and close their
    // connection: cpp-httplib stopped reading that request wherever it was, so
    // the bytes after that point are not a request (connection.hpp).
    server.set_error_handler(
        httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty() || res.content_provider_) return httplib::Server::HandlerResponse::Unhandled;
            int status = res.status;
            if (status == 400 && (req.method == "CONNECT" || req.method == "TRACE")) status = 405;
            sendErrorAndClose(res, status, reasonPhrase(status));
            return httplib::Server::HandlerResponse::Handled;
        }));
    // An exception that escaped the router: logged with the request id, 500 without internals.
    server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
            if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        logEvent("error", requestIdOf(res), "unhandled: " + what);
        sendError(res, 500, reasonPhrase(500));
    });
}

} // namespace usersvc::http
