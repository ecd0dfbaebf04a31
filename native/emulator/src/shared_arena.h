// One block's shared memory and the shadow state behind its checks (see qrt_emulator/shared_memory.h for what is
// checked). The race detector works on happens-before: an access is ordered before a later one by another thread
// when a synchronisation both took part in lies between them: a block barrier, a named barrier whose warps include
// both, or a __syncwarp whose lanes include both. Accesses record the synchronisation count at the time; the
// barriers since the last block barrier are kept in a short log. A set of readers with no synchronisation that
// orders them before a new reader stays a set (as warps and lanes), so a later write checks against all of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

namespace qrt::emu {

class BlockState;
class ThreadState;

class SharedArena {
public:
    // Prepares the arena for a new block: no static allocations, every byte poisoned, `dynamic_bytes` of dynamic
    // shared memory at offset 0 and at most `limit` bytes in all.
    void reset(BlockState& block, size_t dynamic_bytes, size_t limit);

    uint32_t allocate_static(const void* site, size_t bytes, size_t alignment);
    size_t dynamic_bytes() const { return dynamic_bytes_; }
    // Bytes in use: the dynamic part and every static declaration reached so far.
    size_t used() const { return used_; }

    void read(ThreadState& thread, uint32_t offset, void* destination, size_t bytes, bool atomic);
    void write(ThreadState& thread, uint32_t offset, const void* source, size_t bytes, bool atomic);
    void mark_pending(ThreadState& thread, uint32_t offset, size_t bytes);
    void complete(ThreadState& thread, uint32_t offset, const void* source, size_t bytes);
    void check_range(uint32_t offset, size_t bytes, size_t alignment, const char* what) const;

    // Synchronisations, for the race detector.
    void on_block_barrier();
    void on_named_barrier(uint32_t warps);
    void on_sync_warp(unsigned warp, uint32_t lanes);

private:
    enum : uint8_t { kPoisoned = 0, kWritten = 1, kPending = 2 };

    struct Shadow {
        uint8_t state;
        uint8_t atomic;          // the last write was part of an atomic
        uint16_t writer;         // linear thread id of the last writer (or of the cp.async in flight)
        uint32_t write_seq;
        uint32_t reader_warps;   // warps with reads that may not yet be ordered before later accesses
        uint32_t reader_lanes;   // their lanes, meaningful when reader_warps has one bit
        uint16_t reader;         // one of the readers, for messages
        uint16_t unused;
        uint32_t read_seq;       // the newest of those reads
    };

    struct Event {
        uint32_t seq;
        bool warp_sync;
        unsigned warp;   // for a __syncwarp
        uint32_t mask;   // warps of a named barrier, lanes of a __syncwarp
    };

    // Whether something that happened at `seq` on the given warps/lanes is ordered before `thread`'s access now.
    bool ordered(uint32_t seq, uint32_t warps, uint32_t lanes, const ThreadState& thread) const;
    void require_in_bounds(uint32_t offset, size_t bytes, const char* what) const;
    // Checks a write (or a cp.async issue) of `bytes` at `offset` against earlier accesses, and records it.
    void record_write(ThreadState& thread, uint32_t offset, size_t bytes, bool atomic);
    [[noreturn]] void race(uint32_t offset, const char* access, const char* earlier, unsigned other) const;

    BlockState* block_ = nullptr;
    std::vector<unsigned char> data_;
    std::vector<Shadow> shadow_;
    size_t used_ = 0;
    size_t dynamic_bytes_ = 0;
    size_t limit_ = 0;
    std::vector<std::pair<const void*, uint32_t>> statics_;
    uint32_t seq_ = 0;
    uint32_t last_block_barrier_ = 0;
    std::deque<Event> events_;
};

}  // namespace qrt::emu
