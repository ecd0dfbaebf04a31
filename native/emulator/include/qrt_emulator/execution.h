// The CUDA emulator's execution model: how a grid runs on the CPU.
//
// Every CUDA thread is a fiber with its own stack. A block's fibers run on one OS thread, one at a time, each until
// it waits (a barrier, a warp collective, a spin) or exits; the block is done when every fiber has exited. Blocks
// are spread over a pool of OS threads (QRT_EMULATOR_THREADS, 1 for a deterministic order), except for a launch
// that needs its blocks co-resident (cross-block locks): then every fiber of the grid takes turns on one OS thread.
//
// What a real GPU would leave undefined the emulator reports as a KernelFault naming the kernel, the block, the
// thread and, for memory, the address: a barrier reached by part of a block, a deadlock, a divergent or incomplete
// warp at a warp collective, a read of shared memory not written in this block, a shared-memory race between two
// barriers. The fault stops the grid: the faulting thread's frames are unwound, the other fibers are abandoned where
// they wait (kernels own no resources).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

namespace qrt::emu {

// CUDA's uint3 and dim3, defined here so the emulator's core does not depend on the runtime header.
struct uint3 {
    unsigned x, y, z;
};

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
    constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
    constexpr operator uint3() const { return uint3{x, y, z}; }
};

// The emulated device: an H100 SXM, whose limits the launch checks enforce.
struct DeviceLimits {
    static constexpr int kMultiprocessors = 132;
    static constexpr int kWarpSize = 32;
    static constexpr int kMaxThreadsPerBlock = 1024;
    static constexpr int kMaxThreadsPerMultiprocessor = 2048;
    static constexpr int kMaxBlocksPerMultiprocessor = 32;
    static constexpr size_t kSharedPerMultiprocessor = 228 * 1024;
    // Per block: 48 KB by default, up to 227 KB after cudaFuncSetAttribute(MaxDynamicSharedMemorySize).
    static constexpr size_t kDefaultSharedPerBlock = 48 * 1024;
    static constexpr size_t kMaxSharedPerBlockOptin = 227 * 1024;
    static constexpr int kNamedBarriers = 16;
};

struct LaunchConfig {
    // The kernel's name, for messages and launch statistics.
    std::string kernel;
    dim3 grid;
    dim3 block;
    size_t dynamic_shared_bytes = 0;
    // Static plus dynamic shared memory a block may use: raised by cudaFuncSetAttribute.
    size_t max_shared_bytes = DeviceLimits::kDefaultSharedPerBlock;
    // Every block must run at the same time as every other (the kernel waits on other blocks' writes).
    bool co_resident = false;
};

// A kernel did something a GPU would leave undefined; what() names the kernel, block, thread and address.
class KernelFault : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A launch the GPU would refuse (too many threads, too much shared memory, too many co-resident blocks).
class LaunchError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Runs `body` once per thread of the grid, as fibers, and returns when every thread has exited. Throws
// LaunchError before running anything, or KernelFault. Launch statistics are printed when QRT_EMULATOR_REPORT=1.
void run_grid(const LaunchConfig& config, const std::function<void()>& body);

// ---- Inside a kernel: the running thread ------------------------------------------------------------------------

class ThreadState;
class BlockState;

// What the running fiber is; valid only inside run_grid's body.
struct ThreadInfo {
    uint3 thread_idx;
    uint3 block_idx;
    dim3 block_dim;
    dim3 grid_dim;
    unsigned linear;  // threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z)
    unsigned lane;    // linear % 32
    unsigned warp;    // linear / 32
};

// The running thread (a thread_local pointer the scheduler sets at every switch).
const ThreadInfo& current_thread();
ThreadState& current_thread_state();

// "kernel K, block (x,y,z), thread (x,y,z)", for messages.
std::string describe_current_thread();

// Stops the grid with a KernelFault carrying `what` after the thread description. Never returns to the kernel: it
// unwinds the thread's stack with an exception that only the emulator catches (a kernel's catch (...) must rethrow).
[[noreturn]] void fault(const std::string& what);

// ---- Per-thread state of the emulator's extensions ------------------------------------------------------------------

// Something the emulator keeps per CUDA thread for an instruction family (the cp.async queue of a thread): created
// on first use by the thread, destroyed with the block. at_thread_exit runs when the thread returns from the
// kernel, and may fault (copies still pending at exit).
class ThreadSlot {
public:
    virtual ~ThreadSlot() = default;
    virtual void at_thread_exit() {}
};

namespace detail {
ThreadSlot* find_slot(const void* key);
void store_slot(const void* key, ThreadSlot* slot);
template <class T>
inline const char slot_key = 0;
}  // namespace detail

// The running thread's T, created on first use.
template <class T>
T& thread_slot() {
    const void* key = &detail::slot_key<T>;
    if (ThreadSlot* found = detail::find_slot(key)) return *static_cast<T*>(found);
    T* created = new T();
    detail::store_slot(key, created);
    return *created;
}

// ---- Barriers ---------------------------------------------------------------------------------------------------

// __syncthreads() and its _count/_and/_or forms: every thread of the block must arrive; returns the reduction
// of `predicate` over the block (the count of non-zero predicates for Count).
enum class BarrierReduction { None, Count, And, Or };
int sync_block(BarrierReduction reduction = BarrierReduction::None, int predicate = 0);

// bar.sync id, count / bar.arrive id, count: named barrier `id` (0-15) completes when `count` threads (a multiple
// of 32, counted per whole warp) have arrived; `arrive` does not wait.
void named_barrier_sync(unsigned id, unsigned count);
void named_barrier_arrive(unsigned id, unsigned count);

// __syncwarp(mask): every lane in mask arrives; orders shared-memory accesses among them.
void sync_warp(unsigned mask);

// ---- Warp collectives -------------------------------------------------------------------------------------------

namespace detail {
using CollectiveFn = void (*)(void* context, unsigned present, const void* const* inputs, void* const* outputs);
void warp_collective(const char* operation, unsigned mask, bool whole_warp, const void* input, void* output,
                     CollectiveFn combine, void* context);
}  // namespace detail

// Every lane named in `mask` calls this with the same `operation` (a string literal naming the instruction, such as
// "mma.sync.m16n8k16.bf16" or "shfl.sync.bfly") and the same mask. When all of them have arrived, combine(present,
// inputs, outputs) runs once, where present is the mask and inputs[lane] / outputs[lane] point at each present lane's
// In and Out (the others are null); then every lane returns its own Out.
// whole_warp: the instruction needs all 32 lanes (mma.sync, ldmatrix); a lane missing from the mask, or one that
// has exited, is then a fault ("incomplete warp"), as is a lane that arrives at another operation ("divergent").
template <class In, class Out, class Combine>
Out warp_collective(const char* operation, unsigned mask, bool whole_warp, const In& input, Combine&& combine) {
    Out output{};
    auto thunk = [](void* context, unsigned present, const void* const* inputs, void* const* outputs) {
        (*static_cast<Combine*>(context))(present, reinterpret_cast<const In* const*>(inputs),
                                          reinterpret_cast<Out* const*>(outputs));
    };
    detail::warp_collective(operation, mask, whole_warp, &input, &output, thunk, &combine);
    return output;
}

// ---- Progress in co-resident grids --------------------------------------------------------------------------------

// Lets other fibers run: called by atomics, acquire loads and other spin-wait building blocks, so that a thread
// spinning on another block's write does not starve it. A grid in which every live thread keeps spinning without
// any of them changing memory is reported as a deadlock.
void yield_point();

// Tells the scheduler that memory visible to other blocks changed (an atomic that wrote, a release store): it
// resets the no-progress watchdog of co-resident grids.
void note_progress();

}  // namespace qrt::emu
