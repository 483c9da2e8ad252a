#include "worker_pool.hpp"

#include "domain/error.hpp"
#include "log.hpp"

#include <system_error>

namespace usersvc::http {

WorkerPool::WorkerPool(unsigned minThreads, unsigned maxThreads, ThreadStarter start)
    : minThreads_(std::max(1u, minThreads)), maxThreads_(std::max(minThreads_, maxThreads)),
      start_(start ? std::move(start) : [](std::function<void()> body) { return std::thread(std::move(body)); }) {
    std::unique_lock lock(mutex_);
    for (unsigned i = 0; i < minThreads_; ++i) {
        if (addWorkerLocked()) continue;
        lock.unlock();
        shutdown();
        throw Error(Code::Unavailable, "cannot start " + std::to_string(minThreads_) +
                                           " worker threads (the system refused one); lower --threads");
    }
}

bool WorkerPool::addWorkerLocked() {
    try {
        workers_.push_back(start_([this] { work(); }));
        return true;
    } catch (const std::system_error&) {
        if (!refusalLogged_)
            logEvent("warn", "",
                "the system refused a worker thread at " + std::to_string(workers_.size()) +
                    "; connections beyond that wait for a free worker");
        refusalLogged_ = true;
        return false;
    }
}

WorkerPool::~WorkerPool() {
    shutdown();
}

void WorkerPool::enqueue(std::function<void()> job) {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
    waiting_ = jobs_.size();
    // Every worker busy: grow rather than make this connection wait behind them.
    if (idle_ < jobs_.size() && workers_.size() < maxThreads_) addWorkerLocked();
    ready_.notify_one();
}

void WorkerPool::shutdown() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    ready_.notify_all();
    // No new workers are added once stopping_ is set, so the vector is stable.
    for (auto& t : workers_)
        if (t.joinable()) t.join();
}

unsigned WorkerPool::threads() {
    std::lock_guard lock(mutex_);
    return static_cast<unsigned>(workers_.size());
}

void WorkerPool::work() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            ++idle_;
            ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            --idle_;
            if (jobs_.empty()) return; // stopping, nothing left
            job = std::move(jobs_.front());
            jobs_.pop_front();
            waiting_ = jobs_.size();
        }
        job();
    }
}

} // namespace usersvc::http
