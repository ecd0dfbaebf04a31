// The emulator's checks on the PTX wrappers (cuda/ptx.cuh), each shown catching a deliberately broken kernel next to
// its corrected twin, which must run: cp.async read before its wait (and before the wait of its own group), a thread
// exiting with copies never waited for, misaligned or overlapping copies, src-size beyond the cp-size; ldmatrix of a
// misaligned or unwritten row; mma and the warp-wide shared stores in a divergent or incomplete warp; a misaligned
// 16-byte global load. Then the bank-conflict count of 16-byte warp accesses, and the launch statistics the wrappers
// feed (QRT_EMULATOR_REPORT=1), read back from a child run of this program.
//
// A GPU would not report any of these (it computes garbage or traps), so this program exists only in the emulation
// build; test_cuda_ptx checks the wrappers' results, on the emulator and on GPUs alike.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <vector>

#include "cuda/ptx.cuh"
#include "cuda/shared.cuh"
#include "qrt_emulator/execution.h"
#include "qrt_emulator/ptx.h"
#include "emulator_test_util.h"

namespace ptx = qrt::cuda::ptx;
using qrt::emu::LaunchConfig;
using qrt_test::expect_caught;
using qrt_test::fault_of;

namespace {

LaunchConfig one_warp(const char* kernel, unsigned threads = 32) {
    LaunchConfig launch;
    launch.kernel = kernel;
    launch.grid = dim3(1);
    launch.block = dim3(threads);
    return launch;
}

// Global memory for the copies: 16-byte aligned words.
std::vector<uint4> global_words(size_t count) {
    std::vector<uint4> words(count);
    for (size_t i = 0; i < count; ++i) words[i].x = words[i].y = words[i].z = words[i].w = static_cast<unsigned>(i);
    return words;
}

// ---- cp.async ----------------------------------------------------------------------------------------------------

void cp_async_read_before_wait(const uint4* from) {
    expect_caught(
        one_warp("cp_async_read_before_wait"),
        [from] {
            QRT_SHARED(uint4, slots, 32);
            ptx::cp_async<16>(slots + threadIdx.x, from + threadIdx.x);
            ptx::cp_async_commit_group();
            const uint4 value = slots[threadIdx.x];  // the copy is still in flight
            (void)value;
        },
        [from] {
            QRT_SHARED(uint4, slots, 32);
            ptx::cp_async<16>(slots + threadIdx.x, from + threadIdx.x);
            ptx::cp_async_commit_group();
            ptx::cp_async_wait_group<0>();
            const uint4 value = slots[threadIdx.x];
            (void)value;
        },
        {"kernel cp_async_read_before_wait", "block (0,0,0)", "thread (", "while a cp.async into it", "has not completed"});
}

// With three groups committed, wait_group 1 leaves only the newest pending: groups 0 and 1 are complete, group 2 is
// not. Reading group 2's destination then is the bug; reading group 1's is fine.
void cp_async_wait_group_leaves_the_newest_pending(const uint4* from) {
    auto issue_three_groups = [from](const auto& stages) {
        for (unsigned stage = 0; stage < 3; ++stage) {
            ptx::cp_async<16>(stages + (32 * stage + threadIdx.x), from + (32 * stage + threadIdx.x));
            ptx::cp_async_commit_group();
        }
    };
    expect_caught(
        one_warp("cp_async_reads_the_newest_group"),
        [issue_three_groups] {
            QRT_SHARED(uint4, stages, 96);
            issue_three_groups(stages);
            ptx::cp_async_wait_group<1>();
            const uint4 first = stages[threadIdx.x];
            const uint4 second = stages[32 + threadIdx.x];
            const uint4 third = stages[64 + threadIdx.x];  // group 2 is still pending
            (void)first, (void)second, (void)third;
        },
        [issue_three_groups] {
            QRT_SHARED(uint4, stages, 96);
            issue_three_groups(stages);
            ptx::cp_async_wait_group<1>();
            const uint4 first = stages[threadIdx.x];
            const uint4 second = stages[32 + threadIdx.x];
            ptx::cp_async_wait_group<0>();
            const uint4 third = stages[64 + threadIdx.x];
            (void)first, (void)second, (void)third;
        },
        {"kernel cp_async_reads_the_newest_group", "while a cp.async into it", "has not completed"});
}

void cp_async_exit_with_copies_pending(const uint4* from) {
    expect_caught(
        one_warp("cp_async_exits_with_a_group_pending"),
        [from] {
            QRT_SHARED(uint4, slots, 32);
            ptx::cp_async<16>(slots + threadIdx.x, from + threadIdx.x);
            ptx::cp_async_commit_group();
        },
        [from] {
            QRT_SHARED(uint4, slots, 32);
            ptx::cp_async<16>(slots + threadIdx.x, from + threadIdx.x);
            ptx::cp_async_commit_group();
            ptx::cp_async_wait_group<0>();
        },
        {"kernel cp_async_exits_with_a_group_pending", "thread (", "1 cp.async copies never waited for"});
    // Never committed: wait_group does not cover it, wait_all does.
    expect_caught(
        one_warp("cp_async_exits_with_a_copy_uncommitted"),
        [from] {
            QRT_SHARED(uint4, slots, 32);
            ptx::cp_async<16>(slots + threadIdx.x, from + threadIdx.x);
            ptx::cp_async_wait_group<0>();
        },
        [from] {
            QRT_SHARED(uint4, slots, 32);
            ptx::cp_async<16>(slots + threadIdx.x, from + threadIdx.x);
            ptx::cp_async_wait_all();
        },
        {"kernel cp_async_exits_with_a_copy_uncommitted", "never waited for"});
}

void cp_async_form_checks(const uint4* from) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(from);
    expect_caught(
        one_warp("cp_async_misaligned_source"),
        [bytes] {
            QRT_SHARED(uint4, slots, 32);
            ptx::cp_async<16>(slots + threadIdx.x, bytes + 16 * threadIdx.x + 8);
            ptx::cp_async_wait_all();
        },
        [bytes] {
            QRT_SHARED(uint4, slots, 32);
            ptx::cp_async<8>(slots + threadIdx.x, bytes + 16 * threadIdx.x + 8);  // 8-byte copies need 8-byte alignment
            ptx::cp_async_wait_all();
        },
        {"kernel cp_async_misaligned_source", "cp.async source", "is not aligned to the cp-size 16"});
    expect_caught(
        one_warp("cp_async_misaligned_destination"),
        [from] {
            QRT_SHARED(uint4, slots, 33);
            const auto destination = qrt::cuda::shared_cast<uint8_t>(slots) + 16 * threadIdx.x + 8;
            ptx::cp_async<16>(destination, from + threadIdx.x);
            ptx::cp_async_wait_all();
        },
        [from] {
            QRT_SHARED(uint4, slots, 33);
            const auto destination = qrt::cuda::shared_cast<uint8_t>(slots) + 16 * threadIdx.x + 16;
            ptx::cp_async<16>(destination, from + threadIdx.x);
            ptx::cp_async_wait_all();
        },
        {"kernel cp_async_misaligned_destination", "cp.async destination", "not aligned"});
    expect_caught(
        one_warp("cp_async_overlapping_copies"),
        [from] {
            QRT_SHARED(uint4, slots, 32);
            ptx::cp_async<16>(slots + threadIdx.x, from + threadIdx.x);
            ptx::cp_async<8>(slots + threadIdx.x, from);  // the same bytes, unordered with the first copy
            ptx::cp_async_wait_all();
        },
        [from] {
            QRT_SHARED(uint4, slots, 32);
            ptx::cp_async<16>(slots + threadIdx.x, from + threadIdx.x);
            ptx::cp_async_wait_all();
            ptx::cp_async<8>(slots + threadIdx.x, from);  // ordered: the first has completed
            ptx::cp_async_wait_all();
        },
        {"kernel cp_async_overlapping_copies", "overlaps an earlier cp.async of this thread", "unordered"});
    expect_caught(
        one_warp("cp_async_source_larger_than_copy"),
        [from] {
            QRT_SHARED(uint4, slots, 32);
            ptx::cp_async_zfill<8>(slots + threadIdx.x, from + threadIdx.x, 12);
            ptx::cp_async_wait_all();
        },
        [from] {
            QRT_SHARED(uint4, slots, 32);
            ptx::cp_async_zfill<8>(slots + threadIdx.x, from + threadIdx.x, 8);
            ptx::cp_async_wait_all();
        },
        {"kernel cp_async_source_larger_than_copy", "src-size 12 exceeds the cp-size 8"});
}

// ---- ldmatrix ----------------------------------------------------------------------------------------------------

void ldmatrix_checks() {
    // An 8-column bf16 tile: row r at element 8 r. Thread 3 of the broken kernel points 4 elements (8 bytes) in.
    expect_caught(
        one_warp("ldmatrix_misaligned_row"),
        [] {
            QRT_SHARED(uint4, storage, 40);
            storage[threadIdx.x] = uint4{};
            if (threadIdx.x < 8) storage[32 + threadIdx.x] = uint4{};
            __syncthreads();
            const auto tile = qrt::cuda::shared_cast<uint16_t>(storage);
            uint32_t r[4];
            ptx::ldmatrix(r, tile + 8 * threadIdx.x + (threadIdx.x == 3 ? 4 : 0));
        },
        [] {
            QRT_SHARED(uint4, storage, 40);
            storage[threadIdx.x] = uint4{};
            if (threadIdx.x < 8) storage[32 + threadIdx.x] = uint4{};
            __syncthreads();
            const auto tile = qrt::cuda::shared_cast<uint16_t>(storage);
            uint32_t r[4];
            ptx::ldmatrix(r, tile + 8 * threadIdx.x + (threadIdx.x == 3 ? 8 : 0));
        },
        {"kernel ldmatrix_misaligned_row", "thread (3,0,0)", "ldmatrix row", "not aligned to 16"});
    // Lanes 16-31 give the rows of matrices 2 and 3 of an x4, which nobody wrote; an x2 ignores those lanes.
    expect_caught(
        one_warp("ldmatrix_unwritten_rows"),
        [] {
            QRT_SHARED(uint4, storage, 32);
            if (threadIdx.x < 16) storage[threadIdx.x] = uint4{};
            __syncthreads();
            uint32_t r[4];
            ptx::ldmatrix_trans(r, qrt::cuda::shared_cast<uint16_t>(storage) + 8 * threadIdx.x);
        },
        [] {
            QRT_SHARED(uint4, storage, 32);
            if (threadIdx.x < 16) storage[threadIdx.x] = uint4{};
            __syncthreads();
            uint32_t r[2];
            ptx::ldmatrix_trans(r, qrt::cuda::shared_cast<uint16_t>(storage) + 8 * threadIdx.x);
        },
        {"kernel ldmatrix_unwritten_rows", "thread (", "no thread of this block has written"});
}

// ---- Warp-wide instructions in divergent or incomplete warps ---------------------------------------------------------

void warp_wide_instructions_need_the_whole_warp() {
    expect_caught(
        one_warp("mma_in_a_divergent_warp"),
        [] {
            const uint32_t a[4] = {}, b[2] = {};
            float acc[4] = {};
            if (threadIdx.x < 16) {
                ptx::mma_bf16_m16n8k16(acc, a, b);
            } else {
                ptx::mma_f16_m16n8k16(acc, a, b);
            }
        },
        [] {
            const uint32_t a[4] = {}, b[2] = {};
            float acc[4] = {};
            ptx::mma_bf16_m16n8k16(acc, a, b);
        },
        {"kernel mma_in_a_divergent_warp", "mma.sync.aligned.m16n8k16.row.col.f32", "(divergent warp)"});
    expect_caught(
        one_warp("mma_after_half_the_warp_returned"),
        [] {
            if (threadIdx.x >= 16) return;
            const uint32_t a[4] = {}, b[2] = {};
            int32_t acc[4] = {};
            ptx::mma_s8_m16n8k32_satfinite(acc, a, b);
        },
        [] {
            const uint32_t a[4] = {}, b[2] = {};
            int32_t acc[4] = {};
            ptx::mma_s8_m16n8k32_satfinite(acc, a, b);
        },
        {"kernel mma_after_half_the_warp_returned", "(incomplete warp)"});
    expect_caught(
        one_warp("mma_in_a_block_of_16_threads", 16),
        [] {
            const uint32_t a[4] = {}, b[2] = {};
            float acc[4] = {};
            ptx::mma_e4m3_m16n8k32(acc, a, b);
        },
        [] {},
        {"kernel mma_in_a_block_of_16_threads", "mma.sync.aligned.m16n8k32.row.col.f32.e4m3", "needs the whole warp"});
    expect_caught(
        one_warp("st_shared_v4_by_half_a_warp"),
        [] {
            QRT_SHARED(uint4, slots, 32);
            if (threadIdx.x % 2 == 0) ptx::st_shared_v4(slots + threadIdx.x, uint4{});
        },
        [] {
            QRT_SHARED(uint4, slots, 32);
            if (threadIdx.x % 2 == 0) slots[threadIdx.x] = uint4{};  // a plain store is per thread
        },
        {"kernel st_shared_v4_by_half_a_warp", "st.shared.v4 (the warp-wide wrapper)"});
}

void misaligned_global_load(const uint4* from) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(from);
    expect_caught(
        one_warp("ld_global_nc_misaligned"),
        [bytes] { (void)ptx::ld_global_nc_v4(bytes + 16 * threadIdx.x + 4); },
        [bytes] { (void)ptx::ld_global_nc_v4(bytes + 16 * threadIdx.x); },
        {"kernel ld_global_nc_misaligned", "ld.global.nc.v4: global address", "is not 16-byte aligned"});
}

// ---- Bank conflicts ----------------------------------------------------------------------------------------------

// 32 banks of 4 bytes: a 16-byte chunk at address a occupies bank group (a / 16) % 8. Eight lanes at a time.
void bank_conflict_counts() {
    auto count = [](auto address_of_lane, uint32_t present = 0xFFFFFFFFu) {
        uint32_t addresses[32];
        for (uint32_t lane = 0; lane < 32; ++lane) addresses[lane] = address_of_lane(lane);
        return qrt::emu::ptx::shared_v4_wavefronts(addresses, present);
    };
    auto check = [](const char* what, qrt::emu::ptx::Wavefronts got, unsigned needed, unsigned minimum) {
        if (got.needed != needed || got.minimum != minimum) {
            std::fprintf(stderr, "%s: %u wavefronts (minimum %u), expected %u (minimum %u)\n", what, got.needed,
                         got.minimum, needed, minimum);
            ++qrt_test::failures();
        }
    };
    // A warp's contiguous 512 bytes: each eight-lane phase covers all 32 banks once.
    check("contiguous", count([](uint32_t lane) { return 16 * lane; }), 4, 4);
    // Rows 128 bytes apart (a 64-element bf16 tile, unswizzled): all eight rows of a phase on bank group 0.
    check("128-byte stride", count([](uint32_t lane) { return 128 * lane; }), 32, 4);
    // 64 bytes apart: two bank groups, four rows on each.
    check("64-byte stride", count([](uint32_t lane) { return 64 * lane; }), 16, 4);
    // The same rows with the 16-byte column XOR-swizzled by the row (row r's chunk c stored at c ^ (r % 8)).
    check("128-byte stride, swizzled", count([](uint32_t lane) { return 128 * lane + 16 * (lane % 8); }), 4, 4);
    // Every lane of a phase on one address: a broadcast.
    check("broadcast", count([](uint32_t lane) { return 256 * (lane / 8); }), 4, 4);
    // ldmatrix.x1 takes lanes 0-7 only (one phase); x2 lanes 0-15.
    check("x1, 128-byte stride", count([](uint32_t lane) { return 128 * lane; }, 0x000000FFu), 8, 1);
    check("x2, contiguous", count([](uint32_t lane) { return 16 * lane; }, 0x0000FFFFu), 2, 2);
}

// The statistics the wrappers record, as QRT_EMULATOR_REPORT=1 prints them: a child run of this program (with
// --report-child) launches the kernels below and the parent reads its report.
void report_child_kernels() {
    // 64-byte aligned, so that 512 bytes are exactly 16 sectors of 32 bytes.
    alignas(64) static uint4 words[64];
    const uint4* from = words;
    auto run = [](const char* name, auto body) {
        const std::string message = fault_of(one_warp(name), body);
        if (!message.empty()) std::fprintf(stderr, "unexpected fault: %s\n", message.c_str());
    };
    // A 32 x 64 bf16 tile with 128-byte rows: x4 loads of rows 0-31 conflict eight ways; swizzled they do not.
    run("report_ldmatrix_unswizzled", [] {
        QRT_SHARED(uint4, tile, 32 * 8);
        for (unsigned i = threadIdx.x; i < 32 * 8; i += 32) tile[i] = uint4{};
        __syncthreads();
        uint32_t r[4];
        ptx::ldmatrix(r, qrt::cuda::shared_cast<uint16_t>(tile) + 64 * threadIdx.x);
    });
    run("report_ldmatrix_swizzled", [] {
        QRT_SHARED(uint4, tile, 32 * 8);
        for (unsigned i = threadIdx.x; i < 32 * 8; i += 32) tile[i] = uint4{};
        __syncthreads();
        uint32_t r[4];
        ptx::ldmatrix(r, qrt::cuda::shared_cast<uint16_t>(tile) + 64 * threadIdx.x + 8 * (threadIdx.x % 8));
    });
    run("report_copies_and_mma", [from] {
        QRT_SHARED(uint4, slots, 64);
        ptx::cp_async<16>(slots + threadIdx.x, from + threadIdx.x);
        ptx::cp_async_zfill<16>(slots + 32 + threadIdx.x, from + 32 + threadIdx.x, 4);
        ptx::cp_async_wait_all();
        __syncthreads();  // the neighbour's slot was its copy's destination
        ptx::st_shared_v4(slots + (threadIdx.x ^ 1), ptx::ld_global_nc_v4(from + threadIdx.x));
        uint32_t a[4] = {0, 0, 0, 0}, b[2] = {0, 0};
        float acc[4] = {0, 0, 0, 0};
        ptx::mma_bf16_m16n8k16(acc, a, b);
        ptx::mma_bf16_m16n8k16(acc, a, b);
    });
}

std::string collapse_spaces(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == ' ' && !out.empty() && out.back() == ' ') continue;
        out += c;
    }
    return out;
}

void launch_statistics(const char* self) {
    const qrt_test::ChildRun child = qrt_test::run_child(self, "--report-child", "QRT_EMULATOR_REPORT=1 QRT_EMULATOR_THREADS=1");
    if (child.status != 0) {
        std::fprintf(stderr, "the --report-child run of %s failed:\n%s\n", self, child.output.c_str());
        ++qrt_test::failures();
        return;
    }
    const std::string report = collapse_spaces(child.output);
    // Each kernel's report starts with its name; look for a line within that kernel's section.
    auto expect = [&report](const char* kernel, const char* line) {
        const size_t start = report.find(std::string("qrt emulator: ") + kernel + " ");
        const size_t end = report.find("qrt emulator: ", start + 1);
        const std::string section = start == std::string::npos ? "" : report.substr(start, end - start);
        if (section.find(line) == std::string::npos) {
            std::fprintf(stderr, "launch statistics of %s lack \"%s\":\n%s\n", kernel, line, section.c_str());
            ++qrt_test::failures();
        }
    };
    expect("report_ldmatrix_unswizzled", "ldmatrix.x4 1 warp instructions, 28 extra wavefronts");
    expect("report_ldmatrix_swizzled", "ldmatrix.x4 1 warp instructions, 0 extra wavefronts");
    expect("report_copies_and_mma", "cp.async 640 bytes in 64 accesses");  // 32 x 16 + 32 x 4 (src-size)
    expect("report_copies_and_mma", "global loads 512 bytes in 32 accesses, 32 sectors (16 distinct)");
    expect("report_copies_and_mma", "st.shared.v4 1 warp instructions, 0 extra wavefronts");
    expect("report_copies_and_mma", "mma m16n8k16.bf16 2 warp instructions");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "--report-child") {
        report_child_kernels();
        return 0;
    }
    const std::vector<uint4> source = global_words(128);
    cp_async_read_before_wait(source.data());
    cp_async_wait_group_leaves_the_newest_pending(source.data());
    cp_async_exit_with_copies_pending(source.data());
    cp_async_form_checks(source.data());
    ldmatrix_checks();
    warp_wide_instructions_need_the_whole_warp();
    misaligned_global_load(source.data());
    bank_conflict_counts();
    launch_statistics(argv[0]);
    return qrt_test::finish("test_emulator_ptx");
}
