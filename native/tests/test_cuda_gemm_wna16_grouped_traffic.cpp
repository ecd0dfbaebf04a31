// The weight traffic of the grouped W4A16 launch (gemm_wna16_grouped.cu), from the CUDA emulator's launch statistics
// (QRT_EMULATOR_REPORT=1, read back from a child run of this program): four experts with 3, 0, 0 and 18 rows, so
// that the grid's blocks for experts 1 and 2 (and the second row tile of expert 0) lie beyond their segments. Those
// blocks must exit having read no weight, scale or activation byte:
//  - the kernel's cp.async bytes are exactly one read of expert 0's weights and scales, two of expert 3's (its two
//    row tiles) and one of every routed row: a block of an empty expert that read its slice would add bytes;
//  - its distinct 32-byte sectors are exactly experts 0 and 3's weights and scales plus the rows: a read of expert 1's
//    or 2's slice would add sectors.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cuda_test_util.h"
#include "emulator_test_util.h"
#include "test_formats.h"
#include "test_tensors.h"
#include "test_wna16_grouped.h"

using namespace qrt_test;

namespace {

constexpr int64_t kN = 256, kK = 256, kGroup = 128;
const std::vector<int64_t> kSegments = {3, 0, 0, 18};

// The child: stack four random experts on the device and run the grouped GEMM once.
void run_layer() {
    CudaStream gpu;
    Random random(12);
    const wna16::GroupedProblem p =
        wna16::grouped_problem(random, kSegments, kN, kK, kGroup, false, QRT_DTYPE_BF16, false);
    DeviceBuffer<int32_t> packed(gpu, wna16::all_packed(p));
    DeviceBuffer<unsigned char> scale_source(gpu, wna16::all_scales(p));
    DeviceBuffer<int32_t> weight(gpu, std::vector<int32_t>(static_cast<size_t>(p.experts * p.weight_words())));
    DeviceBuffer<unsigned char> scale(gpu, std::vector<unsigned char>(static_cast<size_t>(p.experts * p.scale_elements()) * 2));
    wna16::repack_into_slices(gpu, cuda_device(), p, static_cast<int32_t*>(packed.data()),
                              static_cast<unsigned char*>(scale_source.data()), nullptr,
                              static_cast<int32_t*>(weight.data()), static_cast<unsigned char*>(scale.data()), nullptr);
    const Stored x = store(random.uniform(static_cast<size_t>(p.rows * kK)), QRT_DTYPE_BF16);
    DeviceBuffer<unsigned char> x_device(gpu, x.bytes);
    DeviceBuffer<int32_t> offsets(gpu, p.offsets);
    DeviceBuffer<uint16_t> y(gpu, std::vector<uint16_t>(static_cast<size_t>(p.rows * kN)));
    qrt_tensor xt = tensor(x_device.data(), QRT_DTYPE_BF16, {p.rows, kK}, cuda_device());
    qrt_tensor rw = tensor(weight.data(), QRT_DTYPE_I32, {p.experts, kK / 16, 2 * kN}, cuda_device());
    qrt_tensor rs = tensor(scale.data(), QRT_DTYPE_BF16, {p.experts, p.groups, kN}, cuda_device());
    qrt_tensor ot = tensor(offsets.data(), QRT_DTYPE_I32, {p.experts + 1}, cuda_device());
    qrt_tensor yt = tensor(y.data(), QRT_DTYPE_BF16, {p.rows, kN}, cuda_device());
    QRT_CHECK_OK(qrt_stream_synchronize(gpu));
    std::fprintf(stderr, "grouped layer\n");
    QRT_CHECK_OK(qrt_gemm_wna16_repacked_grouped(gpu, &xt, &rw, &rs, nullptr, 4, kGroup, nullptr, &ot, &yt));
    QRT_CHECK_OK(qrt_stream_synchronize(gpu));
}

void check_layer(const std::string& output) {
    const size_t layer = output.find("grouped layer\n");
    const size_t start = layer == std::string::npos ? layer : output.find("qrt emulator: gemm_wna16_kernel", layer);
    if (start == std::string::npos) {
        std::fprintf(stderr, "no statistics for the grouped launch:\n%s\n", output.c_str());
        ++failures();
        return;
    }
    const size_t end = output.find("qrt emulator:", start + 1);
    const std::string section = output.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::printf("%s", section.c_str());
    unsigned long long bytes = 0, accesses = 0, sectors = 0, distinct = 0;
    const size_t at = section.find("  cp.async");
    QRT_CHECK(at != std::string::npos &&
              std::sscanf(section.c_str() + at + std::strlen("  cp.async"),
                          " %llu bytes in %llu accesses, %llu sectors (%llu distinct)", &bytes, &accesses, &sectors,
                          &distinct) == 4);
    const unsigned long long expert_bytes = kN * kK / 2 + kN * (kK / kGroup) * 2;  // weights + BF16 scales
    const unsigned long long rows = 3 + 18;
    const unsigned long long activations = rows * kK * 2;  // one block of 256 features: each row copied once
    // Expert 0: one row tile; expert 3: 18 rows in two 16-row tiles; experts 1 and 2: nothing.
    QRT_CHECK(bytes == 3 * expert_bytes + activations);
    QRT_CHECK(distinct * 32 == 2 * expert_bytes + activations);
    std::printf("cp.async %llu bytes (expected %llu), %llu distinct sectors (expected %llu)\n", bytes,
                3 * expert_bytes + activations, distinct, (2 * expert_bytes + activations) / 32);
}

}  // namespace

int main(int argc, char** argv) {
    const std::string unavailable = cuda_unavailable_reason();
    if (!unavailable.empty()) return skip_without_cuda("test_cuda_gemm_wna16_grouped_traffic", unavailable);
    if (argc > 1 && std::string(argv[1]) == "--layer-child") {
        run_layer();
        return finish("test_cuda_gemm_wna16_grouped_traffic child");
    }
    const ChildRun child = run_child(argv[0], "--layer-child", "QRT_EMULATOR_REPORT=1");
    if (child.status != 0) {
        std::fprintf(stderr, "the --layer-child run failed:\n%s\n", child.output.c_str());
        ++failures();
    } else {
        check_layer(child.output);
    }
    return finish("test_cuda_gemm_wna16_grouped_traffic");
}
