// Launch statistics (see qrt_emulator/stats.h).
#include "qrt_emulator/stats.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "stats_report.h"

namespace qrt::emu {
namespace {

thread_local LaunchCounters* active = nullptr;

std::string triple(const dim3& v) {
    return std::to_string(v.x) + "x" + std::to_string(v.y) + "x" + std::to_string(v.z);
}

void print_traffic(const char* name, const TrafficCounters& traffic) {
    if (traffic.accesses == 0) return;
    std::fprintf(stderr, "  %-14s %12llu bytes in %10llu accesses, %10llu sectors (%llu distinct)\n", name,
                 static_cast<unsigned long long>(traffic.bytes), static_cast<unsigned long long>(traffic.accesses),
                 static_cast<unsigned long long>(traffic.sectors),
                 static_cast<unsigned long long>(traffic.distinct.size()));
}

}  // namespace

bool stats::enabled() {
    static const bool on = [] {
        const char* text = std::getenv("QRT_EMULATOR_REPORT");
        return text != nullptr && std::strcmp(text, "1") == 0;
    }();
    return on;
}

void set_active_counters(LaunchCounters* counters) { active = stats::enabled() ? counters : nullptr; }

void stats::global_access(bool write, const void* address, size_t bytes) {
    if (active == nullptr) return;
    (write ? active->global_writes : active->global_reads).add(reinterpret_cast<uintptr_t>(address), bytes);
}

void stats::cp_async(const void* source, size_t bytes) {
    if (active == nullptr) return;
    active->cp_async.add(reinterpret_cast<uintptr_t>(source), bytes);
}

void stats::shared_wavefronts(const char* instruction, unsigned extra_wavefronts) {
    if (active == nullptr) return;
    active->shared_instructions[instruction] += 1;
    active->extra_wavefronts[instruction] += extra_wavefronts;
}

void stats::mma(const char* shape) {
    if (active == nullptr) return;
    active->mma[shape] += 1;
}

void report_launch(const LaunchConfig& config, const std::vector<LaunchCounters>& per_scheduler) {
    if (!stats::enabled()) return;
    LaunchCounters total;
    for (const LaunchCounters& counters : per_scheduler) total.merge(counters);
    std::fprintf(stderr, "qrt emulator: %s grid %s block %s shared memory %zu bytes per block (%zu dynamic, limit %zu)\n",
                 config.kernel.c_str(), triple(config.grid).c_str(), triple(config.block).c_str(), total.shared_bytes,
                 config.dynamic_shared_bytes, config.max_shared_bytes);
    print_traffic("global loads", total.global_reads);
    print_traffic("global stores", total.global_writes);
    print_traffic("cp.async", total.cp_async);
    for (const auto& [instruction, count] : total.shared_instructions) {
        std::fprintf(stderr, "  %-14s %12llu warp instructions, %llu extra wavefronts (bank conflicts)\n",
                     instruction.c_str(), static_cast<unsigned long long>(count),
                     static_cast<unsigned long long>(total.extra_wavefronts[instruction]));
    }
    for (const auto& [shape, count] : total.mma) {
        std::fprintf(stderr, "  mma %-10s %12llu warp instructions\n", shape.c_str(), static_cast<unsigned long long>(count));
    }
}

}  // namespace qrt::emu
