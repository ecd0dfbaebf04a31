// The CUDA W4A16 path against the CPU: qrt_repack_wna16 on the GPU writes the CPU repack's bytes, and
// qrt_gemm_wna16_repacked (gemm_wna16.cu) agrees with the CPU op qrt_gemm_wna16 on the ORIGINAL pack-quantized
// weight (an independent implementation) for every tile edge, group size, zero points, F16/BF16, bias, activation
// ordering (qrt_gather_columns on the GPU, then the sorted repack) and split-K; two runs give the same bits; bad
// arguments give named errors. Exits 77 (skipped) without a GPU or the emulator.
//
// Tolerance. The CPU computes y in FP32 from the weights ŵ = (q − z)·s, each exact in FP32 (a 4-bit integer times a
// 16-bit scale), with K products and K − 1 additions plus the bias: within γ(K + 2)·Σ|x·ŵ| of the exact value
// (Σ over the products and the bias). The kernel sums x·(q − z) exactly in mma blocks rounded to FP32, multiplies
// each group sum by s (one rounding) and adds it to its FP32 accumulator (one rounding), then adds the K-split
// partials and the bias: at most K + 2 roundings on any path too, so it is within γ(K + 2)·Σ|x·ŵ| as well. The two
// FP32 results thus differ by at most 2γ(K + 2)·Σ|x·ŵ|; the kernel then rounds to y's dtype, which moves it by at
// most half a unit in the last place (rounded_output_error). The CPU reference is kept in FP32.
#include <chrono>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "cuda_test_util.h"
#include "test_bounds.h"
#include "test_formats.h"
#include "test_tensors.h"
#include "test_wna16_weights.h"

using namespace qrt_test;
using namespace qrt_test::wna16;

namespace {

struct Case {
    int64_t m, n, k, group_size;
    bool zero_point;
    qrt_dtype x_dtype;
    qrt_dtype scale_dtype;
    qrt_dtype y_dtype;
    bool bias;
    bool act_order;
};

std::string describe(const Case& c) {
    char text[200];
    std::snprintf(text, sizeof text, "M=%lld N=%lld K=%lld group %lld%s x %s scale %s y %s%s%s",
                  static_cast<long long>(c.m), static_cast<long long>(c.n), static_cast<long long>(c.k),
                  static_cast<long long>(c.group_size), c.zero_point ? " zero-point" : "", qrt_dtype_name(c.x_dtype),
                  qrt_dtype_name(c.scale_dtype), qrt_dtype_name(c.y_dtype), c.bias ? " bias" : "",
                  c.act_order ? " act-order" : "");
    return text;
}

// The repacked weight on the GPU (repacked there from the pack-quantized tensors) and, beside it, the CPU
// repack's bytes of the same weight: they must be equal.
struct DeviceWeight {
    std::vector<int32_t> packed;  // pack-quantized words in the kernel's column order
    DeviceBuffer<int32_t> weight;
    DeviceBuffer<unsigned char> scale;
    DeviceBuffer<int32_t> zero;

    DeviceWeight(qrt_stream* gpu, const Weight& w, std::vector<int32_t> packed_in_order)
        : packed(std::move(packed_in_order)),
          weight(gpu, std::vector<int32_t>(static_cast<size_t>(w.k / 16 * 2 * w.n), -1)),
          scale(gpu, std::vector<unsigned char>(w.scale.bytes.size(), 0xFF)),
          zero(gpu, std::vector<int32_t>(static_cast<size_t>(w.groups * (w.n / 8)), -1)) {
        DeviceBuffer<int32_t> packed_device(gpu, packed);
        DeviceBuffer<unsigned char> scale_source(gpu, w.scale.bytes);
        DeviceBuffer<int32_t> zero_source(gpu, w.zero_packed);
        qrt_tensor pt = tensor(packed_device.data(), QRT_DTYPE_I32, {w.n, w.k / 8}, cuda_device());
        qrt_tensor st = tensor(scale_source.data(), w.scale.dtype, {w.n, w.groups}, cuda_device());
        qrt_tensor zt = tensor(zero_source.data(), QRT_DTYPE_I32, {w.n / 8, w.groups}, cuda_device());
        qrt_tensor rw = weight_tensor(w), rs = scale_tensor(w), rz = zero_tensor(w);
        QRT_CHECK_OK(qrt_repack_wna16(gpu, &pt, &st, w.zero_point ? &zt : nullptr, 4, w.group_size, &rw, &rs,
                                      w.zero_point ? &rz : nullptr));
        QRT_CHECK_OK(qrt_stream_synchronize(gpu));
    }

    qrt_tensor weight_tensor(const Weight& w) { return tensor(weight.data(), QRT_DTYPE_I32, {w.k / 16, 2 * w.n}, cuda_device()); }
    qrt_tensor scale_tensor(const Weight& w) { return tensor(scale.data(), w.scale.dtype, {w.groups, w.n}, cuda_device()); }
    qrt_tensor zero_tensor(const Weight& w) { return tensor(zero.data(), QRT_DTYPE_I32, {w.groups, w.n / 8}, cuda_device()); }

    // (b): the GPU repack's bytes against the CPU repack's.
    void check_against_cpu_repack(const Weight& w, const char* what) {
        CpuStream cpu;
        std::vector<int32_t> cpu_weight(static_cast<size_t>(w.k / 16 * 2 * w.n));
        std::vector<unsigned char> cpu_scale(w.scale.bytes.size());
        std::vector<int32_t> cpu_zero(static_cast<size_t>(w.groups * (w.n / 8)), -1);
        qrt_tensor pt = tensor(packed.data(), QRT_DTYPE_I32, {w.n, w.k / 8});
        qrt_tensor st = tensor(const_cast<unsigned char*>(w.scale.bytes.data()), w.scale.dtype, {w.n, w.groups});
        qrt_tensor zt = tensor(const_cast<int32_t*>(w.zero_packed.data()), QRT_DTYPE_I32, {w.n / 8, w.groups});
        qrt_tensor rw = tensor(cpu_weight.data(), QRT_DTYPE_I32, {w.k / 16, 2 * w.n});
        qrt_tensor rs = tensor(cpu_scale.data(), w.scale.dtype, {w.groups, w.n});
        qrt_tensor rz = tensor(cpu_zero.data(), QRT_DTYPE_I32, {w.groups, w.n / 8});
        QRT_CHECK_OK(qrt_repack_wna16(cpu, &pt, &st, w.zero_point ? &zt : nullptr, 4, w.group_size, &rw, &rs,
                                      w.zero_point ? &rz : nullptr));
        const bool same = weight.download() == cpu_weight && scale.download() == cpu_scale &&
                          (!w.zero_point || zero.download() == cpu_zero);
        if (!same) {
            std::fprintf(stderr, "%s: the CUDA repack's bytes differ from the CPU repack's\n", what);
            ++failures();
        }
    }
};

// Runs one case on the GPU twice (the second into a fresh y, with the same workspace) and returns the first y.
void check_case(const Case& c, uint32_t seed, bool check_repack) {
    const std::string what = describe(c);
    CpuStream cpu;
    CudaStream gpu;
    Random random(seed);
    const Weight w = random_weight(random, c.n, c.k, c.group_size, c.zero_point, c.scale_dtype, c.act_order);
    const std::vector<int32_t> order = group_order(w);
    DeviceWeight device_weight(gpu, w, c.act_order ? permuted_packed(w, order) : w.packed);
    if (check_repack) device_weight.check_against_cpu_repack(w, what.c_str());

    const Stored x = store(random.uniform(static_cast<size_t>(c.m * c.k)), c.x_dtype);
    const Stored bias = store(random.uniform(static_cast<size_t>(c.n)), QRT_DTYPE_BF16);

    // The reference: the CPU op on the original layout (with g_idx for activation ordering), y in FP32.
    std::vector<float> reference(static_cast<size_t>(c.m * c.n));
    {
        qrt_tensor xt = tensor(const_cast<unsigned char*>(x.bytes.data()), c.x_dtype, {c.m, c.k});
        qrt_tensor pt = tensor(const_cast<int32_t*>(w.packed.data()), QRT_DTYPE_I32, {c.n, c.k / 8});
        qrt_tensor st = tensor(const_cast<unsigned char*>(w.scale.bytes.data()), w.scale.dtype, {c.n, w.groups});
        qrt_tensor zt = tensor(const_cast<int32_t*>(w.zero_packed.data()), QRT_DTYPE_I32, {c.n / 8, w.groups});
        qrt_tensor gt = tensor(const_cast<int32_t*>(w.g_idx.data()), QRT_DTYPE_I32, {c.k});
        qrt_tensor bt = tensor(const_cast<unsigned char*>(bias.bytes.data()), QRT_DTYPE_BF16, {c.n});
        qrt_tensor yt = tensor(reference.data(), QRT_DTYPE_F32, {c.m, c.n});
        QRT_CHECK_OK(qrt_gemm_wna16(cpu, &xt, &pt, &st, c.zero_point ? &zt : nullptr, c.act_order ? &gt : nullptr, 4,
                                    c.group_size, c.bias ? &bt : nullptr, &yt));
    }

    DeviceBuffer<unsigned char> x_device(gpu, x.bytes);
    DeviceBuffer<unsigned char> x_sorted(gpu, std::vector<unsigned char>(x.bytes.size(), 0xFF));
    DeviceBuffer<int32_t> order_device(gpu, order);
    DeviceBuffer<unsigned char> bias_device(gpu, bias.bytes);
    const size_t y_bytes = static_cast<size_t>(c.m * c.n) * qrt_dtype_size(c.y_dtype);
    DeviceBuffer<unsigned char> y_device(gpu, std::vector<unsigned char>(y_bytes, 0xFF));
    size_t workspace_bytes = 0;
    QRT_CHECK_OK(qrt_gemm_wna16_repacked_workspace_size(cuda_device(), c.m, c.n, c.k, &workspace_bytes));
    DeviceBuffer<unsigned char> workspace(gpu, std::vector<unsigned char>(std::max<size_t>(workspace_bytes, 1), 0));

    qrt_tensor xt = tensor(x_device.data(), c.x_dtype, {c.m, c.k}, cuda_device());
    qrt_tensor xs = tensor(x_sorted.data(), c.x_dtype, {c.m, c.k}, cuda_device());
    if (c.act_order) {
        qrt_tensor ot = tensor(order_device.data(), QRT_DTYPE_I32, {c.k}, cuda_device());
        QRT_CHECK_OK(qrt_gather_columns(gpu, &xt, &ot, &xs));
    }
    qrt_tensor rw = device_weight.weight_tensor(w), rs = device_weight.scale_tensor(w), rz = device_weight.zero_tensor(w);
    qrt_tensor bt = tensor(bias_device.data(), QRT_DTYPE_BF16, {c.n}, cuda_device());
    qrt_tensor wt = tensor(workspace.data(), QRT_DTYPE_U8, {static_cast<int64_t>(workspace.bytes())}, cuda_device());
    qrt_tensor yt = tensor(y_device.data(), c.y_dtype, {c.m, c.n}, cuda_device());
    auto run = [&] {
        QRT_CHECK_OK(qrt_gemm_wna16_repacked(gpu, c.act_order ? &xs : &xt, &rw, &rs, c.zero_point ? &rz : nullptr, 4,
                                             c.group_size, c.bias ? &bt : nullptr, workspace_bytes > 0 ? &wt : nullptr,
                                             &yt));
        return y_device.download();
    };
    const std::vector<unsigned char> first = run();

    std::vector<float> actual;
    std::vector<double> expected, bound;
    for (int64_t i = 0; i < c.m; ++i) {
        for (int64_t f = 0; f < c.n; ++f) {
            double magnitude = c.bias ? std::fabs(bias.values[static_cast<size_t>(f)]) : 0.0;
            for (int64_t k = 0; k < c.k; ++k) magnitude += std::fabs(x.values[static_cast<size_t>(i * c.k + k)] * w.value(f, k));
            const size_t at = static_cast<size_t>(i * c.n + f);
            const double fp32_error = 2.0 * gamma_fp32(c.k + 2) * magnitude;
            expected.push_back(reference[at]);
            bound.push_back(rounded_output_error(fp32_error, std::fabs(reference[at]), c.y_dtype));
            actual.push_back(load_element(first.data(), c.y_dtype, at));
        }
    }
    check_within(actual, expected, bound, what.c_str());

    // (d) Determinism: the K-split partials are added in split order whichever block finishes last.
    if (run() != first) {
        std::fprintf(stderr, "%s: a second run gave different bits\n", what.c_str());
        ++failures();
    }
    // The workspace is left zero-filled (its counters) for the next call.
    if (workspace_bytes > 0) {
        const std::vector<unsigned char> left = workspace.download();
        const size_t counter_bytes = 256;  // the first counters; the partials after them may hold anything
        for (size_t i = 0; i < std::min(counter_bytes, left.size()); ++i) {
            if (left[i] != 0) {
                std::fprintf(stderr, "%s: workspace byte %zu left at %u\n", what.c_str(), i, left[i]);
                ++failures();
                break;
            }
        }
    }
}

void test_cases() {
    const qrt_dtype B = QRT_DTYPE_BF16, H = QRT_DTYPE_F16, F = QRT_DTYPE_F32;
    // Rows: every M of the brief (one m16 tile, two, partial tiles, many 32-row blocks). Features: 64 (one warp of
    // four active), 192 (three of four), 320 (a second block with one warp). K: one step, odd step counts, groups
    // that do not divide K (a last, short group), odd group counts, per channel.
    const Case cases[] = {
        {1, 64, 32, 32, false, B, B, B, false, false},
        {2, 192, 96, 32, true, H, H, H, true, false},
        {3, 320, 160, 64, false, B, F, F, true, false},
        {7, 64, 224, 128, true, H, B, B, false, false},
        {8, 256, 384, 128, false, B, B, B, true, false},
        {16, 128, 96, 0, true, B, H, F, false, false},
        {31, 192, 320, 64, true, H, F, H, true, false},
        {64, 320, 128, 32, false, B, B, F, true, false},  // row blocks x feature blocks x splits
        {127, 128, 192, 128, true, B, B, B, false, false},
        {256, 64, 64, 0, false, H, H, H, true, false},
        {1, 128, 1024, 128, true, B, B, B, true, false},   // split K over groups
        {5, 576, 2048, 128, true, H, H, H, false, false},  // odd groups per split, a partial block of features
        {1, 64, 640, 0, false, B, F, B, false, false},     // split K per channel
        {3, 128, 384, 128, true, B, B, B, true, true},     // activation order: gather, then the sorted repack
        {16, 64, 256, 32, false, H, H, F, false, true},
    };
    uint32_t seed = 100;
    for (const Case& c : cases) check_case(c, seed++, true);
}

// (e) A seed-shaped layer: Pixtral-12B's o_proj (N = 5120, K = 4096, group 128), BF16, at decode batch sizes.
void test_seed_shape() {
    const auto start = std::chrono::steady_clock::now();
    for (int64_t m : {1, 16}) check_case({m, 5120, 4096, 128, false, QRT_DTYPE_BF16, QRT_DTYPE_BF16, QRT_DTYPE_BF16, false, false}, 7, m == 1);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("Pixtral-12B o_proj 5120 x 4096 g128, M = 1 and 16: %.1f s\n", seconds);
}

// (f) Bad arguments on the CUDA backend: named errors, nothing launched.
void test_bad_arguments() {
    CudaStream gpu;
    const int64_t n = 64, k = 64;
    DeviceBuffer<int32_t> weight(gpu, std::vector<int32_t>(k / 16 * 2 * n));
    DeviceBuffer<uint16_t> scale(gpu, std::vector<uint16_t>(n, 0x3F80));
    DeviceBuffer<uint16_t> x(gpu, std::vector<uint16_t>(2 * k + 8));
    DeviceBuffer<float> x32(gpu, std::vector<float>(k));
    DeviceBuffer<uint16_t> y(gpu, std::vector<uint16_t>(2 * n));
    qrt_tensor rw = tensor(weight.data(), QRT_DTYPE_I32, {k / 16, 2 * n}, cuda_device());
    qrt_tensor rs = tensor(scale.data(), QRT_DTYPE_BF16, {1, n}, cuda_device());
    qrt_tensor xt = tensor(x.data(), QRT_DTYPE_BF16, {1, k}, cuda_device());
    qrt_tensor yt = tensor(y.data(), QRT_DTYPE_BF16, {1, n}, cuda_device());
    QRT_CHECK_OK(qrt_gemm_wna16_repacked(gpu, &xt, &rw, &rs, nullptr, 4, 0, nullptr, nullptr, &yt));
    // F32 activations: the tensor cores take F16/BF16 here.
    qrt_tensor xf = tensor(x32.data(), QRT_DTYPE_F32, {1, k}, cuda_device());
    QRT_CHECK_FAILS(qrt_gemm_wna16_repacked(gpu, &xf, &rw, &rs, nullptr, 4, 0, nullptr, nullptr, &yt),
                    QRT_STATUS_UNSUPPORTED, "'x'");
    // A misaligned x and a row stride that is not a multiple of 8 elements.
    qrt_tensor xm = tensor(static_cast<uint16_t*>(x.data()) + 1, QRT_DTYPE_BF16, {1, k}, cuda_device());
    QRT_CHECK_FAILS(qrt_gemm_wna16_repacked(gpu, &xm, &rw, &rs, nullptr, 4, 0, nullptr, nullptr, &yt),
                    QRT_STATUS_UNSUPPORTED, "'x'");
    qrt_tensor x2 = matrix(x.data(), QRT_DTYPE_BF16, 2, k, k + 4);
    x2.device = cuda_device();
    qrt_tensor y2 = tensor(y.data(), QRT_DTYPE_BF16, {2, n}, cuda_device());
    QRT_CHECK_FAILS(qrt_gemm_wna16_repacked(gpu, &x2, &rw, &rs, nullptr, 4, 0, nullptr, nullptr, &y2),
                    QRT_STATUS_UNSUPPORTED, "row stride");
    // N not a multiple of 64, and a host tensor on a CUDA stream.
    qrt_tensor rw48 = tensor(weight.data(), QRT_DTYPE_I32, {k / 16, 96}, cuda_device());
    QRT_CHECK_FAILS(qrt_gemm_wna16_repacked(gpu, &xt, &rw48, &rs, nullptr, 4, 0, nullptr, nullptr, &yt),
                    QRT_STATUS_UNSUPPORTED, "N = 48");
    std::vector<uint16_t> host_y(n);
    qrt_tensor yh = tensor(host_y.data(), QRT_DTYPE_BF16, {1, n});
    QRT_CHECK(qrt_gemm_wna16_repacked(gpu, &xt, &rw, &rs, nullptr, 4, 0, nullptr, nullptr, &yh) != QRT_STATUS_OK);
    size_t bytes = 0;
    QRT_CHECK_FAILS(qrt_gemm_wna16_repacked_workspace_size(cuda_device(99), 1, n, k, &bytes),
                    QRT_STATUS_BACKEND_UNAVAILABLE, "'device'");
}

}  // namespace

int main() {
    const std::string unavailable = cuda_unavailable_reason();
    if (!unavailable.empty()) return skip_without_cuda("test_cuda_gemm_wna16", unavailable);
    test_cases();
    test_seed_shape();
    test_bad_arguments();
    return finish("test_cuda_gemm_wna16");
}
