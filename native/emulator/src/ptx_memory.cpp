// The memory wrappers of ptx.cuh in the CUDA emulator: 16-byte global loads (cache hints have no effect on a CPU),
// the warp's 16-byte shared stores and loads, and the GPU-scope acquire/release operations of cross-block locks.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "qrt_emulator/execution.h"
#include "qrt_emulator/ptx.h"
#include "qrt_emulator/shared_memory.h"
#include "qrt_emulator/stats.h"

namespace qrt::emu::ptx {
namespace {

void check_global_alignment(const void* address, size_t alignment, const char* form) {
    if (reinterpret_cast<uintptr_t>(address) % alignment == 0) return;
    char text[32];
    std::snprintf(text, sizeof text, "%p", address);
    fault(std::string(form) + ": global address " + text + " is not " + std::to_string(alignment) + "-byte aligned");
}

// The warp meets after its lanes' accesses, so that the last lane sees every address and can count the wavefronts.
void count_warp_wavefronts(const char* operation, const char* statistics_name, uint32_t address) {
    warp_collective<uint32_t, char>(operation, 0xFFFFFFFFu, true, address,
                                    [statistics_name](unsigned present, const uint32_t* const* inputs, char* const*) {
                                        uint32_t addresses[32] = {};
                                        for (unsigned lane = 0; lane < 32; ++lane) {
                                            if (present >> lane & 1u) addresses[lane] = *inputs[lane];
                                        }
                                        const Wavefronts wavefronts = shared_v4_wavefronts(addresses, present);
                                        stats::shared_wavefronts(statistics_name,
                                                                 wavefronts.needed - wavefronts.minimum);
                                    });
}

}  // namespace

void ld_global_v4(const void* address, uint32_t (&value)[4], const char* form) {
    check_global_alignment(address, 16, form);
    std::memcpy(value, address, 16);
    stats::global_access(false, address, 16);
}

void st_shared_v4(uint32_t address, const uint32_t (&value)[4]) {
    shared_check_range(address, 16, 16, "st.shared.v4 (16 bytes, 16-byte aligned)");
    shared_write(address, value, 16);
    count_warp_wavefronts("st.shared.v4 (the warp-wide wrapper)", "st.shared.v4", address);
}

void ld_shared_v4(uint32_t address, uint32_t (&value)[4]) {
    shared_check_range(address, 16, 16, "ld.shared.v4 (16 bytes, 16-byte aligned)");
    shared_read(address, value, 16);
    count_warp_wavefronts("ld.shared.v4 (the warp-wide wrapper)", "ld.shared.v4", address);
}

// A thread spinning on a flag calls this over and over: letting the other fibers run first is what lets the block it
// waits for make progress.
int ld_acquire_gpu(const int* address) {
    check_global_alignment(address, 4, "ld.acquire.gpu");
    yield_point();
    const int value = std::atomic_ref<const int>(*address).load(std::memory_order_acquire);
    stats::global_access(false, address, 4);
    return value;
}

void st_release_gpu(int* address, int value) {
    check_global_alignment(address, 4, "st.release.gpu");
    std::atomic_ref<int>(*address).store(value, std::memory_order_release);
    stats::global_access(true, address, 4);
    note_progress();
    yield_point();
}

void red_add_gpu(int* address, int value, bool release) {
    check_global_alignment(address, 4, release ? "red.release.gpu.add" : "red.relaxed.gpu.add");
    std::atomic_ref<int>(*address).fetch_add(value, release ? std::memory_order_release : std::memory_order_relaxed);
    stats::global_access(true, address, 4);
    note_progress();
    yield_point();
}

}  // namespace qrt::emu::ptx
