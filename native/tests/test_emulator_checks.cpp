// The CUDA emulator's checks, each shown catching a deliberately broken kernel, next to the corrected kernel that
// must pass: a __syncthreads reached by part of a block, a deadlock, a read of shared memory no thread wrote, a
// shared-memory race (read after write, write after read, write after write), divergent and incomplete warps at a
// warp collective, launch limits, and a co-resident grid that hands a flag from block to block. Every fault must
// name the kernel, the block and the thread (and the shared offset for memory faults).
//
// The kernels are lambdas run by the emulator's core directly (run_grid), so this program tests the execution
// model on its own; it exists only in the emulation build. Global out-of-bounds accesses are AddressSanitizer's job:
// built with it, this program also runs itself as a child with --out-of-bounds and expects ASan's report.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "qrt_emulator/dialect.h"
#include "qrt_emulator/shared_memory.h"
#include "emulator_test_util.h"

using namespace qrt::emu;
using qrt_test::expect_caught;
using qrt_test::fault_of;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

LaunchConfig config(const char* kernel, dim3 grid, dim3 block) {
    LaunchConfig launch;
    launch.kernel = kernel;
    launch.grid = grid;
    launch.block = block;
    return launch;
}

void partial_barrier() {
    // Threads past the row's end return early, then the others synchronise: on a GPU, undefined.
    expect_caught(
        config("early_return_then_barrier", dim3(1), dim3(64)),
        [] {
            if (threadIdx.x >= 40) return;
            __syncthreads();
        },
        [] {
            const bool active = threadIdx.x < 40;
            __syncthreads();
            (void)active;
        },
        {"kernel early_return_then_barrier", "block (0,0,0)", "thread (", "only part of the block"});
}

void deadlock() {
    // Two warps wait at different barriers that each needs the other.
    expect_caught(
        config("crossed_barriers", dim3(1), dim3(64)),
        [] {
            if (threadIdx.x < 32) {
                __syncthreads();
            } else {
                named_barrier_sync(1, 64);
            }
        },
        [] {
            named_barrier_sync(1, 64);
            __syncthreads();
        },
        {"kernel crossed_barriers", "deadlock", "__syncthreads", "bar.sync 1", "block (0,0,0)", "thread (32,0,0)"});
}

void uninitialised_shared_read() {
    expect_caught(
        config("reads_unwritten_shared", dim3(1), dim3(32)),
        [] {
            QRT_EMU_SHARED(float, tile, 64);
            tile[threadIdx.x] = 1.0f;
            __syncthreads();
            const float value = tile[threadIdx.x + 32];  // the upper half was never written
            (void)value;
        },
        [] {
            QRT_EMU_SHARED(float, tile, 64);
            tile[threadIdx.x] = 1.0f;
            tile[threadIdx.x + 32] = 2.0f;
            __syncthreads();
            const float value = tile[63 - threadIdx.x];
            (void)value;
        },
        {"kernel reads_unwritten_shared", "block (0,0,0)", "thread (", "reads shared offset 0x", "no thread of this block has written"});
}

void read_after_write_race() {
    // A neighbour's element read without the barrier between the second round of writes and the reads. (The
    // first round makes every element written, so the read is a race rather than a read of unwritten memory.)
    expect_caught(
        config("missing_barrier", dim3(1), dim3(64)),
        [] {
            QRT_EMU_SHARED(int, values, 64);
            values[threadIdx.x] = 0;
            __syncthreads();
            values[threadIdx.x] = static_cast<int>(threadIdx.x);
            const int left = values[(threadIdx.x + 63) % 64];
            (void)left;
        },
        [] {
            QRT_EMU_SHARED(int, values, 64);
            values[threadIdx.x] = 0;
            __syncthreads();
            values[threadIdx.x] = static_cast<int>(threadIdx.x);
            __syncthreads();
            const int left = values[(threadIdx.x + 63) % 64];
            (void)left;
        },
        {"kernel missing_barrier", "shared-memory race", "shared offset 0x", "a read by this thread, after a write by thread (", "no barrier"});
}

void write_after_read_race() {
    // Each thread overwrites its element while a neighbour may still be reading it: the second barrier is missing.
    expect_caught(
        config("missing_second_barrier", dim3(1), dim3(64)),
        [] {
            QRT_EMU_SHARED(int, values, 64);
            values[threadIdx.x] = 1;
            __syncthreads();
            const int right = values[(threadIdx.x + 1) % 64];
            values[threadIdx.x] = right + 1;
        },
        [] {
            QRT_EMU_SHARED(int, values, 64);
            values[threadIdx.x] = 1;
            __syncthreads();
            const int right = values[(threadIdx.x + 1) % 64];
            __syncthreads();
            values[threadIdx.x] = right + 1;
        },
        {"kernel missing_second_barrier", "a write by this thread, after a read by thread (", "no barrier"});
}

void write_after_write_race() {
    expect_caught(
        config("two_writers", dim3(1), dim3(64)),
        [] {
            QRT_EMU_SHARED(int, slot, 1);
            if (threadIdx.x == 3 || threadIdx.x == 40) slot[0] = static_cast<int>(threadIdx.x);
        },
        [] {
            QRT_EMU_SHARED(int, slot, 1);
            if (threadIdx.x == 3) slot[0] = 3;
            __syncthreads();
            if (threadIdx.x == 40) slot[0] = 40;
        },
        {"kernel two_writers", "a write by this thread, after a write by thread (3,0,0)"});
}

void warp_synchronous_ordering() {
    // Within one warp, __syncwarp orders the lanes' accesses; across warps it does not.
    expect_caught(
        config("syncwarp_across_warps", dim3(1), dim3(64)),
        [] {
            QRT_EMU_SHARED(int, values, 64);
            values[threadIdx.x] = 0;
            __syncthreads();
            values[threadIdx.x] = 1;
            __syncwarp();
            const int other = values[(threadIdx.x + 32) % 64];
            (void)other;
        },
        [] {
            QRT_EMU_SHARED(int, values, 64);
            values[threadIdx.x] = 0;
            __syncthreads();
            values[threadIdx.x] = 1;
            __syncwarp();
            const int partner = values[threadIdx.x ^ 1];
            __syncwarp();
            values[threadIdx.x] = partner + 1;
        },
        {"kernel syncwarp_across_warps", "shared-memory race", "a read by this thread, after a write by thread ("});
}

void divergent_and_incomplete_warps() {
    expect_caught(
        config("divergent_collectives", dim3(1), dim3(32)),
        [] {
            if (threadIdx.x < 16) {
                (void)__shfl_sync(0xffffffffu, 1, 0);
            } else {
                (void)__ballot_sync(0xffffffffu, 1);
            }
        },
        [] {
            (void)__shfl_sync(0xffffffffu, 1, 0);
            (void)__ballot_sync(0xffffffffu, 1);
        },
        {"kernel divergent_collectives", "divergent warp", "shfl.sync.idx", "vote.sync.ballot"});
    expect_caught(
        config("exited_lane_in_mask", dim3(1), dim3(32)),
        [] {
            if (threadIdx.x == 5) return;
            (void)__shfl_xor_sync(0xffffffffu, 1.0f, 1);
        },
        [] {
            // Lanes 5 and 7 exchange with each other under xor 2: both leave, and the mask says so.
            if (threadIdx.x == 5 || threadIdx.x == 7) return;
            (void)__shfl_xor_sync(~((1u << 5) | (1u << 7)), 1.0f, 2);
        },
        {"kernel exited_lane_in_mask", "incomplete warp"});
}

void shuffles_follow_the_segment_rules() {
    // __shfl_up_sync over segments of 8: the lowest `delta` lanes of each segment keep their own value.
    std::array<int, 32> got{};
    run_grid(config("shuffle_up_width_8", dim3(1), dim3(32)), [&got] {
        got[threadIdx.x] = __shfl_up_sync(0xffffffffu, static_cast<int>(threadIdx.x) * 10, 3, 8);
    });
    for (int lane = 0; lane < 32; ++lane) {
        const int expected = lane % 8 >= 3 ? (lane - 3) * 10 : lane * 10;
        QRT_CHECK(got[lane] == expected);
    }
}

void launch_limits() {
    bool refused = false;
    try {
        run_grid(config("too_many_threads", dim3(1), dim3(2048)), [] {});
    } catch (const LaunchError& error) {
        refused = contains(error.what(), "2048 threads per block exceed 1024");
    }
    QRT_CHECK(refused);

    LaunchConfig too_much_shared = config("too_much_dynamic_shared", dim3(1), dim3(32));
    too_much_shared.dynamic_shared_bytes = 64 * 1024;
    refused = false;
    try {
        run_grid(too_much_shared, [] {});
    } catch (const LaunchError& error) {
        refused = contains(error.what(), "cudaFuncAttributeMaxDynamicSharedMemorySize");
    }
    QRT_CHECK(refused);

    LaunchConfig too_many_resident = config("too_many_resident_blocks", dim3(1000), dim3(1024));
    too_many_resident.co_resident = true;
    refused = false;
    try {
        run_grid(too_many_resident, [] {});
    } catch (const LaunchError& error) {
        refused = contains(error.what(), "co-resident") && contains(error.what(), "at most 264 blocks");
    }
    QRT_CHECK(refused);
}

void co_resident_handoff() {
    // Block b waits for block b-1's flag, as a striped reduction waits for its predecessor: only co-residency and
    // fair turns let the spins finish.
    constexpr unsigned blocks = 16;
    std::vector<int> flags(blocks, 0);
    std::vector<int> order;
    LaunchConfig launch = config("chained_blocks", dim3(blocks), dim3(64));
    launch.co_resident = true;
    run_grid(launch, [&] {
        if (threadIdx.x != 0) return;
        if (blockIdx.x > 0) {
            while (atomicAdd(&flags[blockIdx.x - 1], 0) == 0) {
            }
        }
        order.push_back(static_cast<int>(blockIdx.x));
        atomicExch(&flags[blockIdx.x], 1);
    });
    QRT_CHECK(order.size() == blocks);
    for (unsigned b = 0; b < order.size(); ++b) QRT_CHECK(order[b] == static_cast<int>(b));

    // The same wait with no other block to set the flag never ends: reported, not hung.
    std::vector<int> never(1, 0);
    LaunchConfig stuck = config("waits_forever", dim3(2), dim3(32));
    stuck.co_resident = true;
    const std::string message = fault_of(stuck, [&] {
        while (atomicAdd(&never[0], 0) == 0) {
        }
    });
    std::printf("caught: %s\n", message.c_str());
    QRT_CHECK(contains(message, "kernel waits_forever") && contains(message, "no progress"));
}

// Run as a child: a global out-of-bounds read, which AddressSanitizer must report.
int out_of_bounds() {
    auto buffer = std::make_unique<float[]>(64);
    run_grid(config("reads_past_the_end", dim3(1), dim3(65)), [&] {
        volatile float value = buffer[threadIdx.x];
        (void)value;
    });
    return 0;
}

void sanitizer_catches_global_out_of_bounds(const char* self) {
#if defined(__SANITIZE_ADDRESS__)
    const qrt_test::ChildRun child = qrt_test::run_child(self, "--out-of-bounds");
    const bool reported = child.status != 0 && contains(child.output, "heap-buffer-overflow");
    std::printf("AddressSanitizer on a global read past the end: %s\n", reported ? "reported" : "NOT reported");
    QRT_CHECK(reported);
#else
    (void)self;
    std::printf("global out-of-bounds: not checked in this build (AddressSanitizer catches it in the sanitized build)\n");
#endif
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "--out-of-bounds") return out_of_bounds();
    partial_barrier();
    deadlock();
    uninitialised_shared_read();
    read_after_write_race();
    write_after_read_race();
    write_after_write_race();
    warp_synchronous_ordering();
    divergent_and_incomplete_warps();
    shuffles_follow_the_segment_rules();
    launch_limits();
    co_resident_handoff();
    sanitizer_catches_global_out_of_bounds(argv[0]);
    return qrt_test::finish("test_emulator_checks");
}
