// Shared memory of one block, with poisoning and race detection (see shared_arena.h).
#include "shared_arena.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "grid_state.h"

namespace qrt::emu {
namespace {

// A block barrier's log of narrower synchronisations is bounded: a kernel that runs thousands of __syncwarp between
// two block barriers keeps only the newest, and an ordering older than those is then not seen (a false report is
// possible only for accesses separated by more than this many synchronisations).
constexpr size_t kMaxEvents = 1024;

// The poison a pending cp.async destination holds, so that a read that escapes the checks still shows garbage.
constexpr unsigned char kPendingPoison = 0xA5;

std::string hex(uint32_t value) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%x", value);
    return text;
}

uint32_t bit(unsigned index) { return 1u << index; }

}  // namespace

void SharedArena::reset(BlockState& block, size_t dynamic_bytes, size_t limit) {
    block_ = &block;
    limit_ = limit;
    dynamic_bytes_ = dynamic_bytes;
    if (data_.size() < limit) {
        data_.resize(limit);
        shadow_.resize(limit);
    }
    statics_.clear();
    // Only what the previous block used needs wiping; the dynamic part is poisoned now, statics as they appear.
    std::memset(shadow_.data(), 0, std::max(used_, dynamic_bytes) * sizeof(Shadow));
    used_ = dynamic_bytes;
    seq_ = 0;
    last_block_barrier_ = 0;
    events_.clear();
}

uint32_t SharedArena::allocate_static(const void* site, size_t bytes, size_t alignment) {
    for (const auto& [known, offset] : statics_) {
        if (known == site) return offset;
    }
    const size_t aligned = (used_ + alignment - 1) / alignment * alignment;
    if (aligned + bytes > limit_) {
        fault("shared memory: the block needs " + std::to_string(aligned + bytes) + " bytes (" +
              std::to_string(dynamic_bytes_) + " dynamic, the rest static), more than the " + std::to_string(limit_) +
              " bytes the launch allows");
    }
    std::memset(shadow_.data() + used_, 0, (aligned + bytes - used_) * sizeof(Shadow));
    used_ = aligned + bytes;
    statics_.emplace_back(site, static_cast<uint32_t>(aligned));
    return static_cast<uint32_t>(aligned);
}

void SharedArena::require_in_bounds(uint32_t offset, size_t bytes, const char* what) const {
    if (static_cast<size_t>(offset) + bytes > used_) {
        fault(std::string(what) + ": " + std::to_string(bytes) + " bytes at shared offset " + hex(offset) +
              " lie outside the block's " + std::to_string(used_) + " bytes of shared memory");
    }
}

void SharedArena::check_range(uint32_t offset, size_t bytes, size_t alignment, const char* what) const {
    require_in_bounds(offset, bytes, what);
    if (alignment > 1 && offset % alignment != 0) {
        fault(std::string(what) + ": shared offset " + hex(offset) + " is not aligned to " + std::to_string(alignment) +
              " bytes");
    }
}

bool SharedArena::ordered(uint32_t seq, uint32_t warps, uint32_t lanes, const ThreadState& thread) const {
    if (seq < last_block_barrier_) return true;
    const uint32_t all_warps = warps | bit(thread.info.warp);
    const bool one_warp = warps == bit(thread.info.warp);
    const uint32_t all_lanes = lanes | bit(thread.info.lane);
    for (auto event = events_.rbegin(); event != events_.rend() && event->seq > seq; ++event) {
        if (!event->warp_sync) {
            if ((event->mask & all_warps) == all_warps) return true;
        } else if (one_warp && event->warp == thread.info.warp && (event->mask & all_lanes) == all_lanes) {
            return true;
        }
    }
    return false;
}

void SharedArena::race(uint32_t offset, const char* access, const char* earlier, unsigned other) const {
    const ThreadInfo& o = block_->threads[other].info;
    fault("shared-memory race at shared offset " + hex(offset) + ": " + access + " by this thread, " + earlier +
          " by thread (" + std::to_string(o.thread_idx.x) + "," + std::to_string(o.thread_idx.y) + "," +
          std::to_string(o.thread_idx.z) + ") with no barrier between them");
}

void SharedArena::read(ThreadState& thread, uint32_t offset, void* destination, size_t bytes, bool atomic) {
    require_in_bounds(offset, bytes, "shared-memory read");
    const uint16_t me = static_cast<uint16_t>(thread.info.linear);
    for (size_t i = 0; i < bytes; ++i) {
        Shadow& s = shadow_[offset + i];
        const auto at = static_cast<uint32_t>(offset + i);
        if (s.state == kPoisoned) {
            fault("reads shared offset " + hex(at) + ", which no thread of this block has written");
        }
        if (s.state == kPending) {
            fault("reads shared offset " + hex(at) + " while a cp.async into it (issued by thread " +
                  std::to_string(s.writer) + ") has not completed: a cp.async.wait_group, or a barrier after it, is missing");
        }
        const ThreadInfo& w = block_->threads[s.writer].info;
        if (s.writer != me && !(atomic && s.atomic) && !ordered(s.write_seq, bit(w.warp), bit(w.lane), thread)) {
            race(at, "a read", "after a write", s.writer);
        }
        if (s.reader_warps != 0 && ordered(s.read_seq, s.reader_warps, s.reader_lanes, thread)) {
            s.reader_warps = 0;
            s.reader_lanes = 0;
        }
        if (s.reader_warps == bit(thread.info.warp) || s.reader_warps == 0) {
            s.reader_lanes |= bit(thread.info.lane);
        } else {
            s.reader_lanes = 0;  // readers in several warps: the race check orders them by warp only
        }
        s.reader_warps |= bit(thread.info.warp);
        s.reader = me;
        s.read_seq = seq_;
    }
    std::memcpy(destination, data_.data() + offset, bytes);
}

void SharedArena::record_write(ThreadState& thread, uint32_t offset, size_t bytes, bool atomic) {
    const uint16_t me = static_cast<uint16_t>(thread.info.linear);
    for (size_t i = 0; i < bytes; ++i) {
        Shadow& s = shadow_[offset + i];
        const auto at = static_cast<uint32_t>(offset + i);
        if (s.state == kPending) {
            fault("writes shared offset " + hex(at) + " while a cp.async into it (issued by thread " +
                  std::to_string(s.writer) + ") has not completed");
        }
        if (s.state == kWritten && s.writer != me && !(atomic && s.atomic)) {
            const ThreadInfo& w = block_->threads[s.writer].info;
            if (!ordered(s.write_seq, bit(w.warp), bit(w.lane), thread)) race(at, "a write", "after a write", s.writer);
        }
        const bool only_me = s.reader_warps == bit(thread.info.warp) && s.reader_lanes == bit(thread.info.lane);
        if (s.reader_warps != 0 && !only_me && !atomic &&
            !ordered(s.read_seq, s.reader_warps, s.reader_lanes, thread)) {
            race(at, "a write", "after a read", s.reader);
        }
        s.state = kWritten;
        s.atomic = atomic;
        s.writer = me;
        s.write_seq = seq_;
        s.reader_warps = 0;
        s.reader_lanes = 0;
    }
}

void SharedArena::write(ThreadState& thread, uint32_t offset, const void* source, size_t bytes, bool atomic) {
    require_in_bounds(offset, bytes, "shared-memory write");
    record_write(thread, offset, bytes, atomic);
    std::memcpy(data_.data() + offset, source, bytes);
}

void SharedArena::mark_pending(ThreadState& thread, uint32_t offset, size_t bytes) {
    require_in_bounds(offset, bytes, "cp.async destination");
    // Issuing the copy counts as a write against other threads' earlier accesses; then the bytes wait for it.
    record_write(thread, offset, bytes, false);
    for (size_t i = 0; i < bytes; ++i) shadow_[offset + i].state = kPending;
    std::memset(data_.data() + offset, kPendingPoison, bytes);
}

void SharedArena::complete(ThreadState& thread, uint32_t offset, const void* source, size_t bytes) {
    require_in_bounds(offset, bytes, "cp.async completion");
    for (size_t i = 0; i < bytes; ++i) {
        Shadow& s = shadow_[offset + i];
        s.state = kWritten;
        s.atomic = 0;
        s.writer = static_cast<uint16_t>(thread.info.linear);
        s.write_seq = seq_;
        s.reader_warps = 0;
        s.reader_lanes = 0;
    }
    std::memcpy(data_.data() + offset, source, bytes);
}

void SharedArena::on_block_barrier() {
    last_block_barrier_ = ++seq_;
    events_.clear();
}

void SharedArena::on_named_barrier(uint32_t warps) {
    events_.push_back(Event{++seq_, false, 0, warps});
    if (events_.size() > kMaxEvents) events_.pop_front();
}

void SharedArena::on_sync_warp(unsigned warp, uint32_t lanes) {
    events_.push_back(Event{++seq_, true, warp, lanes});
    if (events_.size() > kMaxEvents) events_.pop_front();
}

}  // namespace qrt::emu
