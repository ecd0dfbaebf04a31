#include "cpu/thread_pool.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace qrt::cpu {
namespace {

int hardware_threads() {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

// A fixed set of workers that wait for a "generation" of work: chunk i + 1 of the current job goes to
// worker i, chunk 0 to the caller.
class Pool {
public:
    explicit Pool(int threads) {
        for (int i = 0; i + 1 < threads; ++i) workers_.emplace_back([this, i] { work(i); });
    }

    ~Pool() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        for (std::thread& worker : workers_) worker.join();
    }

    int threads() const { return static_cast<int>(workers_.size()) + 1; }

    // Runs `chunks` chunks (chunks <= threads()).
    void run(int chunks, const std::function<void(int)>& chunk_body) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            job_ = &chunk_body;
            job_chunks_ = chunks;
            pending_ = chunks - 1;
            error_ = nullptr;
            ++generation_;
        }
        wake_.notify_all();
        run_chunk(0);
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [this] { return pending_ == 0; });
        job_ = nullptr;
        if (error_) std::rethrow_exception(error_);
    }

private:
    void work(int index) {
        uint64_t seen = 0;
        for (;;) {
            int chunk;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
                if (stopping_) return;
                seen = generation_;
                chunk = index + 1;
                if (chunk >= job_chunks_) continue;
            }
            run_chunk(chunk);
            std::lock_guard<std::mutex> lock(mutex_);
            if (--pending_ == 0) done_.notify_one();
        }
    }

    void run_chunk(int chunk) {
        try {
            (*job_)(chunk);
        } catch (...) {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!error_) error_ = std::current_exception();
        }
    }

    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable done_;
    const std::function<void(int)>* job_ = nullptr;
    int job_chunks_ = 0;
    int pending_ = 0;
    uint64_t generation_ = 0;
    bool stopping_ = false;
    std::exception_ptr error_;
};

// One caller at a time owns the pool; others (and nested calls) run inline.
std::mutex pool_owner;
std::unique_ptr<Pool> pool;
int configured_threads = 0;  // 0: not yet created
thread_local bool inside_parallel_for = false;

Pool& pool_locked() {
    if (!pool) pool = std::make_unique<Pool>(configured_threads > 0 ? configured_threads : hardware_threads());
    return *pool;
}

}  // namespace

int thread_count() {
    std::lock_guard<std::mutex> lock(pool_owner);
    return pool_locked().threads();
}

void set_thread_count(int count) {
    std::lock_guard<std::mutex> lock(pool_owner);
    const int threads = count > 0 ? count : hardware_threads();
    if (pool && pool->threads() == threads) return;
    pool.reset();
    configured_threads = threads;
    pool = std::make_unique<Pool>(threads);
}

void parallel_for(int64_t count, int64_t grain, const std::function<void(int64_t, int64_t)>& body) {
    if (count <= 0) return;
    grain = std::max<int64_t>(grain, 1);
    const int64_t max_chunks = (count + grain - 1) / grain;

    std::unique_lock<std::mutex> owner(pool_owner, std::defer_lock);
    if (max_chunks <= 1 || inside_parallel_for || !owner.try_lock()) {
        body(0, count);
        return;
    }
    Pool& workers = pool_locked();
    const int chunks = static_cast<int>(std::min<int64_t>(max_chunks, workers.threads()));
    if (chunks <= 1) {
        owner.unlock();
        body(0, count);
        return;
    }
    // Chunk c covers [c * count / chunks, (c + 1) * count / chunks): lengths differ by at most one.
    const std::function<void(int)> chunk_body = [&](int chunk) {
        const int64_t begin = count * chunk / chunks;
        const int64_t end = count * (chunk + 1) / chunks;
        inside_parallel_for = true;
        try {
            body(begin, end);
        } catch (...) {
            inside_parallel_for = false;
            throw;
        }
        inside_parallel_for = false;
    };
    workers.run(chunks, chunk_body);
}

}  // namespace qrt::cpu
