#include "request_state.hpp"

namespace usersvc::http {

namespace {
thread_local RequestState tRequest;
}

RequestState& beginRequest() {
    tRequest = RequestState{};
    tRequest.start = std::chrono::steady_clock::now();
    return tRequest;
}

RequestState& currentRequest() {
    return tRequest;
}

} // namespace usersvc::http
