// What one scheduler counted during a launch (see qrt_emulator/stats.h); merged over schedulers at the end.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_set>

namespace qrt::emu {

struct TrafficCounters {
    uint64_t bytes = 0;
    uint64_t accesses = 0;
    uint64_t sectors = 0;  // 32-byte sectors each access touched, summed over accesses
    std::unordered_set<uint64_t> distinct;  // distinct sector addresses

    void add(uintptr_t address, uint64_t count) {
        bytes += count;
        ++accesses;
        if (count == 0) return;  // a zero-filling cp.async with src-size 0 reads no sector
        const uint64_t first = address / 32;
        const uint64_t last = (address + count - 1) / 32;
        sectors += last - first + 1;
        for (uint64_t sector = first; sector <= last; ++sector) distinct.insert(sector);
    }

    void merge(const TrafficCounters& other) {
        bytes += other.bytes;
        accesses += other.accesses;
        sectors += other.sectors;
        distinct.insert(other.distinct.begin(), other.distinct.end());
    }
};

struct LaunchCounters {
    TrafficCounters global_reads;
    TrafficCounters global_writes;
    TrafficCounters cp_async;
    std::map<std::string, uint64_t> extra_wavefronts;  // per shared-memory instruction
    std::map<std::string, uint64_t> shared_instructions;
    std::map<std::string, uint64_t> mma;
    size_t shared_bytes = 0;  // the most shared memory a block used

    void merge(const LaunchCounters& other) {
        shared_bytes = std::max(shared_bytes, other.shared_bytes);
        global_reads.merge(other.global_reads);
        global_writes.merge(other.global_writes);
        cp_async.merge(other.cp_async);
        for (const auto& [name, count] : other.extra_wavefronts) extra_wavefronts[name] += count;
        for (const auto& [name, count] : other.shared_instructions) shared_instructions[name] += count;
        for (const auto& [name, count] : other.mma) mma[name] += count;
    }
};

}  // namespace qrt::emu
