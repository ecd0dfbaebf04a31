// The grouped W4A16 ops on the CPU: qrt_gemm_wna16_repacked_grouped against qrt_gemm_wna16_repacked on each expert's
// slice and rows (the same kernel, so the same bits), and against qrt_gemm_wna16 on each expert's weight before the
// repack, called in a naive loop over the segments (the same FP32 panels: the same bits, within the bound of
// test_gemm_wna16_repacked.cpp when activation order changes the summation order); qrt_gather_columns_grouped against
// a naive per-row gather with each expert's permutation; the repack into slices of a stack against separate repacks;
// and the offsets, indices and shapes the entry points refuse.
#include <cmath>
#include <cstring>
#include <vector>

#include "test_bounds.h"
#include "test_formats.h"
#include "test_tensors.h"
#include "test_util.h"
#include "test_wna16_grouped.h"
#include "test_wna16_weights.h"

using namespace qrt_test;
using namespace qrt_test::wna16;

namespace {

struct Case {
    std::vector<int64_t> segments;  // rows of each expert, in expert order
    int64_t n, k, group_size;
    bool zero_point;
    qrt_dtype x_dtype, y_dtype;
    bool bias, act_order;
};

// A [rows, cols] view of rows [first, first + rows) of a contiguous matrix.
qrt_tensor row_block(unsigned char* data, qrt_dtype dtype, int64_t first, int64_t rows, int64_t cols) {
    return tensor(data + static_cast<size_t>(first * cols) * qrt_dtype_size(dtype), dtype, {rows, cols});
}

void check_case(const Case& c, uint32_t seed) {
    CpuStream stream;
    Random random(seed);
    const GroupedProblem p = grouped_problem(random, c.segments, c.n, c.k, c.group_size, c.zero_point, QRT_DTYPE_BF16,
                                             c.act_order);
    const qrt_dtype scale_dtype = QRT_DTYPE_BF16;
    const size_t scale_size = qrt_dtype_size(scale_dtype);

    // The stack, each expert repacked into its slice; then each expert repacked alone: the slices must be those bytes.
    std::vector<int32_t> packed = all_packed(p), zero_source = all_zero_points(p);
    std::vector<unsigned char> scale_source = all_scales(p);
    std::vector<int32_t> weight(static_cast<size_t>(p.experts * p.weight_words()), -1);
    std::vector<unsigned char> scale(static_cast<size_t>(p.experts * p.scale_elements()) * scale_size, 0xFF);
    std::vector<int32_t> zero(static_cast<size_t>(p.experts * p.zero_words()), -1);
    repack_into_slices(stream, cpu_device(), p, packed.data(), scale_source.data(), zero_source.data(), weight.data(),
                       scale.data(), zero.data());
    for (int64_t e = 0; e < p.experts; ++e) {
        GroupedProblem one = p;
        one.experts = 1;
        std::vector<int32_t> w1(static_cast<size_t>(p.weight_words())), z1(static_cast<size_t>(p.zero_words()), -1);
        std::vector<unsigned char> s1(static_cast<size_t>(p.scale_elements()) * scale_size);
        repack_into_slices(stream, cpu_device(), one, packed.data() + e * p.n * (p.k / 8),
                           scale_source.data() + static_cast<size_t>(e * p.scale_elements()) * scale_size,
                           zero_source.data() + e * p.zero_words(), w1.data(), s1.data(), z1.data());
        const bool same = std::equal(w1.begin(), w1.end(), weight.begin() + e * p.weight_words()) &&
                          std::memcmp(s1.data(), scale.data() + static_cast<size_t>(e * p.scale_elements()) * scale_size,
                                      s1.size()) == 0 &&
                          (!p.zero_point || std::equal(z1.begin(), z1.end(), zero.begin() + e * p.zero_words()));
        if (!same) {
            std::fprintf(stderr, "expert %lld: its slice of the stack differs from its own repack\n", static_cast<long long>(e));
            ++failures();
        }
    }

    const size_t x_size = qrt_dtype_size(c.x_dtype), y_size = qrt_dtype_size(c.y_dtype);
    Stored x = store(random.uniform(static_cast<size_t>(p.rows * p.k)), c.x_dtype);
    Stored bias = store(random.uniform(static_cast<size_t>(p.experts * p.n)), QRT_DTYPE_F32);
    std::vector<int32_t> offsets = p.offsets, indices = p.indices;
    qrt_tensor xt = tensor(x.bytes.data(), c.x_dtype, {p.rows, p.k});
    qrt_tensor rw = tensor(weight.data(), QRT_DTYPE_I32, {p.experts, p.k / 16, 2 * p.n});
    qrt_tensor rs = tensor(scale.data(), scale_dtype, {p.experts, p.groups, p.n});
    qrt_tensor rz = tensor(zero.data(), QRT_DTYPE_I32, {p.experts, p.groups, p.n / 8});
    qrt_tensor bt = tensor(bias.bytes.data(), QRT_DTYPE_F32, {p.experts, p.n});
    qrt_tensor ot = tensor(offsets.data(), QRT_DTYPE_I32, {p.experts + 1});
    qrt_tensor it = tensor(indices.data(), QRT_DTYPE_I32, {p.experts, p.k});

    // Activation order: each segment's rows gathered with its expert's permutation, checked against a naive gather.
    std::vector<unsigned char> x_sorted(x.bytes.size(), 0xFF);
    qrt_tensor xs = tensor(x_sorted.data(), c.x_dtype, {p.rows, p.k});
    if (c.act_order) {
        QRT_CHECK_OK(qrt_gather_columns_grouped(stream, &xt, &it, &ot, &xs));
        long bad = 0;
        for (int64_t e = 0; e < p.experts; ++e) {
            for (int64_t r = p.offsets[static_cast<size_t>(e)]; r < p.offsets[static_cast<size_t>(e + 1)]; ++r) {
                for (int64_t j = 0; j < p.k; ++j) {
                    const int64_t from = p.orders[static_cast<size_t>(e)][static_cast<size_t>(j)];
                    if (std::memcmp(&x_sorted[static_cast<size_t>(r * p.k + j) * x_size],
                                    &x.bytes[static_cast<size_t>(r * p.k + from) * x_size], x_size) != 0) {
                        ++bad;
                    }
                }
            }
        }
        if (bad != 0) std::fprintf(stderr, "grouped gather: %ld elements differ from x[r][indices[e][j]]\n", bad);
        QRT_CHECK(bad == 0);
    }
    unsigned char* x_used = c.act_order ? x_sorted.data() : x.bytes.data();
    qrt_tensor x_in = tensor(x_used, c.x_dtype, {p.rows, p.k});

    const size_t y_bytes = static_cast<size_t>(p.rows * p.n) * y_size;
    std::vector<unsigned char> y(y_bytes, 0xFF), y_slices(y_bytes, 0xEE), y_original(y_bytes, 0xDD);
    qrt_tensor yt = tensor(y.data(), c.y_dtype, {p.rows, p.n});
    QRT_CHECK_OK(qrt_gemm_wna16_repacked_grouped(stream, &x_in, &rw, &rs, c.zero_point ? &rz : nullptr, 4, c.group_size,
                                                 c.bias ? &bt : nullptr, &ot, &yt));

    // The references, segment by segment.
    for (int64_t e = 0; e < p.experts; ++e) {
        const int64_t first = p.offsets[static_cast<size_t>(e)];
        const int64_t rows = p.offsets[static_cast<size_t>(e + 1)] - first;
        if (rows == 0) continue;
        const Weight& w = p.weights[static_cast<size_t>(e)];
        qrt_tensor be = tensor(bias.bytes.data() + static_cast<size_t>(e * p.n) * 4, QRT_DTYPE_F32, {p.n});
        // (1) the ungrouped repacked op on expert e's slice of the stack.
        qrt_tensor xe = row_block(x_used, c.x_dtype, first, rows, p.k);
        qrt_tensor we = tensor(weight.data() + e * p.weight_words(), QRT_DTYPE_I32, {p.k / 16, 2 * p.n});
        qrt_tensor se = tensor(scale.data() + static_cast<size_t>(e * p.scale_elements()) * scale_size, scale_dtype,
                               {p.groups, p.n});
        qrt_tensor ze = tensor(zero.data() + e * p.zero_words(), QRT_DTYPE_I32, {p.groups, p.n / 8});
        qrt_tensor ye = row_block(y_slices.data(), c.y_dtype, first, rows, p.n);
        QRT_CHECK_OK(qrt_gemm_wna16_repacked(stream, &xe, &we, &se, c.zero_point ? &ze : nullptr, 4, c.group_size,
                                             c.bias ? &be : nullptr, nullptr, &ye));
        // (2) qrt_gemm_wna16 on expert e's weight before the repack (with its g_idx), on the unsorted rows.
        qrt_tensor xo = row_block(x.bytes.data(), c.x_dtype, first, rows, p.k);
        qrt_tensor pt = tensor(const_cast<int32_t*>(w.packed.data()), QRT_DTYPE_I32, {p.n, p.k / 8});
        qrt_tensor st = tensor(const_cast<unsigned char*>(w.scale.bytes.data()), scale_dtype, {p.n, p.groups});
        qrt_tensor zt = tensor(const_cast<int32_t*>(w.zero_packed.data()), QRT_DTYPE_I32, {p.n / 8, p.groups});
        qrt_tensor gt = tensor(const_cast<int32_t*>(w.g_idx.data()), QRT_DTYPE_I32, {p.k});
        qrt_tensor yo = row_block(y_original.data(), c.y_dtype, first, rows, p.n);
        QRT_CHECK_OK(qrt_gemm_wna16(stream, &xo, &pt, &st, c.zero_point ? &zt : nullptr, c.act_order ? &gt : nullptr, 4,
                                    c.group_size, c.bias ? &be : nullptr, &yo));
    }
    if (y != y_slices) {
        std::fprintf(stderr, "grouped GEMM (%lld experts, N=%lld K=%lld group %lld): y differs from the ungrouped op on "
                             "each slice\n", static_cast<long long>(p.experts), static_cast<long long>(p.n),
                     static_cast<long long>(p.k), static_cast<long long>(p.group_size));
        ++failures();
    }
    if (!c.act_order) {
        if (y != y_original) {
            std::fprintf(stderr, "grouped GEMM: y differs from qrt_gemm_wna16 on the unrepacked weights\n");
            ++failures();
        }
        return;
    }
    // With activation order the reference sums in the original column order and the grouped op in each expert's
    // group order: both are FP32 sums of the same K exact-weight products and the bias, each within γ(K + 2)·Σ|terms|
    // of the exact value, then rounded to y's dtype (test_gemm_wna16_repacked.cpp derives the same bound).
    std::vector<float> actual;
    std::vector<double> expected, bound;
    const double u = unit_roundoff(c.y_dtype);
    for (int64_t e = 0; e < p.experts; ++e) {
        const Weight& w = p.weights[static_cast<size_t>(e)];
        for (int64_t r = p.offsets[static_cast<size_t>(e)]; r < p.offsets[static_cast<size_t>(e + 1)]; ++r) {
            for (int64_t f = 0; f < p.n; ++f) {
                double magnitude = c.bias ? std::fabs(bias.values[static_cast<size_t>(e * p.n + f)]) : 0.0;
                for (int64_t j = 0; j < p.k; ++j) magnitude += std::fabs(x.values[static_cast<size_t>(r * p.k + j)] * w.value(f, j));
                const size_t at = static_cast<size_t>(r * p.n + f);
                const double reference = load_element(y_original.data(), c.y_dtype, at);
                actual.push_back(load_element(y.data(), c.y_dtype, at));
                expected.push_back(reference);
                bound.push_back(2.0 * (gamma_fp32(p.k + 2) * magnitude + u * (std::fabs(reference) + gamma_fp32(p.k + 2) * magnitude)) +
                                2.0 * underflow_error(c.y_dtype));
            }
        }
    }
    check_within(actual, expected, bound, "grouped GEMM with activation order vs qrt_gemm_wna16 with g_idx");
}

// Offsets, indices and shapes the CPU refuses, each naming the argument.
void test_bad_arguments() {
    CpuStream stream;
    const int64_t e = 3, n = 64, k = 64, r = 4;
    std::vector<int32_t> weight(static_cast<size_t>(e * k / 16 * 2 * n)), indices(static_cast<size_t>(e * k));
    for (int64_t i = 0; i < e * k; ++i) indices[static_cast<size_t>(i)] = static_cast<int32_t>(i % k);
    std::vector<float> scale(static_cast<size_t>(e * n), 1.0f), x(static_cast<size_t>(r * k)), y(static_cast<size_t>(r * n)),
        xs(static_cast<size_t>(r * k)), bias(static_cast<size_t>(e * n));
    qrt_tensor rw = tensor(weight.data(), QRT_DTYPE_I32, {e, k / 16, 2 * n});
    qrt_tensor rs = tensor(scale.data(), QRT_DTYPE_F32, {e, 1, n});
    qrt_tensor xt = tensor(x.data(), QRT_DTYPE_F32, {r, k});
    qrt_tensor yt = tensor(y.data(), QRT_DTYPE_F32, {r, n});
    qrt_tensor st = tensor(xs.data(), QRT_DTYPE_F32, {r, k});
    qrt_tensor it = tensor(indices.data(), QRT_DTYPE_I32, {e, k});
    auto gemm = [&](std::vector<int32_t> offsets) {
        qrt_tensor ot = tensor(offsets.data(), QRT_DTYPE_I32, {static_cast<int64_t>(offsets.size())});
        return qrt_gemm_wna16_repacked_grouped(stream, &xt, &rw, &rs, nullptr, 4, 0, nullptr, &ot, &yt);
    };
    auto gather = [&](std::vector<int32_t> offsets) {
        qrt_tensor ot = tensor(offsets.data(), QRT_DTYPE_I32, {static_cast<int64_t>(offsets.size())});
        return qrt_gather_columns_grouped(stream, &xt, &it, &ot, &st);
    };
    QRT_CHECK_OK(gemm({0, 1, 1, 4}));
    QRT_CHECK_OK(gather({0, 0, 4, 4}));
    // Not starting at 0, decreasing, not ending at R, and one offset too many or too few.
    QRT_CHECK_FAILS(gemm({1, 1, 2, 4}), QRT_STATUS_INVALID_ARGUMENT, "'expert_offsets': element 0 is 1");
    QRT_CHECK_FAILS(gemm({0, 3, 2, 4}), QRT_STATUS_INVALID_ARGUMENT, "'expert_offsets': decreases from 3");
    QRT_CHECK_FAILS(gemm({0, 1, 2, 3}), QRT_STATUS_INVALID_ARGUMENT, "'expert_offsets': element 3 (the last) is 3");
    QRT_CHECK_FAILS(gemm({0, 1, 2, 3, 4}), QRT_STATUS_INVALID_ARGUMENT, "'expert_offsets'");
    QRT_CHECK_FAILS(gemm({0, 2, 4}), QRT_STATUS_INVALID_ARGUMENT, "'expert_offsets'");
    QRT_CHECK_FAILS(gather({0, 5, 4, 4}), QRT_STATUS_INVALID_ARGUMENT, "'expert_offsets': decreases from 5");
    QRT_CHECK_FAILS(gather({0, 1, 2, 5}), QRT_STATUS_INVALID_ARGUMENT, "'expert_offsets'");
    // An I64 offset tensor.
    std::vector<int64_t> wide = {0, 1, 1, 4};
    qrt_tensor o64 = tensor(wide.data(), QRT_DTYPE_I64, {4});
    QRT_CHECK_FAILS(qrt_gemm_wna16_repacked_grouped(stream, &xt, &rw, &rs, nullptr, 4, 0, nullptr, &o64, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'expert_offsets'");
    // An index outside [0, K) in expert 2's row, even though its segment is empty.
    indices[static_cast<size_t>(2 * k + 5)] = static_cast<int32_t>(k);
    QRT_CHECK_FAILS(gather({0, 1, 4, 4}), QRT_STATUS_INVALID_ARGUMENT, "'indices': element [2, 5] holds 64");
    indices[static_cast<size_t>(2 * k + 5)] = -1;
    QRT_CHECK_FAILS(gather({0, 1, 4, 4}), QRT_STATUS_INVALID_ARGUMENT, "'indices': element [2, 5] holds -1");
    // Shapes: a rank-2 weight, a scale stack of the wrong expert count, a bias without its expert dimension, indices
    // of the wrong width.
    std::vector<int32_t> ok = {0, 1, 1, 4};
    qrt_tensor ot = tensor(ok.data(), QRT_DTYPE_I32, {e + 1});
    qrt_tensor rw2 = tensor(weight.data(), QRT_DTYPE_I32, {k / 16, 2 * n});
    QRT_CHECK_FAILS(qrt_gemm_wna16_repacked_grouped(stream, &xt, &rw2, &rs, nullptr, 4, 0, nullptr, &ot, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'repacked_weight'");
    qrt_tensor rs2 = tensor(scale.data(), QRT_DTYPE_F32, {2, 1, n});
    QRT_CHECK_FAILS(qrt_gemm_wna16_repacked_grouped(stream, &xt, &rw, &rs2, nullptr, 4, 0, nullptr, &ot, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'repacked_scale'");
    qrt_tensor b1 = tensor(bias.data(), QRT_DTYPE_F32, {n});
    QRT_CHECK_FAILS(qrt_gemm_wna16_repacked_grouped(stream, &xt, &rw, &rs, nullptr, 4, 0, &b1, &ot, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'bias'");
    qrt_tensor it2 = tensor(indices.data(), QRT_DTYPE_I32, {e * 2, k / 2});
    QRT_CHECK_FAILS(qrt_gather_columns_grouped(stream, &xt, &it2, &ot, &st), QRT_STATUS_INVALID_ARGUMENT, "'indices'");
    // The layout's rules hold for stacks too.
    QRT_CHECK_FAILS(qrt_gemm_wna16_repacked_grouped(stream, &xt, &rw, &rs, nullptr, 4, 16, nullptr, &ot, &yt),
                    QRT_STATUS_UNSUPPORTED, "'group_size'");
}

}  // namespace

int main() {
    const qrt_dtype B = QRT_DTYPE_BF16, H = QRT_DTYPE_F16, F = QRT_DTYPE_F32;
    uint32_t seed = 300;
    // Symmetric and asymmetric, per channel and group 128, empty segments first, inside and last, one row and many.
    check_case({{3, 0, 5, 1}, 128, 256, 128, false, B, B, true, false}, seed++);
    check_case({{0, 7, 0, 2, 0}, 64, 256, 128, true, F, F, true, false}, seed++);
    check_case({{4, 1, 0}, 192, 96, 0, true, H, F, false, false}, seed++);
    check_case({{1, 1}, 64, 128, 0, false, B, H, true, false}, seed++);
    check_case({{0, 0, 0}, 64, 64, 32, false, B, B, false, false}, seed++);  // no rows at all
    // Activation order: each expert its own permutation of the columns.
    check_case({{2, 0, 3, 1}, 64, 256, 128, true, B, F, true, true}, seed++);
    check_case({{5, 2}, 128, 384, 128, false, F, F, false, true}, seed++);
    test_bad_arguments();
    return finish("test_gemm_wna16_grouped");
}
