#pragma once
// One request's own state, from the start of its request line (the connection
// loop begins it) to the access log.
// cpp-httplib 0.11 hands its logger only the request and the response, and runs
// every step of one request on one worker thread, so the state lives in one
// thread_local reached here; the router hands it to handlers in the Exchange.
#include <chrono>
#include <string>

namespace usersvc::http {

struct RequestState {
    std::chrono::steady_clock::time_point start;
    std::string matchedRoute = "unmatched"; // the route's pattern, for logs and metrics
    std::string clientAddress;              // the peer, or the client behind a trusted proxy
    std::string userId;                     // the signed-in caller, once authenticated
};

// Resets this thread's state for a request that starts now.
RequestState& beginRequest();
// This thread's current request.
RequestState& currentRequest();

} // namespace usersvc::http
