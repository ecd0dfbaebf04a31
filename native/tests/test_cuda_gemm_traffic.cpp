// Proof from the CUDA emulator's launch statistics (QRT_EMULATOR_REPORT=1) that the INT8 and FP8 W8A8 GEMMs at
// decode (M = 1 and 16) on a 4096 x 4096 layer move the bytes they should:
//   - every weight byte is fetched exactly once: the cp.async bytes beyond the activations' equal the weight's size,
//     and the distinct 32-byte sectors are exactly those of the weight and the activations (ideal ratio 1.00);
//   - the activations are fetched once per block (N / 32 blocks) and then reused from shared memory by every warp;
//   - ldmatrix and the shared-memory stores and loads of the split-K reduction need no extra wavefronts.
// The program runs itself as a child with the report on (one emulator thread, so the report lines do not interleave)
// and checks the figures the child prints. Scales and bias are read with plain loads in the epilogue, which the
// emulator does not count. Skipped (77) where CUDA is not the emulator.
#include <cstdio>
#include <cstring>
#include <sstream>

#include "cuda_gemm_test_util.h"

using namespace qrt_test;

namespace {

constexpr int64_t kN = 4096;
constexpr int64_t kK = 4096;
constexpr int64_t kBlockN = 32;  // the decode configuration's block width (cuda/gemm_kernel.cuh)

struct Run {
    const char* name;
    int64_t m;
    bool fp8;
};
const Run kRuns[] = {{"int8 M=1", 1, false}, {"int8 M=16", 16, false}, {"fp8 M=1", 1, true}, {"fp8 M=16", 16, true}};

// The child: one launch per run, in kRuns order.
int child() {
    Random random(11);
    CudaStream gpu;
    for (const Run& run : kRuns) {
        Operand a(run.fp8 ? QRT_DTYPE_F8_E4M3 : QRT_DTYPE_I8, {run.m, kK});
        fill_bytes(random, a, run.fp8);
        Operand a_scale(QRT_DTYPE_F32, {run.m});
        fill_uniform(random, a_scale, 0.001f, 0.01f);
        Operand w(a.dtype, {kN, kK});
        fill_bytes(random, w, run.fp8);
        Operand w_scale(QRT_DTYPE_F32, {kN});
        fill_uniform(random, w_scale, 0.001f, 0.01f);
        Operand y(QRT_DTYPE_BF16, {run.m, kN});
        for (Operand* o : {&a, &a_scale, &w, &w_scale, &y}) o->upload(gpu);
        qrt_tensor at = a.gpu(), ast = a_scale.gpu(), wt = w.gpu(), wst = w_scale.gpu(), yt = y.gpu();
        if (run.fp8) {
            QRT_CHECK_OK(qrt_gemm_w8a8_fp8(gpu, &at, &ast, &wt, &wst, nullptr, &yt));
        } else {
            QRT_CHECK_OK(qrt_gemm_w8a8_int8(gpu, &at, &ast, nullptr, &wt, &wst, nullptr, &yt));
        }
        QRT_CHECK_OK(qrt_stream_synchronize(gpu));
    }
    return finish("test_cuda_gemm_traffic --child");
}

// The figures of one launch's report.
struct Launch {
    unsigned long long cp_async_bytes = 0, cp_async_sectors = 0, cp_async_distinct = 0;
    unsigned long long global_load_bytes = 0;
    unsigned long long extra_wavefronts = 0;
    unsigned grid_x = 0;
};

std::vector<Launch> parse(const std::string& output) {
    std::vector<Launch> launches;
    std::istringstream lines(output);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind("qrt emulator: gemm_kernel", 0) == 0) {
            launches.emplace_back();
            const size_t grid = line.find(" grid ");
            if (grid != std::string::npos) launches.back().grid_x = static_cast<unsigned>(std::stoul(line.substr(grid + 6)));
            continue;
        }
        if (launches.empty()) continue;
        Launch& launch = launches.back();
        unsigned long long bytes = 0, accesses = 0, sectors = 0, distinct = 0, count = 0, extra = 0;
        char name[64] = {};
        if (std::sscanf(line.c_str(), " cp.async %llu bytes in %llu accesses, %llu sectors (%llu distinct)", &bytes,
                        &accesses, &sectors, &distinct) == 4) {
            launch.cp_async_bytes = bytes;
            launch.cp_async_sectors = sectors;
            launch.cp_async_distinct = distinct;
        } else if (std::sscanf(line.c_str(), " global loads %llu bytes", &bytes) == 1) {
            launch.global_load_bytes = bytes;
        } else if (std::sscanf(line.c_str(), " %63s %llu warp instructions, %llu extra wavefronts", name, &count,
                               &extra) == 3) {
            launch.extra_wavefronts += extra;
        }
    }
    return launches;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) return skip_without_cuda("test_cuda_gemm_traffic", reason);
    if (argc > 1 && std::strcmp(argv[1], "--child") == 0) return child();
    if (!cuda_is_emulated()) return skip("test_cuda_gemm_traffic", "launch statistics come from the CUDA emulator");

    const ChildRun run = run_child(argv[0], "--child", "QRT_EMULATOR_REPORT=1 QRT_EMULATOR_THREADS=1");
    QRT_CHECK(run.status == 0);
    const std::vector<Launch> launches = parse(run.output);
    QRT_CHECK(launches.size() == std::size(kRuns));
    if (launches.size() != std::size(kRuns)) {
        std::fprintf(stderr, "%s", run.output.c_str());
        return finish("test_cuda_gemm_traffic");
    }
    std::printf("%-10s %6s %14s %14s %12s %12s %10s %6s\n", "run", "blocks", "weight bytes", "fetched", "sectors",
                "ideal", "ratio", "extra");
    for (size_t i = 0; i < launches.size(); ++i) {
        const Launch& l = launches[i];
        const Run& r = kRuns[i];
        const unsigned long long weight_bytes = static_cast<unsigned long long>(kN * kK);
        const unsigned long long activation_bytes = static_cast<unsigned long long>(r.m * kK);
        const unsigned long long blocks = static_cast<unsigned long long>(kN / kBlockN);
        const unsigned long long ideal = (weight_bytes + activation_bytes) / 32;
        QRT_CHECK(l.grid_x == blocks);
        // Weights once, activations once per block, nothing else (zero-filled rows past M read nothing).
        QRT_CHECK(l.cp_async_bytes == weight_bytes + blocks * activation_bytes);
        // Every sector of the weight and activations, and no other.
        QRT_CHECK(l.cp_async_distinct == ideal);
        // The weight's fetched bytes fill its distinct sectors exactly: no weight sector is fetched twice. (Each
        // 32-byte sector is two 16-byte cp.async, which the emulator counts as one sector each.)
        QRT_CHECK(l.cp_async_bytes - blocks * activation_bytes == 32 * (l.cp_async_distinct - activation_bytes / 32));
        QRT_CHECK(l.global_load_bytes == 0);
        QRT_CHECK(l.extra_wavefronts == 0);
        std::printf("%-10s %6u %14llu %14llu %12llu %12llu %10.2f %6llu\n", r.name, l.grid_x, weight_bytes,
                    l.cp_async_bytes - blocks * activation_bytes, l.cp_async_distinct, ideal,
                    static_cast<double>(l.cp_async_distinct) / static_cast<double>(ideal), l.extra_wavefronts);
    }
    return finish("test_cuda_gemm_traffic");
}
