// The scheduler of one OS thread: runs the fibers of the blocks it is given until each has exited, and reports a
// deadlock (no fiber can run) or a grid that makes no progress (every live fiber only spins).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "fiber.h"
#include "grid_state.h"
#include "launch_counters.h"

namespace qrt::emu {

// Thrown on the scheduler's own stack (never inside a fiber) once a stall is recorded as the launch's fault.
struct StallReported {};

// Called by a fiber when its kernel function has returned: the checks a thread's exit triggers, then Exited.
void thread_exited(ThreadState& thread);

class Scheduler {
public:
    explicit Scheduler(LaunchState& launch);

    // Runs the blocks at the given linear indices, all at the same time (their fibers take turns). Returns when
    // they have all exited or the launch is aborted.
    void run(const std::vector<uint64_t>& block_indices);

    // The context of the OS thread itself, which fibers switch back to.
    FiberContext& host() { return host_; }

    void make_ready(ThreadState& thread) { ready_.push_back(&thread); }
    void note_progress() { spins_since_progress_ = 0; }
    LaunchCounters& counters() { return counters_; }

private:
    void start_block(BlockState& block, uint64_t linear_index, SharedArena& arena, size_t first_fiber);
    [[noreturn]] void report_stall(const char* kind);

    LaunchState& launch_;
    FiberContext host_;
    std::deque<ThreadState*> ready_;
    std::vector<std::unique_ptr<Fiber>> fibers_;
    std::vector<std::unique_ptr<SharedArena>> arenas_;
    std::vector<std::unique_ptr<BlockState>> blocks_;
    uint64_t spins_since_progress_ = 0;
    LaunchCounters counters_;
};

}  // namespace qrt::emu
