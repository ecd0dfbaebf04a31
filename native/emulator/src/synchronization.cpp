// Barriers, warp collectives, thread exit and the other points where a fiber hands control back to its scheduler.
#include <cstdio>
#include <cstring>
#include <string>

#include "grid_state.h"
#include "scheduler.h"

namespace qrt::emu {
namespace {

std::string hex_mask(unsigned mask) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", mask);
    return text;
}

ThreadState& running() {
    if (running_thread == nullptr) throw std::logic_error("qrt emulator: a device function was called outside a kernel");
    return *running_thread;
}

uint32_t warp_bit(const ThreadState& thread) { return 1u << thread.info.warp; }

void wake_waiting(BlockState& block, Wait wait, uint64_t generation, unsigned barrier = 0) {
    for (ThreadState& thread : block.threads) {
        if (thread.wait == wait && thread.wait_generation == generation && thread.wait_barrier == barrier) wake(thread);
    }
}

void reduce(BarrierState& barrier, int predicate) {
    switch (barrier.reduction) {
        case BarrierReduction::None: break;
        case BarrierReduction::Count: barrier.accumulator += predicate != 0; break;
        case BarrierReduction::And: barrier.accumulator &= predicate != 0; break;
        case BarrierReduction::Or: barrier.accumulator |= predicate != 0; break;
    }
}

// Completes a barrier's generation: its result, the race detector's ordering, and the waiters woken.
void complete(BlockState& block, BarrierState& barrier, Wait wait, unsigned id, bool whole_block) {
    barrier.result = barrier.accumulator;
    const uint64_t generation = barrier.generation++;
    if (whole_block) {
        block.shared->on_block_barrier();
    } else {
        block.shared->on_named_barrier(static_cast<uint32_t>(barrier.warps));
    }
    barrier.arrived = 0;
    barrier.warps = 0;
    wake_waiting(block, wait, generation, id);
    running_scheduler->note_progress();
}

std::string lanes_of(unsigned mask) {
    std::string text;
    for (unsigned lane = 0; lane < 32; ++lane) {
        if (mask >> lane & 1u) text += (text.empty() ? "" : ",") + std::to_string(lane);
    }
    return text;
}

}  // namespace

const ThreadInfo& current_thread() { return running().info; }
ThreadState& current_thread_state() { return running(); }
std::string describe_current_thread() { return describe(running()); }

void fault(const std::string& what) {
    ThreadState& thread = running();
    record_fault(*thread.block->launch, describe(thread) + ": " + what);
    // Unwinds the fiber's own stack to its entry, which then leaves it for good.
    throw FaultUnwind{};
}

void block_running_thread() {
    ThreadState& thread = running();
    switch_context(thread.fiber->context(), running_scheduler->host());
}

void wake(ThreadState& thread) {
    thread.wait = Wait::Runnable;
    running_scheduler->make_ready(thread);
}

void yield_point() {
    if (running_thread == nullptr) return;
    block_running_thread();  // still Runnable: the scheduler queues it again behind the others
}

void note_progress() {
    if (running_scheduler != nullptr) running_scheduler->note_progress();
}

int sync_block(BarrierReduction reduction, int predicate) {
    ThreadState& thread = running();
    BlockState& block = *thread.block;
    BarrierState& barrier = block.block_barrier;
    if (block.exited_count > 0) {
        fault("reaches __syncthreads, but " + std::to_string(block.exited_count) +
              " thread(s) of the block have already exited: the barrier is reached by only part of the block");
    }
    if (barrier.arrived == 0) {
        barrier.reduction = reduction;
        barrier.accumulator = reduction == BarrierReduction::And ? 1 : 0;
    } else if (barrier.reduction != reduction) {
        fault("__syncthreads forms differ within one barrier (__syncthreads, _count, _and and _or mixed)");
    }
    reduce(barrier, predicate);
    barrier.warps |= warp_bit(thread);
    if (++barrier.arrived == block.thread_count()) {
        complete(block, barrier, Wait::Barrier, 0, true);
        return barrier.result;
    }
    thread.wait = Wait::Barrier;
    thread.wait_generation = barrier.generation;
    thread.wait_barrier = 0;
    block_running_thread();
    return barrier.result;
}

namespace {
void named_barrier(unsigned id, unsigned count, bool wait) {
    ThreadState& thread = running();
    BlockState& block = *thread.block;
    const char* form = wait ? "bar.sync" : "bar.arrive";
    if (id >= static_cast<unsigned>(DeviceLimits::kNamedBarriers)) {
        fault(std::string(form) + " " + std::to_string(id) + ": barrier ids are 0 to 15");
    }
    if (count == 0 || count % 32 != 0 || count > block.thread_count()) {
        fault(std::string(form) + " " + std::to_string(id) + ", " + std::to_string(count) +
              ": the thread count must be a multiple of 32 and at most the block's " + std::to_string(block.thread_count()));
    }
    BarrierState& barrier = block.named[id];
    if (barrier.arrived == 0) barrier.expected = count;
    if (barrier.expected != count) {
        fault(std::string(form) + " " + std::to_string(id) + ": arrives with count " + std::to_string(count) +
              " while the barrier's current generation counts " + std::to_string(barrier.expected));
    }
    barrier.warps |= warp_bit(thread);
    if (++barrier.arrived == barrier.expected) {
        complete(block, barrier, Wait::NamedBarrier, id, false);
        return;
    }
    if (!wait) return;
    thread.wait = Wait::NamedBarrier;
    thread.wait_generation = barrier.generation;
    thread.wait_barrier = id;
    block_running_thread();
}
}  // namespace

void named_barrier_sync(unsigned id, unsigned count) {
    ThreadState& thread = running();
    // bar.sync 0 over the whole block is __syncthreads.
    if (id == 0 && count == thread.block->thread_count()) {
        sync_block();
        return;
    }
    named_barrier(id, count, true);
}

void named_barrier_arrive(unsigned id, unsigned count) { named_barrier(id, count, false); }

void detail::warp_collective(const char* operation, unsigned mask, bool whole_warp, const void* input, void* output,
                             CollectiveFn combine, void* context) {
    ThreadState& thread = running();
    BlockState& block = *thread.block;
    WarpState& warp = block.warps[thread.info.warp];
    const unsigned lane = thread.info.lane;
    const unsigned me = 1u << lane;
    if (!(mask & me)) fault(std::string(operation) + " with mask " + hex_mask(mask) + ", which leaves out its own lane");
    if (whole_warp && mask != 0xffffffffu) {
        fault(std::string(operation) + " needs the whole warp, but the mask is " + hex_mask(mask) + " (incomplete warp)");
    }
    if (whole_warp && warp.present != 0xffffffffu) {
        fault(std::string(operation) + " needs the whole warp, but warp " + std::to_string(thread.info.warp) + " has only lanes " +
              lanes_of(warp.present) + " (the block size is not a multiple of 32)");
    }
    if ((mask & ~warp.present) != 0) {
        fault(std::string(operation) + " with mask " + hex_mask(mask) + " names lanes " + lanes_of(mask & ~warp.present) +
              ", which the block does not have");
    }
    if (mask & warp.exited) {
        fault(std::string(operation) + " with mask " + hex_mask(mask) + ", but lane(s) " + lanes_of(mask & warp.exited) +
              " of it have exited (incomplete warp)");
    }
    PendingCollective* pending = nullptr;
    for (PendingCollective& candidate : warp.pending) {
        if (candidate.mask == mask) {
            pending = &candidate;
        } else if (candidate.mask & mask) {
            fault(std::string(operation) + " with mask " + hex_mask(mask) + " while lanes " + lanes_of(candidate.arrived) +
                  " wait at " + candidate.operation + " with mask " + hex_mask(candidate.mask) + ": the lanes disagree on the mask");
        }
    }
    if (pending == nullptr) {
        warp.pending.push_back(PendingCollective{operation, mask, whole_warp, 0, ++warp.collective_generation, {}, {}});
        pending = &warp.pending.back();
    } else if (std::strcmp(pending->operation, operation) != 0) {
        fault(std::string(operation) + " while lanes " + lanes_of(pending->arrived) + " of its warp wait at " +
              pending->operation + " (divergent warp)");
    }
    pending->inputs[lane] = input;
    pending->outputs[lane] = output;
    pending->arrived |= me;
    if (pending->arrived == mask) {
        // The last lane computes for all, then releases the others.
        const PendingCollective done = *pending;
        warp.pending.erase(warp.pending.begin() + (pending - warp.pending.data()));
        combine(context, mask, done.inputs, done.outputs);
        for (unsigned other = 0; other < 32; ++other) {
            if (!(mask >> other & 1u) || other == lane) continue;
            ThreadState& waiting = block.threads[thread.info.warp * 32 + other];
            if (waiting.wait == Wait::Collective && waiting.wait_generation == done.generation) wake(waiting);
        }
        running_scheduler->note_progress();
        return;
    }
    thread.wait = Wait::Collective;
    thread.wait_generation = pending->generation;
    thread.wait_operation = operation;
    thread.wait_barrier = 0;
    block_running_thread();
}

void sync_warp(unsigned mask) {
    ThreadState& thread = running();
    BlockState& block = *thread.block;
    const unsigned warp = thread.info.warp;
    struct Nothing {};
    warp_collective<Nothing, Nothing>("__syncwarp", mask, false, Nothing{},
                                      [&block, warp](unsigned present, const Nothing* const*, Nothing* const*) {
                                          block.shared->on_sync_warp(warp, present);
                                      });
}

void thread_exited(ThreadState& thread) {
    BlockState& block = *thread.block;
    WarpState& warp = block.warps[thread.info.warp];
    for (const PendingCollective& pending : warp.pending) {
        if (pending.mask >> thread.info.lane & 1u) {
            fault("exits while lanes " + lanes_of(pending.arrived) + " of its warp wait for it at " + pending.operation +
                  " (incomplete warp)");
        }
    }
    if (block.block_barrier.arrived > 0) {
        fault("exits while " + std::to_string(block.block_barrier.arrived) +
              " thread(s) of the block wait at __syncthreads: the barrier is reached by only part of the block");
    }
    warp.exited |= 1u << thread.info.lane;
    ++block.exited_count;
    --block.live;
    thread.wait = Wait::Exited;
    running_scheduler->note_progress();
}

unsigned active_lanes() {
    ThreadState& thread = running();
    const WarpState& warp = thread.block->warps[thread.info.warp];
    return warp.present & ~warp.exited;
}

// ---- Per-thread slots -------------------------------------------------------------------------------------------

ThreadSlot* detail::find_slot(const void* key) {
    auto& slots = running().slots;
    auto found = slots.find(key);
    return found == slots.end() ? nullptr : found->second.get();
}

void detail::store_slot(const void* key, ThreadSlot* slot) { running().slots[key].reset(slot); }

// ---- Shared memory: the public accessors over the running block's arena -------------------------------------------

void shared_read(uint32_t offset, void* destination, size_t bytes) {
    ThreadState& thread = running();
    thread.block->shared->read(thread, offset, destination, bytes, false);
}

void shared_write(uint32_t offset, const void* source, size_t bytes) {
    ThreadState& thread = running();
    thread.block->shared->write(thread, offset, source, bytes, false);
}

void shared_atomic(uint32_t offset, void* old_value, const void* new_value, size_t bytes) {
    ThreadState& thread = running();
    if (old_value != nullptr) thread.block->shared->read(thread, offset, old_value, bytes, true);
    if (new_value != nullptr) thread.block->shared->write(thread, offset, new_value, bytes, true);
}

void shared_mark_pending(uint32_t offset, size_t bytes) {
    ThreadState& thread = running();
    thread.block->shared->mark_pending(thread, offset, bytes);
}

void shared_complete(uint32_t offset, const void* source, size_t bytes) {
    ThreadState& thread = running();
    thread.block->shared->complete(thread, offset, source, bytes);
}

void shared_check_range(uint32_t offset, size_t bytes, size_t alignment, const char* what) {
    running().block->shared->check_range(offset, bytes, alignment, what);
}

uint32_t shared_static(const void* site, size_t bytes, size_t alignment) {
    return running().block->shared->allocate_static(site, bytes, alignment);
}

uint32_t shared_dynamic_base() {
    running();
    return 0;
}

size_t shared_dynamic_bytes() { return running().block->shared->dynamic_bytes(); }

}  // namespace qrt::emu

unsigned __activemask() { return qrt::emu::active_lanes(); }
