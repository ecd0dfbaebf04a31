// cp.async in the CUDA emulator. A GPU performs the copy at some moment between the issue and the wait that covers
// it; the emulator chooses the latest one. At issue it checks the form and the alignment, marks the destination
// pending (poisoned: a read faults until the wait) and queues the copy in the issuing thread; commit_group closes the
// thread's open copies into a group; wait_group N performs, in commit order, every copy of all but the newest N
// groups, reading the source only then. A thread that returns from the kernel with copies never waited for faults.
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "qrt_emulator/execution.h"
#include "qrt_emulator/ptx.h"
#include "qrt_emulator/shared_memory.h"
#include "qrt_emulator/stats.h"

namespace qrt::emu::ptx {
namespace {

struct PendingCopy {
    uint32_t destination;
    const void* source;
    unsigned cp_size;
    unsigned source_bytes;

    bool overlaps(uint32_t other, unsigned other_size) const {
        return destination < other + other_size && other < destination + cp_size;
    }
};

std::string shared_range(uint32_t offset, unsigned bytes) {
    char text[64];
    std::snprintf(text, sizeof text, "shared [0x%" PRIx32 ", 0x%" PRIx32 ")", offset, offset + bytes);
    return text;
}

// The copies one thread has issued and not yet waited for.
class CpAsyncQueue final : public ThreadSlot {
public:
    void issue(const PendingCopy& copy) {
        check_no_pending_write_to(copy);
        open_.push_back(copy);
    }

    void commit() {
        committed_.push_back(std::move(open_));
        open_.clear();
    }

    void wait_until_pending(size_t pending_groups) {
        while (committed_.size() > pending_groups) {
            for (const PendingCopy& copy : committed_.front()) perform(copy);
            committed_.pop_front();
        }
    }

    void at_thread_exit() override {
        size_t pending = open_.size();
        for (const auto& group : committed_) pending += group.size();
        if (pending == 0) return;
        fault("returned from the kernel with " + std::to_string(pending) +
              " cp.async copies never waited for (the first writes " + first_pending_range() +
              "); commit them and cp.async.wait_group before exiting");
    }

private:
    // Two copies in flight to the same bytes: the ISA gives them no order, so the bytes' final value is undefined.
    void check_no_pending_write_to(const PendingCopy& copy) const {
        auto check = [&copy](const PendingCopy& earlier) {
            if (earlier.overlaps(copy.destination, copy.cp_size)) {
                fault("cp.async to " + shared_range(copy.destination, copy.cp_size) +
                      " overlaps an earlier cp.async of this thread to " +
                      shared_range(earlier.destination, earlier.cp_size) +
                      " that no wait has completed; the two writes are unordered");
            }
        };
        for (const PendingCopy& earlier : open_) check(earlier);
        for (const auto& group : committed_) {
            for (const PendingCopy& earlier : group) check(earlier);
        }
    }

    static void perform(const PendingCopy& copy) {
        unsigned char bytes[16] = {};
        if (copy.source_bytes > 0) std::memcpy(bytes, copy.source, copy.source_bytes);
        shared_complete(copy.destination, bytes, copy.cp_size);
    }

    std::string first_pending_range() const {
        for (const auto& group : committed_) {
            if (!group.empty()) return shared_range(group.front().destination, group.front().cp_size);
        }
        return shared_range(open_.front().destination, open_.front().cp_size);
    }

    std::vector<PendingCopy> open_;
    std::deque<std::vector<PendingCopy>> committed_;
};

}  // namespace

void cp_async(uint32_t destination, const void* source, unsigned cp_size, unsigned source_bytes) {
    if (cp_size != 4 && cp_size != 8 && cp_size != 16) {
        fault("cp.async copies 4, 8 or 16 bytes, not " + std::to_string(cp_size));
    }
    if (source_bytes > cp_size) {
        fault("cp.async src-size " + std::to_string(source_bytes) + " exceeds the cp-size " + std::to_string(cp_size));
    }
    shared_check_range(destination, cp_size, cp_size, "cp.async destination");
    if (reinterpret_cast<uintptr_t>(source) % cp_size != 0) {
        char address[32];
        std::snprintf(address, sizeof address, "%p", source);
        fault(std::string("cp.async source ") + address + " is not aligned to the cp-size " + std::to_string(cp_size));
    }
    stats::cp_async(source, source_bytes);
    thread_slot<CpAsyncQueue>().issue(PendingCopy{destination, source, cp_size, source_bytes});
    shared_mark_pending(destination, cp_size);
}

void cp_async_commit_group() { thread_slot<CpAsyncQueue>().commit(); }

void cp_async_wait_group(int pending_groups) {
    if (pending_groups < 0) fault("cp.async.wait_group " + std::to_string(pending_groups) + " is negative");
    thread_slot<CpAsyncQueue>().wait_until_pending(static_cast<size_t>(pending_groups));
}

void cp_async_wait_all() {
    CpAsyncQueue& queue = thread_slot<CpAsyncQueue>();
    queue.commit();
    queue.wait_until_pending(0);
}

}  // namespace qrt::emu::ptx
