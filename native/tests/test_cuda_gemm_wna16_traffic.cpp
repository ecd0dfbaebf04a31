// The memory traffic of the W4A16 kernel (gemm_wna16.cu) on a 4096 x 4096 layer with group 128, at M = 1 and 16,
// from the CUDA emulator's launch statistics (QRT_EMULATOR_REPORT=1, read back from a child run of this program):
//  - every byte of the packed weights and of the scales is fetched from global memory exactly once: the kernel's
//    cp.async bytes are exactly weights + scales + (activations x the blocks along N), and its distinct 32-byte
//    sectors are exactly (weights + scales + activations) / 32 — a weight or scale byte fetched twice would add
//    bytes, a partly used sector would add sectors;
//  - activations come from global memory once per block and are then reused from shared memory by the block's four
//    warps (64 features each): n_blocks x M x K x 2 bytes, against M x K x 2 x N / 8 if each mma fetched its own;
//  - ldmatrix and the weights' shared-memory loads have no extra wavefronts (no bank conflicts);
//  - the mma count is exactly M_tiles x N/8 x K/16.
// The emulator counts one sector per 16-byte cp.async, so its "sectors" total is twice the distinct count: two
// copies fetch the two halves of each 32-byte sector, each byte once.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cuda_test_util.h"
#include "emulator_test_util.h"
#include "test_formats.h"
#include "test_tensors.h"
#include "test_wna16_weights.h"

using namespace qrt_test;

namespace {

constexpr int64_t kN = 4096, kK = 4096, kGroup = 128;

// The child: repack a random layer on the device and run the GEMM once for each M.
void run_layer() {
    CudaStream gpu;
    Random random(11);
    const wna16::Weight w = wna16::random_weight(random, kN, kK, kGroup, false, QRT_DTYPE_BF16);
    DeviceBuffer<int32_t> packed(gpu, w.packed);
    DeviceBuffer<unsigned char> scale_source(gpu, w.scale.bytes);
    DeviceBuffer<int32_t> weight(gpu, std::vector<int32_t>(static_cast<size_t>(kK / 16 * 2 * kN)));
    DeviceBuffer<unsigned char> scale(gpu, std::vector<unsigned char>(w.scale.bytes.size()));
    qrt_tensor pt = tensor(packed.data(), QRT_DTYPE_I32, {kN, kK / 8}, cuda_device());
    qrt_tensor st = tensor(scale_source.data(), QRT_DTYPE_BF16, {kN, w.groups}, cuda_device());
    qrt_tensor rw = tensor(weight.data(), QRT_DTYPE_I32, {kK / 16, 2 * kN}, cuda_device());
    qrt_tensor rs = tensor(scale.data(), QRT_DTYPE_BF16, {w.groups, kN}, cuda_device());
    QRT_CHECK_OK(qrt_repack_wna16(gpu, &pt, &st, nullptr, 4, kGroup, &rw, &rs, nullptr));
    for (int64_t m : {1, 16}) {
        const Stored x = store(random.uniform(static_cast<size_t>(m * kK)), QRT_DTYPE_BF16);
        DeviceBuffer<unsigned char> x_device(gpu, x.bytes);
        DeviceBuffer<uint16_t> y(gpu, std::vector<uint16_t>(static_cast<size_t>(m * kN)));
        size_t bytes = 0;
        QRT_CHECK_OK(qrt_gemm_wna16_repacked_workspace_size(cuda_device(), m, kN, kK, &bytes));
        DeviceBuffer<unsigned char> workspace(gpu, std::vector<unsigned char>(bytes, 0));
        qrt_tensor xt = tensor(x_device.data(), QRT_DTYPE_BF16, {m, kK}, cuda_device());
        qrt_tensor yt = tensor(y.data(), QRT_DTYPE_BF16, {m, kN}, cuda_device());
        qrt_tensor wt = tensor(workspace.data(), QRT_DTYPE_U8, {static_cast<int64_t>(bytes)}, cuda_device());
        std::fprintf(stderr, "layer M=%lld\n", static_cast<long long>(m));
        QRT_CHECK_OK(qrt_gemm_wna16_repacked(gpu, &xt, &rw, &rs, nullptr, 4, kGroup, nullptr, &wt, &yt));
        QRT_CHECK_OK(qrt_stream_synchronize(gpu));
    }
}

struct Traffic {
    unsigned long long bytes = 0, accesses = 0, sectors = 0, distinct = 0;
};

// The figures of one statistics line ("  cp.async   <bytes> bytes in <n> accesses, <s> sectors (<d> distinct)").
bool read_traffic(const std::string& section, const char* name, Traffic& traffic) {
    const size_t at = section.find(std::string("  ") + name);
    if (at == std::string::npos) return false;
    return std::sscanf(section.c_str() + at + 2 + std::strlen(name), " %llu bytes in %llu accesses, %llu sectors (%llu distinct)",
                       &traffic.bytes, &traffic.accesses, &traffic.sectors, &traffic.distinct) == 4;
}

unsigned long long read_count(const std::string& section, const char* name, const char* what) {
    const size_t at = section.find(std::string("  ") + name);
    if (at == std::string::npos) return ~0ull;
    unsigned long long count = 0, extra = 0;
    if (std::sscanf(section.c_str() + at + 2 + std::strlen(name), " %llu warp instructions, %llu", &count, &extra) != 2) return ~0ull;
    return std::strcmp(what, "extra") == 0 ? extra : count;
}

void check_layer(const std::string& output, int64_t m) {
    // The section of the GEMM launch that follows the child's "layer M=<m>" line.
    const size_t layer = output.find("layer M=" + std::to_string(m) + "\n");
    const size_t start = layer == std::string::npos ? layer : output.find("qrt emulator: gemm_wna16_kernel", layer);
    if (start == std::string::npos) {
        std::fprintf(stderr, "no statistics for the M=%lld launch:\n%s\n", static_cast<long long>(m), output.c_str());
        ++failures();
        return;
    }
    const size_t end = output.find("qrt emulator:", start + 1);
    const std::string section = output.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::printf("M=%lld:\n%s", static_cast<long long>(m), section.c_str());

    const unsigned long long weights = kN * kK / 2;
    const unsigned long long scales = kN * (kK / kGroup) * 2;
    const unsigned long long activations = static_cast<unsigned long long>(m) * kK * 2;
    const unsigned long long n_blocks = kN / 256;
    Traffic copies;
    QRT_CHECK(read_traffic(section, "cp.async", copies));
    QRT_CHECK(copies.bytes == weights + scales + n_blocks * activations);
    QRT_CHECK(copies.distinct * 32 == weights + scales + activations);
    QRT_CHECK(copies.sectors == copies.accesses);  // one sector per 16-byte copy: aligned, never straddling
    const double ideal_ratio = static_cast<double>(copies.distinct * 32) / static_cast<double>(weights + scales + activations);
    std::printf("M=%lld: weights + scales + activations fetched %.2f x their size (distinct sectors / ideal); "
                "activations %llu bytes from global for %llu bytes of x (one fetch per block of 256 features)\n",
                static_cast<long long>(m), ideal_ratio, n_blocks * activations, activations);
    QRT_CHECK(read_count(section, "ldmatrix.x4", "extra") == 0);
    QRT_CHECK(read_count(section, "ld.shared.v4", "extra") == 0);
    QRT_CHECK(read_count(section, "ldmatrix.x4", "count") == 2ull * (kK / 32) * 4 * n_blocks);  // per warp and k16
    const unsigned long long mmas = 1ull * (kN / 8) * (kK / 16);  // one m16 tile for M <= 16
    char line[80];
    std::snprintf(line, sizeof line, "mma m16n8k16.bf16 %llu warp instructions", mmas);
    std::string collapsed;
    for (char c : section) {
        if (c == ' ' && !collapsed.empty() && collapsed.back() == ' ') continue;
        collapsed += c;
    }
    if (collapsed.find(line) == std::string::npos) {
        std::fprintf(stderr, "M=%lld: expected \"%s\"\n", static_cast<long long>(m), line);
        ++failures();
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::string unavailable = cuda_unavailable_reason();
    if (!unavailable.empty()) return skip_without_cuda("test_cuda_gemm_wna16_traffic", unavailable);
    if (argc > 1 && std::string(argv[1]) == "--layer-child") {
        run_layer();
        return finish("test_cuda_gemm_wna16_traffic child");
    }
    const ChildRun child = run_child(argv[0], "--layer-child", "QRT_EMULATOR_REPORT=1");
    if (child.status != 0) {
        std::fprintf(stderr, "the --layer-child run failed:\n%s\n", child.output.c_str());
        ++failures();
    } else {
        check_layer(child.output, 1);
        check_layer(child.output, 16);
    }
    return finish("test_cuda_gemm_wna16_traffic");
}
