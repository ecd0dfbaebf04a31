// The grouped W4A16 ops on the GPU against the CPU: qrt_gemm_wna16_repacked_grouped (one launch of the repacked kernel
// over every expert) against qrt_gemm_wna16 on each expert's weight before the repack, called segment by segment on
// the CPU (an independent implementation), for empty segments, partial row tiles, several row tiles per segment,
// zero points, group sizes, F16/BF16, bias and activation order (qrt_gather_columns_grouped on the GPU, checked
// against the CPU gather's bytes); the stack repacked on the GPU into slices is the CPU's bytes; offsets out of range
// are clamped and an index out of range gives NaN; bad arguments give named errors. Exits 77 (skipped) without a GPU
// or the emulator.
//
// Tolerance: that of test_cuda_gemm_wna16.cpp, derived there. The CPU computes each y in FP32 from the exact weights
// (q − z)·s with K + 1 roundings (K products' sums and the bias): within γ(K + 2)·Σ|x·ŵ| of the exact value. The
// grouped kernel is the repacked kernel without split-K: exact mma sums of x·(q − z) per block, one rounding per group
// scale and per FP32 accumulation, and the bias, so at most K + 2 roundings on any path: within γ(K + 2)·Σ|x·ŵ| too.
// The two differ by at most 2γ(K + 2)·Σ|x·ŵ|, and the kernel's rounding to y's dtype adds half a unit in the last
// place (rounded_output_error).
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "cuda_test_util.h"
#include "test_bounds.h"
#include "test_formats.h"
#include "test_tensors.h"
#include "test_wna16_grouped.h"
#include "test_wna16_weights.h"

using namespace qrt_test;
using namespace qrt_test::wna16;

namespace {

struct Case {
    std::vector<int64_t> segments;
    int64_t n, k, group_size;
    bool zero_point;
    qrt_dtype x_dtype, scale_dtype, y_dtype;
    bool bias, act_order;
};

std::string describe(const Case& c) {
    std::string segments;
    for (int64_t s : c.segments) segments += (segments.empty() ? "" : ",") + std::to_string(s);
    char text[240];
    std::snprintf(text, sizeof text, "segments {%s} N=%lld K=%lld group %lld%s x %s scale %s y %s%s%s", segments.c_str(),
                  static_cast<long long>(c.n), static_cast<long long>(c.k), static_cast<long long>(c.group_size),
                  c.zero_point ? " zero-point" : "", qrt_dtype_name(c.x_dtype), qrt_dtype_name(c.scale_dtype),
                  qrt_dtype_name(c.y_dtype), c.bias ? " bias" : "", c.act_order ? " act-order" : "");
    return text;
}

// The stack on the GPU, each expert repacked there into its slice; check_repack compares it with the CPU's stack.
struct DeviceStack {
    DeviceBuffer<int32_t> weight;
    DeviceBuffer<unsigned char> scale;
    DeviceBuffer<int32_t> zero;

    DeviceStack(qrt_stream* gpu, const GroupedProblem& p, bool check_repack)
        : weight(gpu, std::vector<int32_t>(static_cast<size_t>(p.experts * p.weight_words()), -1)),
          scale(gpu, std::vector<unsigned char>(static_cast<size_t>(p.experts * p.scale_elements()) *
                                                    qrt_dtype_size(p.weights[0].scale.dtype), 0xFF)),
          zero(gpu, std::vector<int32_t>(static_cast<size_t>(std::max<int64_t>(1, p.experts * p.zero_words())), -1)) {
        std::vector<int32_t> packed = all_packed(p), zero_source = all_zero_points(p);
        std::vector<unsigned char> scale_source = all_scales(p);
        DeviceBuffer<int32_t> packed_device(gpu, packed);
        DeviceBuffer<unsigned char> scale_device(gpu, scale_source);
        DeviceBuffer<int32_t> zero_device(gpu, zero_source.empty() ? std::vector<int32_t>(1) : zero_source);
        repack_into_slices(gpu, cuda_device(), p, static_cast<int32_t*>(packed_device.data()),
                           static_cast<unsigned char*>(scale_device.data()), static_cast<int32_t*>(zero_device.data()),
                           static_cast<int32_t*>(weight.data()), static_cast<unsigned char*>(scale.data()),
                           static_cast<int32_t*>(zero.data()));
        QRT_CHECK_OK(qrt_stream_synchronize(gpu));
        if (!check_repack) return;
        CpuStream cpu;
        std::vector<int32_t> cpu_weight(static_cast<size_t>(p.experts * p.weight_words()), -1);
        std::vector<unsigned char> cpu_scale(scale.bytes(), 0xFF);
        std::vector<int32_t> cpu_zero(static_cast<size_t>(std::max<int64_t>(1, p.experts * p.zero_words())), -1);
        repack_into_slices(cpu, cpu_device(), p, packed.data(), scale_source.data(), zero_source.data(), cpu_weight.data(),
                           cpu_scale.data(), cpu_zero.data());
        if (weight.download() != cpu_weight || scale.download() != cpu_scale || (p.zero_point && zero.download() != cpu_zero)) {
            std::fprintf(stderr, "the stack repacked on the GPU differs from the CPU's\n");
            ++failures();
        }
    }
};

void check_case(const Case& c, uint32_t seed) {
    const std::string what = describe(c);
    CpuStream cpu;
    CudaStream gpu;
    Random random(seed);
    const GroupedProblem p = grouped_problem(random, c.segments, c.n, c.k, c.group_size, c.zero_point, c.scale_dtype,
                                             c.act_order);
    DeviceStack stack(gpu, p, true);
    const Stored x = store(random.uniform(static_cast<size_t>(p.rows * p.k)), c.x_dtype);
    const Stored bias = store(random.uniform(static_cast<size_t>(p.experts * p.n)), QRT_DTYPE_BF16);

    // The reference: qrt_gemm_wna16 on the CPU, segment by segment, on the original weights and rows, y in FP32.
    std::vector<float> reference(static_cast<size_t>(p.rows * p.n));
    const size_t x_size = qrt_dtype_size(c.x_dtype);
    for (int64_t e = 0; e < p.experts; ++e) {
        const int64_t first = p.offsets[static_cast<size_t>(e)];
        const int64_t rows = p.offsets[static_cast<size_t>(e + 1)] - first;
        if (rows == 0) continue;
        const Weight& w = p.weights[static_cast<size_t>(e)];
        qrt_tensor xt = tensor(const_cast<unsigned char*>(x.bytes.data()) + static_cast<size_t>(first * p.k) * x_size,
                               c.x_dtype, {rows, p.k});
        qrt_tensor pt = tensor(const_cast<int32_t*>(w.packed.data()), QRT_DTYPE_I32, {p.n, p.k / 8});
        qrt_tensor st = tensor(const_cast<unsigned char*>(w.scale.bytes.data()), w.scale.dtype, {p.n, p.groups});
        qrt_tensor zt = tensor(const_cast<int32_t*>(w.zero_packed.data()), QRT_DTYPE_I32, {p.n / 8, p.groups});
        qrt_tensor gt = tensor(const_cast<int32_t*>(w.g_idx.data()), QRT_DTYPE_I32, {p.k});
        qrt_tensor bt = tensor(const_cast<unsigned char*>(bias.bytes.data()) + static_cast<size_t>(e * p.n) * 2,
                               QRT_DTYPE_BF16, {p.n});
        qrt_tensor yt = tensor(reference.data() + first * p.n, QRT_DTYPE_F32, {rows, p.n});
        QRT_CHECK_OK(qrt_gemm_wna16(cpu, &xt, &pt, &st, c.zero_point ? &zt : nullptr, c.act_order ? &gt : nullptr, 4,
                                    c.group_size, c.bias ? &bt : nullptr, &yt));
    }

    DeviceBuffer<unsigned char> x_device(gpu, x.bytes.empty() ? std::vector<unsigned char>(16) : x.bytes);
    DeviceBuffer<unsigned char> x_sorted(gpu, std::vector<unsigned char>(std::max<size_t>(16, x.bytes.size()), 0xFF));
    DeviceBuffer<int32_t> offsets(gpu, p.offsets);
    DeviceBuffer<int32_t> indices(gpu, p.indices);
    DeviceBuffer<unsigned char> bias_device(gpu, bias.bytes);
    const size_t y_bytes = static_cast<size_t>(p.rows * p.n) * qrt_dtype_size(c.y_dtype);
    DeviceBuffer<unsigned char> y_device(gpu, std::vector<unsigned char>(std::max<size_t>(16, y_bytes), 0xFF));
    qrt_tensor xt = tensor(x_device.data(), c.x_dtype, {p.rows, p.k}, cuda_device());
    qrt_tensor xs = tensor(x_sorted.data(), c.x_dtype, {p.rows, p.k}, cuda_device());
    qrt_tensor ot = tensor(offsets.data(), QRT_DTYPE_I32, {p.experts + 1}, cuda_device());
    qrt_tensor it = tensor(indices.data(), QRT_DTYPE_I32, {p.experts, p.k}, cuda_device());
    if (c.act_order) {
        QRT_CHECK_OK(qrt_gather_columns_grouped(gpu, &xt, &it, &ot, &xs));
        std::vector<unsigned char> expected(x.bytes.size());
        std::vector<int32_t> host_offsets = p.offsets, host_indices = p.indices;
        qrt_tensor hx = tensor(const_cast<unsigned char*>(x.bytes.data()), c.x_dtype, {p.rows, p.k});
        qrt_tensor hs = tensor(expected.data(), c.x_dtype, {p.rows, p.k});
        qrt_tensor ho = tensor(host_offsets.data(), QRT_DTYPE_I32, {p.experts + 1});
        qrt_tensor hi = tensor(host_indices.data(), QRT_DTYPE_I32, {p.experts, p.k});
        QRT_CHECK_OK(qrt_gather_columns_grouped(cpu, &hx, &hi, &ho, &hs));
        std::vector<unsigned char> actual = x_sorted.download();
        actual.resize(expected.size());
        if (actual != expected) {
            std::fprintf(stderr, "%s: the GPU's grouped gather differs from the CPU's\n", what.c_str());
            ++failures();
        }
    }
    qrt_tensor rw = tensor(stack.weight.data(), QRT_DTYPE_I32, {p.experts, p.k / 16, 2 * p.n}, cuda_device());
    qrt_tensor rs = tensor(stack.scale.data(), c.scale_dtype, {p.experts, p.groups, p.n}, cuda_device());
    qrt_tensor rz = tensor(stack.zero.data(), QRT_DTYPE_I32, {p.experts, p.groups, p.n / 8}, cuda_device());
    qrt_tensor bt = tensor(bias_device.data(), QRT_DTYPE_BF16, {p.experts, p.n}, cuda_device());
    qrt_tensor yt = tensor(y_device.data(), c.y_dtype, {p.rows, p.n}, cuda_device());
    QRT_CHECK_OK(qrt_gemm_wna16_repacked_grouped(gpu, c.act_order ? &xs : &xt, &rw, &rs, c.zero_point ? &rz : nullptr,
                                                 4, c.group_size, c.bias ? &bt : nullptr, &ot, &yt));
    const std::vector<unsigned char> y = y_device.download();

    std::vector<float> actual;
    std::vector<double> expected, bound;
    for (int64_t e = 0; e < p.experts; ++e) {
        const Weight& w = p.weights[static_cast<size_t>(e)];
        for (int64_t r = p.offsets[static_cast<size_t>(e)]; r < p.offsets[static_cast<size_t>(e + 1)]; ++r) {
            for (int64_t f = 0; f < p.n; ++f) {
                double magnitude = c.bias ? std::fabs(bias.values[static_cast<size_t>(e * p.n + f)]) : 0.0;
                for (int64_t j = 0; j < p.k; ++j) magnitude += std::fabs(x.values[static_cast<size_t>(r * p.k + j)] * w.value(f, j));
                const size_t at = static_cast<size_t>(r * p.n + f);
                const double fp32_error = 2.0 * gamma_fp32(p.k + 2) * magnitude;
                expected.push_back(reference[at]);
                bound.push_back(rounded_output_error(fp32_error, std::fabs(reference[at]), c.y_dtype));
                actual.push_back(load_element(y.data(), c.y_dtype, at));
            }
        }
    }
    check_within(actual, expected, bound, what.c_str());
}

// Offsets out of range on the GPU: clamped into [0, R], a decreasing pair an empty segment, rows in no segment left
// as they were; an index out of range in the gather writes NaN.
void test_offsets_out_of_range() {
    CudaStream gpu;
    Random random(77);
    // Three experts of 2, 0 and 4 rows (R = 6). Offsets {-3, 2, 2, 100} clamp to the valid {0, 2, 2, 6}: the same
    // bits. Offsets {0, 2, 1, 5}: expert 1's pair decreases (an empty segment), expert 2 gets [1, 5), so row 1 lies in
    // two segments (either result), rows 2-4 get expert 2's result and row 5, in no segment, is left as it was.
    const GroupedProblem p = grouped_problem(random, {2, 0, 4}, 64, 64, 32, true, QRT_DTYPE_BF16, false);
    DeviceStack stack(gpu, p, false);
    const Stored x = store(random.uniform(static_cast<size_t>(p.rows * p.k)), QRT_DTYPE_BF16);
    DeviceBuffer<unsigned char> x_device(gpu, x.bytes);
    qrt_tensor xt = tensor(x_device.data(), QRT_DTYPE_BF16, {p.rows, p.k}, cuda_device());
    qrt_tensor rw = tensor(stack.weight.data(), QRT_DTYPE_I32, {p.experts, p.k / 16, 2 * p.n}, cuda_device());
    qrt_tensor rs = tensor(stack.scale.data(), QRT_DTYPE_BF16, {p.experts, p.groups, p.n}, cuda_device());
    qrt_tensor rz = tensor(stack.zero.data(), QRT_DTYPE_I32, {p.experts, p.groups, p.n / 8}, cuda_device());
    auto run = [&](const std::vector<int32_t>& offsets) {
        DeviceBuffer<int32_t> offsets_device(gpu, offsets);
        DeviceBuffer<uint16_t> y(gpu, std::vector<uint16_t>(static_cast<size_t>(p.rows * p.n), 0x7FC1));
        qrt_tensor ot = tensor(offsets_device.data(), QRT_DTYPE_I32, {p.experts + 1}, cuda_device());
        qrt_tensor yt = tensor(y.data(), QRT_DTYPE_BF16, {p.rows, p.n}, cuda_device());
        QRT_CHECK_OK(qrt_gemm_wna16_repacked_grouped(gpu, &xt, &rw, &rs, &rz, 4, 32, nullptr, &ot, &yt));
        return y.download();
    };
    const std::vector<uint16_t> valid = run(p.offsets);
    QRT_CHECK(run({-3, 2, 2, 100}) == valid);
    const std::vector<uint16_t> partial = run({0, 2, 1, 5});
    long bad = 0;
    for (int64_t r = 0; r < p.rows; ++r) {
        if (r == 1) continue;
        for (int64_t f = 0; f < p.n; ++f) {
            const size_t at = static_cast<size_t>(r * p.n + f);
            if (partial[at] != (r == 5 ? uint16_t{0x7FC1} : valid[at])) ++bad;
        }
    }
    if (bad != 0) std::fprintf(stderr, "grouped GEMM with a decreasing pair of offsets: %ld elements wrong\n", bad);
    QRT_CHECK(bad == 0);

    // The gather: index K in expert 2's row writes NaN in that column of its rows; other columns are gathered.
    std::vector<int32_t> indices = p.indices;
    indices[static_cast<size_t>(2 * p.k + 3)] = static_cast<int32_t>(p.k);
    indices[static_cast<size_t>(2 * p.k + 4)] = -7;
    DeviceBuffer<int32_t> indices_device(gpu, indices);
    DeviceBuffer<int32_t> offsets_device(gpu, std::vector<int32_t>{-3, 2, 2, 100});
    DeviceBuffer<uint16_t> gathered(gpu, std::vector<uint16_t>(static_cast<size_t>(p.rows * p.k), 0));
    qrt_tensor it = tensor(indices_device.data(), QRT_DTYPE_I32, {p.experts, p.k}, cuda_device());
    qrt_tensor ot = tensor(offsets_device.data(), QRT_DTYPE_I32, {p.experts + 1}, cuda_device());
    qrt_tensor gt = tensor(gathered.data(), QRT_DTYPE_BF16, {p.rows, p.k}, cuda_device());
    QRT_CHECK_OK(qrt_gather_columns_grouped(gpu, &xt, &it, &ot, &gt));
    const std::vector<uint16_t> g = gathered.download();
    std::vector<uint16_t> x_bits(x.bytes.size() / 2);
    std::memcpy(x_bits.data(), x.bytes.data(), x.bytes.size());
    bad = 0;
    for (int64_t r = 0; r < p.rows; ++r) {
        const int64_t e = r < 2 ? 0 : 2;
        for (int64_t j = 0; j < p.k; ++j) {
            const uint16_t value = g[static_cast<size_t>(r * p.k + j)];
            const int32_t from = indices[static_cast<size_t>(e * p.k + j)];
            const bool nan = (value & 0x7F80) == 0x7F80 && (value & 0x7F) != 0;
            if (from < 0 || from >= p.k ? !nan : value != x_bits[static_cast<size_t>(r * p.k + from)]) ++bad;
        }
    }
    if (bad != 0) std::fprintf(stderr, "grouped gather with clamped offsets and bad indices: %ld elements wrong\n", bad);
    QRT_CHECK(bad == 0);
}

// Bad arguments on the CUDA backend: named errors, nothing launched.
void test_bad_arguments() {
    CudaStream gpu;
    const int64_t e = 2, n = 64, k = 64;
    DeviceBuffer<int32_t> weight(gpu, std::vector<int32_t>(static_cast<size_t>(e * k / 16 * 2 * n)));
    DeviceBuffer<uint16_t> scale(gpu, std::vector<uint16_t>(static_cast<size_t>(e * n), 0x3F80));
    DeviceBuffer<float> x32(gpu, std::vector<float>(static_cast<size_t>(2 * k)));
    DeviceBuffer<uint16_t> x(gpu, std::vector<uint16_t>(static_cast<size_t>(2 * k + 8)));
    DeviceBuffer<uint16_t> y(gpu, std::vector<uint16_t>(static_cast<size_t>(2 * n)));
    DeviceBuffer<int32_t> offsets(gpu, std::vector<int32_t>{0, 1, 2});
    qrt_tensor rw = tensor(weight.data(), QRT_DTYPE_I32, {e, k / 16, 2 * n}, cuda_device());
    qrt_tensor rs = tensor(scale.data(), QRT_DTYPE_BF16, {e, 1, n}, cuda_device());
    qrt_tensor xt = tensor(x.data(), QRT_DTYPE_BF16, {2, k}, cuda_device());
    qrt_tensor yt = tensor(y.data(), QRT_DTYPE_BF16, {2, n}, cuda_device());
    qrt_tensor ot = tensor(offsets.data(), QRT_DTYPE_I32, {e + 1}, cuda_device());
    QRT_CHECK_OK(qrt_gemm_wna16_repacked_grouped(gpu, &xt, &rw, &rs, nullptr, 4, 0, nullptr, &ot, &yt));
    qrt_tensor xf = tensor(x32.data(), QRT_DTYPE_F32, {2, k}, cuda_device());
    QRT_CHECK_FAILS(qrt_gemm_wna16_repacked_grouped(gpu, &xf, &rw, &rs, nullptr, 4, 0, nullptr, &ot, &yt),
                    QRT_STATUS_UNSUPPORTED, "'x'");
    qrt_tensor xm = tensor(static_cast<uint16_t*>(x.data()) + 1, QRT_DTYPE_BF16, {2, k}, cuda_device());
    QRT_CHECK_FAILS(qrt_gemm_wna16_repacked_grouped(gpu, &xm, &rw, &rs, nullptr, 4, 0, nullptr, &ot, &yt),
                    QRT_STATUS_UNSUPPORTED, "'x'");
    // Offsets in host memory on a CUDA stream.
    std::vector<int32_t> host_offsets = {0, 1, 2};
    qrt_tensor oh = tensor(host_offsets.data(), QRT_DTYPE_I32, {e + 1});
    QRT_CHECK(qrt_gemm_wna16_repacked_grouped(gpu, &xt, &rw, &rs, nullptr, 4, 0, nullptr, &oh, &yt) != QRT_STATUS_OK);
}

}  // namespace

int main() {
    const std::string unavailable = cuda_unavailable_reason();
    if (!unavailable.empty()) return skip_without_cuda("test_cuda_gemm_wna16_grouped", unavailable);
    const qrt_dtype B = QRT_DTYPE_BF16, H = QRT_DTYPE_F16, F = QRT_DTYPE_F32;
    const Case cases[] = {
        // Decode-like: one or two rows per expert, empty experts between; partial blocks of features (N = 320).
        {{1, 0, 2, 0, 1}, 320, 256, 128, false, B, B, B, true, false},
        {{2, 1, 0, 3}, 128, 128, 0, true, H, H, F, false, false},
        // Segments over several row tiles (32-row tiles: R / E > 16), partial last tiles, an empty expert.
        {{40, 0, 17, 33}, 64, 96, 32, true, B, F, H, true, false},
        {{5, 0, 12}, 192, 384, 128, true, H, B, B, true, false},
        // Activation order, each expert its own permutation.
        {{3, 0, 6}, 128, 256, 128, true, B, B, B, true, true},
        {{20, 13}, 64, 256, 64, false, H, H, F, false, true},
    };
    uint32_t seed = 500;
    for (const Case& c : cases) check_case(c, seed++);
    test_offsets_out_of_range();
    test_bad_arguments();
    return finish("test_cuda_gemm_wna16_grouped");
}
