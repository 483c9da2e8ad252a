#pragma once
// cpp-httplib hands each accepted connection to a TaskQueue and a worker keeps
// it for the connection's whole life (keep-alive included). A fixed pool lets
// a few slow or idle clients (slow-loris, browsers holding keep-alive) starve
// everyone else. This pool keeps `minThreads` workers and grows up to
// `maxThreads` when all are busy, which is also the cap on connections served
// at once; beyond it connections wait in the queue until a worker frees up
// (read and keep-alive timeouts bound how long that is).
#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace usersvc::http {

class WorkerPool final : public httplib::TaskQueue {
public:
    // Starts one worker thread running `body`; std::thread unless a test needs
    // the system to refuse (a thread limit cannot be imposed on root).
    using ThreadStarter = std::function<std::thread(std::function<void()> body)>;

    // Throws Error{Unavailable} when the first `minThreads` cannot be started.
    WorkerPool(unsigned minThreads, unsigned maxThreads, ThreadStarter start = {});
    ~WorkerPool() override;

    void enqueue(std::function<void()> job) override;
    // Finishes queued jobs, then joins every worker.
    void shutdown() override;

    unsigned threads();
    // True while accepted connections wait for a worker; lock-free, for the
    // connections' wait loops (connection.hpp).
    bool backlogged() const { return waiting_.load(std::memory_order_relaxed) > 0; }

private:
    void work();
    // Adds a worker; false when the system refuses a thread (the job then waits
    // for a worker that is already running; growth is tried again next time).
    bool addWorkerLocked();

    unsigned minThreads_, maxThreads_;
    ThreadStarter start_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> jobs_;
    std::atomic<std::size_t> waiting_{0}; // jobs_.size(), readable without the lock
    std::vector<std::thread> workers_;
    unsigned idle_ = 0;
    bool stopping_ = false;
    bool refusalLogged_ = false;
};

} // namespace usersvc::http
