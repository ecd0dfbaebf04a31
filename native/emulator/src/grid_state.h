// The state the emulator keeps while a grid runs: per launch, per block, per warp and per thread. Internal to
// native/emulator/src; kernels see it only through execution.h, shared_memory.h and dialect.h.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "fiber.h"
#include "qrt_emulator/execution.h"
#include "shared_arena.h"

namespace qrt::emu {

class Scheduler;

// What a thread is waiting for, for the scheduler and for deadlock reports.
enum class Wait { Runnable, Barrier, NamedBarrier, WarpSync, Collective, Exited };

class ThreadState {
public:
    ThreadInfo info{};
    BlockState* block = nullptr;
    Fiber* fiber = nullptr;
    Wait wait = Wait::Runnable;
    // The generation of the barrier or collective it waits on: it may run again once that has moved on.
    uint64_t wait_generation = 0;
    unsigned wait_barrier = 0;
    const char* wait_operation = "";
    bool started = false;
    std::unordered_map<const void*, std::unique_ptr<ThreadSlot>> slots;

    bool exited() const { return wait == Wait::Exited; }
};

// One warp-wide operation that some lanes have reached and others not yet.
struct PendingCollective {
    const char* operation = nullptr;
    unsigned mask = 0;
    bool whole_warp = false;
    unsigned arrived = 0;
    uint64_t generation = 0;
    const void* inputs[32] = {};
    void* outputs[32] = {};
};

class WarpState {
public:
    unsigned present = 0;  // lanes that exist (the last warp of a block may be partial)
    unsigned exited = 0;
    // Lanes may run collectives on disjoint masks at the same time (two half-warps shuffling independently).
    std::vector<PendingCollective> pending;
    uint64_t collective_generation = 0;
    // __syncwarp: which lanes have arrived, per mask.
    std::vector<PendingCollective> syncs;
};

// A named barrier (bar.sync / bar.arrive) or the block barrier (__syncthreads, id 0 with every thread).
struct BarrierState {
    unsigned expected = 0;
    unsigned arrived = 0;
    uint64_t generation = 0;
    BarrierReduction reduction = BarrierReduction::None;
    int accumulator = 0;
    int result = 0;  // the reduction of the last completed generation
    uint64_t warps = 0;  // warps that arrived in this generation (for the race detector's ordering)
};

struct LaunchState;

class BlockState {
public:
    LaunchState* launch = nullptr;
    uint3 block_idx{};
    std::vector<ThreadState> threads;
    std::vector<WarpState> warps;
    BarrierState block_barrier;
    bool block_barrier_named_use = false;  // bar.sync 0 with a count, which must not mix with __syncthreads
    BarrierState named[DeviceLimits::kNamedBarriers];
    SharedArena* shared = nullptr;
    unsigned live = 0;
    unsigned exited_count = 0;

    unsigned thread_count() const { return static_cast<unsigned>(threads.size()); }
};

// Everything about one launch that its blocks share.
struct LaunchState {
    LaunchConfig config;
    const std::function<void()>* body = nullptr;
    unsigned threads_per_block = 0;
    unsigned warps_per_block = 0;
    std::atomic<bool> aborted{false};
    std::mutex fault_mutex;
    std::string fault;  // the first fault's message
};

// The fiber that runs on this OS thread now, and the scheduler that switched to it (null outside a kernel).
extern thread_local ThreadState* running_thread;
extern thread_local Scheduler* running_scheduler;

// Suspends the running thread until the scheduler resumes it (its wait state says when).
void block_running_thread();

// Marks a waiting thread runnable again.
void wake(ThreadState& thread);

// "kernel K, block (x,y,z), thread (x,y,z)"
std::string describe(const ThreadState& thread);

// Thrown by fault() inside a fiber and caught at the fiber's entry: the kernel's frames are unwound (their
// destructors run), then the fiber is abandoned. Not a std::exception, so a kernel's own handlers let it pass.
struct FaultUnwind {};

// The lanes of the running thread's warp that exist and have not exited (__activemask).
unsigned active_lanes();

// Makes `message` the launch's fault if it is the first, and aborts the launch.
void record_fault(LaunchState& launch, const std::string& message);

}  // namespace qrt::emu
