// Running a grid: launch checks, the OS threads that take blocks, and the fiber scheduler of each.
#include "scheduler.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>
#include <thread>

#include "stats_report.h"

namespace qrt::emu {

thread_local ThreadState* running_thread = nullptr;
thread_local Scheduler* running_scheduler = nullptr;

namespace {

// A grid in which every live fiber has spun this many times (per live fiber) without anything changing is stuck.
constexpr uint64_t kSpinsPerThreadBeforeStall = 100000;

std::string triple(const uint3& v) {
    return "(" + std::to_string(v.x) + "," + std::to_string(v.y) + "," + std::to_string(v.z) + ")";
}

std::string triple(const dim3& v) {
    return "(" + std::to_string(v.x) + "," + std::to_string(v.y) + "," + std::to_string(v.z) + ")";
}

unsigned worker_count(uint64_t blocks) {
    static const unsigned configured = [] {
        const char* text = std::getenv("QRT_EMULATOR_THREADS");
        const long value = text != nullptr ? std::strtol(text, nullptr, 10) : 0;
        if (value > 0) return static_cast<unsigned>(value);
        return std::max(1u, std::thread::hardware_concurrency());
    }();
    return static_cast<unsigned>(std::min<uint64_t>(configured, blocks));
}


// What the fiber of every CUDA thread runs.
void thread_entry(void* argument) {
    fiber_started(running_scheduler->host());
    auto* thread = static_cast<ThreadState*>(argument);
    try {
        (*thread->block->launch->body)();
        for (auto& [key, slot] : thread->slots) slot->at_thread_exit();
        thread_exited(*thread);
    } catch (const FaultUnwind&) {
        // fault() has recorded the message.
    } catch (const std::exception& error) {
        record_fault(*thread->block->launch, describe(*thread) + ": the kernel threw: " + error.what());
    } catch (...) {
        record_fault(*thread->block->launch, describe(*thread) + ": the kernel threw an exception");
    }
    Scheduler* scheduler = running_scheduler;
    finish_and_switch(thread->fiber->context(), scheduler->host());
}

// The launch checks a GPU makes (cudaErrorInvalidConfiguration and friends), as a LaunchError.
void validate(const LaunchConfig& config) {
    const auto& b = config.block;
    const auto& g = config.grid;
    const uint64_t threads = static_cast<uint64_t>(b.x) * b.y * b.z;
    auto refuse = [&](const std::string& why) {
        throw LaunchError("kernel " + config.kernel + ": launch with grid " + triple(g) + " and block " + triple(b) +
                          " refused: " + why);
    };
    if (threads == 0 || g.x == 0 || g.y == 0 || g.z == 0) refuse("a dimension is zero");
    if (threads > DeviceLimits::kMaxThreadsPerBlock) refuse(std::to_string(threads) + " threads per block exceed 1024");
    if (b.x > 1024 || b.y > 1024 || b.z > 64) refuse("block dimensions exceed (1024, 1024, 64)");
    if (g.y > 65535 || g.z > 65535) refuse("grid y and z are limited to 65535");
    if (config.max_shared_bytes > DeviceLimits::kMaxSharedPerBlockOptin) {
        refuse("a block may use at most " + std::to_string(DeviceLimits::kMaxSharedPerBlockOptin) + " bytes of shared memory");
    }
    if (config.dynamic_shared_bytes > config.max_shared_bytes) {
        refuse(std::to_string(config.dynamic_shared_bytes) + " bytes of dynamic shared memory exceed the kernel's " +
               std::to_string(config.max_shared_bytes) + " (raise cudaFuncAttributeMaxDynamicSharedMemorySize)");
    }
}

// How many blocks of this launch an H100 holds at once: the co-resident limit.
uint64_t resident_capacity(const LaunchConfig& config, unsigned threads_per_block) {
    const unsigned warps = (threads_per_block + 31) / 32;
    const uint64_t by_threads = DeviceLimits::kMaxThreadsPerMultiprocessor / (warps * 32);
    const uint64_t by_blocks = DeviceLimits::kMaxBlocksPerMultiprocessor;
    // Shared memory use is known only for the dynamic part before the kernel runs; 1 KB per block is reserved.
    const uint64_t per_block = config.dynamic_shared_bytes + 1024;
    const uint64_t by_shared = DeviceLimits::kSharedPerMultiprocessor / per_block;
    return std::min({by_threads, by_blocks, by_shared}) * DeviceLimits::kMultiprocessors;
}

}  // namespace

void record_fault(LaunchState& launch, const std::string& message) {
    std::lock_guard<std::mutex> lock(launch.fault_mutex);
    if (!launch.aborted.exchange(true)) launch.fault = message;
}

std::string describe(const ThreadState& thread) {
    return "kernel " + thread.block->launch->config.kernel + ", block " + triple(thread.block->block_idx) + ", thread " +
           triple(thread.info.thread_idx);
}

Scheduler::Scheduler(LaunchState& launch) : launch_(launch) {}

void Scheduler::start_block(BlockState& block, uint64_t linear_index, SharedArena& arena, size_t first_fiber) {
    const LaunchConfig& config = launch_.config;
    const dim3 g = config.grid;
    block.launch = &launch_;
    block.block_idx = uint3{static_cast<unsigned>(linear_index % g.x), static_cast<unsigned>(linear_index / g.x % g.y),
                            static_cast<unsigned>(linear_index / (static_cast<uint64_t>(g.x) * g.y))};
    const unsigned count = launch_.threads_per_block;
    block.threads.clear();
    block.threads.resize(count);
    block.warps.assign(launch_.warps_per_block, WarpState{});
    block.block_barrier = BarrierState{};
    block.block_barrier.expected = count;
    for (auto& barrier : block.named) barrier = BarrierState{};
    block.shared = &arena;
    block.live = count;
    block.exited_count = 0;
    arena.reset(block, config.dynamic_shared_bytes, config.max_shared_bytes);
    const dim3 b = config.block;
    for (unsigned linear = 0; linear < count; ++linear) {
        ThreadState& thread = block.threads[linear];
        thread.block = &block;
        thread.info.thread_idx = uint3{linear % b.x, linear / b.x % b.y, linear / (b.x * b.y)};
        thread.info.block_idx = block.block_idx;
        thread.info.block_dim = b;
        thread.info.grid_dim = g;
        thread.info.linear = linear;
        thread.info.lane = linear % 32;
        thread.info.warp = linear / 32;
        block.warps[linear / 32].present |= 1u << (linear % 32);
        if (fibers_.size() <= first_fiber + linear) fibers_.push_back(std::make_unique<Fiber>(fiber_stack_bytes()));
        thread.fiber = fibers_[first_fiber + linear].get();
        thread.fiber->prepare(thread_entry, &thread);
        ready_.push_back(&thread);
    }
}

void Scheduler::run(const std::vector<uint64_t>& block_indices) {
    // Blocks and their arenas are kept between calls, so a worker reuses its fibers' stacks and shadow memory.
    while (blocks_.size() < block_indices.size()) {
        blocks_.push_back(std::make_unique<BlockState>());
        arenas_.push_back(std::make_unique<SharedArena>());
    }
    uint64_t live = 0;
    for (size_t i = 0; i < block_indices.size(); ++i) {
        start_block(*blocks_[i], block_indices[i], *arenas_[i], i * launch_.threads_per_block);
        live += launch_.threads_per_block;
    }
    spins_since_progress_ = 0;
    running_scheduler = this;
    set_active_counters(&counters_);
    while (!ready_.empty() && !launch_.aborted.load(std::memory_order_relaxed)) {
        ThreadState* thread = ready_.front();
        ready_.pop_front();
        running_thread = thread;
        switch_context(host_, thread->fiber->context());
        running_thread = nullptr;
        if (thread->wait == Wait::Runnable) {
            // It yielded (a spin): it goes to the back of the queue.
            ready_.push_back(thread);
            if (++spins_since_progress_ > kSpinsPerThreadBeforeStall * std::max<uint64_t>(live, 1)) {
                report_stall("no progress: every live thread keeps spinning and none changes memory another waits on");
            }
        } else if (thread->wait == Wait::Exited) {
            --live;
        }
    }
    set_active_counters(nullptr);
    running_scheduler = nullptr;
    for (size_t i = 0; i < block_indices.size(); ++i) counters_.shared_bytes = std::max(counters_.shared_bytes, arenas_[i]->used());
    if (!launch_.aborted.load() && live > 0) report_stall("deadlock");
    ready_.clear();
}

void Scheduler::report_stall(const char* kind) {
    // Group the waiting threads by what they wait for, with one example each.
    std::map<std::string, std::pair<unsigned, std::string>> groups;
    std::string where;
    for (const auto& block : blocks_) {
        if (block->launch != &launch_ || block->live == 0) continue;
        for (const ThreadState& thread : block->threads) {
            std::string what;
            switch (thread.wait) {
                case Wait::Exited: continue;
                case Wait::Runnable: what = "spinning"; break;
                case Wait::Barrier: what = "waiting at __syncthreads"; break;
                case Wait::NamedBarrier: what = "waiting at bar.sync " + std::to_string(thread.wait_barrier); break;
                case Wait::WarpSync: what = "waiting at __syncwarp"; break;
                case Wait::Collective: what = std::string("waiting at ") + thread.wait_operation; break;
            }
            what += " in block " + triple(block->block_idx);
            auto& group = groups[what];
            if (group.first++ == 0) group.second = "thread " + triple(thread.info.thread_idx);
        }
    }
    std::ostringstream message;
    message << "kernel " << launch_.config.kernel << ": " << kind << ":";
    size_t shown = 0;
    for (const auto& [what, group] : groups) {
        if (shown++ == 8) {
            message << "; ...";
            break;
        }
        message << (shown == 1 ? " " : "; ") << group.first << " thread(s) " << what << " (e.g. " << group.second << ")";
    }
    record_fault(launch_, message.str());
    ready_.clear();
    throw StallReported{};
}

void run_grid(const LaunchConfig& config, const std::function<void()>& body) {
    validate(config);
    LaunchState launch;
    launch.config = config;
    launch.body = &body;
    const dim3 b = config.block;
    launch.threads_per_block = b.x * b.y * b.z;
    launch.warps_per_block = (launch.threads_per_block + 31) / 32;
    const uint64_t blocks = static_cast<uint64_t>(config.grid.x) * config.grid.y * config.grid.z;

    std::vector<LaunchCounters> counters;
    auto run_scheduler = [&](Scheduler& scheduler, const std::vector<uint64_t>& indices) {
        try {
            scheduler.run(indices);
        } catch (const StallReported&) {
        }
    };

    if (config.co_resident) {
        const uint64_t capacity = resident_capacity(config, launch.threads_per_block);
        if (blocks > capacity) {
            throw LaunchError("kernel " + config.kernel + ": needs its " + std::to_string(blocks) +
                              " blocks co-resident, but an H100 holds at most " + std::to_string(capacity) + " blocks of " +
                              std::to_string(launch.threads_per_block) + " threads with " +
                              std::to_string(config.dynamic_shared_bytes) + " bytes of dynamic shared memory at once");
        }
        std::vector<uint64_t> all(blocks);
        for (uint64_t i = 0; i < blocks; ++i) all[i] = i;
        Scheduler scheduler(launch);
        run_scheduler(scheduler, all);
        counters.push_back(std::move(scheduler.counters()));
    } else {
        std::atomic<uint64_t> next{0};
        const unsigned workers = worker_count(blocks);
        std::vector<std::unique_ptr<Scheduler>> schedulers;
        for (unsigned w = 0; w < workers; ++w) schedulers.push_back(std::make_unique<Scheduler>(launch));
        auto work = [&](Scheduler& scheduler) {
            for (uint64_t index = next++; index < blocks && !launch.aborted.load(); index = next++) {
                run_scheduler(scheduler, {index});
            }
        };
        if (workers == 1) {
            work(*schedulers[0]);
        } else {
            std::vector<std::thread> threads;
            for (unsigned w = 0; w < workers; ++w) threads.emplace_back(work, std::ref(*schedulers[w]));
            for (auto& thread : threads) thread.join();
        }
        for (auto& scheduler : schedulers) counters.push_back(std::move(scheduler->counters()));
    }

    if (launch.aborted.load()) throw KernelFault(launch.fault);
    report_launch(config, counters);
}

}  // namespace qrt::emu
