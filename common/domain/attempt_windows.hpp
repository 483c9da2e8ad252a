#pragma once
// Where the login limiter (server/login_limiter.hpp) counts attempts: windows
// of failed attempts by key ("i:" identifier, "a:" client address, "c:"
// conflicts by address), each open for a fixed time from its first attempt.
// In memory for one process; in the database when several instances share it
// (PgStore), so that 10 failures spread over two instances trip the limit.
#include <cstdint>
#include <string>
#include <vector>

namespace usersvc {

struct AttemptWindow {
    std::string key;
    int failures = 0;
    std::int64_t startMs = 0;
};

struct AttemptLimit {
    std::string key;
    int limit = 0; // attempts a window allows
};

class AttemptWindows {
public:
    virtual ~AttemptWindows() = default;
    // Seconds until every key is under its limit (0: it may try now).
    virtual std::int64_t wait(const std::vector<AttemptLimit>& keys, std::int64_t nowMs, std::int64_t windowMs) = 0;
    // In one step with the check: when a key is at its limit, the seconds to
    // wait, and nothing is counted; else one attempt is counted on every key
    // (a window past its end starts again) and the answer is 0.
    virtual std::int64_t reserve(const std::vector<AttemptLimit>& keys, std::int64_t nowMs, std::int64_t windowMs) = 0;
    // One attempt fewer on `key` (an attempt that did not fail).
    virtual void takeBack(const std::string& key) = 0;
    // Forgets `key` (a success clears its identifier).
    virtual void clear(const std::string& key) = 0;
    // Forgets the windows that began at or before `startMs` (they are over).
    virtual void forgetStartedBefore(std::int64_t startMs) = 0;
    virtual std::size_t trackedKeys() = 0;
    // The windows still open at `nowMs` with at least `minFailures`, newest
    // first, at most `max` of them (the console's lockout list).
    virtual std::vector<AttemptWindow> openWindows(
        std::int64_t nowMs, std::int64_t windowMs, int minFailures, std::size_t max) = 0;
};

} // namespace usersvc
