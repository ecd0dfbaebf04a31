// The repacked W4A16 layout on the CPU: qrt_repack_wna16 against the layout as qrt.h writes it (every word of the
// weight and zero points, every scale), qrt_gemm_wna16_repacked against qrt_gemm_wna16 on the weight before the
// repack (the same FP32 panels, so the same bits), activation ordering through qrt_gather_columns, and the
// arguments the layout refuses.
#include <cmath>
#include <cstring>
#include <vector>

#include "test_bounds.h"
#include "test_formats.h"
#include "test_tensors.h"
#include "test_util.h"
#include "test_wna16_weights.h"

using namespace qrt_test;
using namespace qrt_test::wna16;

namespace {

struct Repacked {
    std::vector<int32_t> weight;
    std::vector<unsigned char> scale;
    std::vector<int32_t> zero;
};

Repacked repack(qrt_stream* stream, const Weight& w, const std::vector<int32_t>& packed) {
    Repacked out;
    out.weight.assign(static_cast<size_t>(w.k / 16 * 2 * w.n), 0);
    out.scale.assign(w.scale.bytes.size(), 0);
    out.zero.assign(static_cast<size_t>(w.groups * w.n / 8), 0);
    qrt_tensor pt = tensor(const_cast<int32_t*>(packed.data()), QRT_DTYPE_I32, {w.n, w.k / 8});
    qrt_tensor st = tensor(const_cast<unsigned char*>(w.scale.bytes.data()), w.scale.dtype, {w.n, w.groups});
    qrt_tensor zt = tensor(const_cast<int32_t*>(w.zero_packed.data()), QRT_DTYPE_I32, {w.n / 8, w.groups});
    qrt_tensor rw = tensor(out.weight.data(), QRT_DTYPE_I32, {w.k / 16, 2 * w.n});
    qrt_tensor rs = tensor(out.scale.data(), w.scale.dtype, {w.groups, w.n});
    qrt_tensor rz = tensor(out.zero.data(), QRT_DTYPE_I32, {w.groups, w.n / 8});
    QRT_CHECK_OK(qrt_repack_wna16(stream, &pt, &st, w.zero_point ? &zt : nullptr, 4, w.group_size, &rw, &rs,
                                  w.zero_point ? &rz : nullptr));
    return out;
}

void test_repack_matches_the_layout(int64_t n, int64_t k, int64_t group_size, bool zero_point, qrt_dtype scale_dtype) {
    CpuStream stream;
    Random random(static_cast<uint32_t>(n * 7 + k + group_size));
    const Weight w = random_weight(random, n, k, group_size, zero_point, scale_dtype);
    const Repacked r = repack(stream, w, w.packed);
    long bad = 0;
    for (int64_t kt = 0; kt < k / 16; ++kt) {
        for (int64_t nt = 0; nt < n / 64; ++nt) {
            for (int word = 0; word < 128; ++word) {
                const uint32_t actual = static_cast<uint32_t>(r.weight[static_cast<size_t>(kt * 2 * n + nt * 128 + word)]);
                if (actual != expected_repacked_word(w.stored, k, kt, nt, word)) ++bad;
            }
        }
    }
    const size_t size = qrt_dtype_size(scale_dtype);
    for (int64_t g = 0; g < w.groups; ++g) {
        for (int64_t f = 0; f < n; ++f) {
            if (std::memcmp(&r.scale[static_cast<size_t>(g * n + f) * size], &w.scale.bytes[static_cast<size_t>(f * w.groups + g) * size],
                            size) != 0) {
                ++bad;
            }
            if (zero_point && f % 64 < 8) {
                const int64_t nt = f / 64;
                const int c = static_cast<int>(f % 8);
                if (static_cast<uint32_t>(r.zero[static_cast<size_t>(g * n / 8 + nt * 8 + c)]) != expected_zero_word(w, g, nt, c)) ++bad;
            }
        }
    }
    if (bad != 0) std::fprintf(stderr, "repack N=%lld K=%lld group %lld: %ld words differ from qrt.h's layout\n",
                               static_cast<long long>(n), static_cast<long long>(k), static_cast<long long>(group_size), bad);
    QRT_CHECK(bad == 0);
}

// qrt_gemm_wna16_repacked on the CPU decodes the same weights (stored − z)·scale into the same FP32 panels as
// qrt_gemm_wna16, so y must be bit-identical; with act_order, the repacked side sorts the columns and gathers x.
void test_gemm_matches_the_original_layout(int64_t m, int64_t n, int64_t k, int64_t group_size, bool zero_point,
                                           qrt_dtype x_dtype, qrt_dtype y_dtype, bool bias, bool act_order) {
    CpuStream stream;
    Random random(static_cast<uint32_t>(m * 131 + n + k + group_size));
    const Weight w = random_weight(random, n, k, group_size, zero_point, QRT_DTYPE_BF16, act_order);
    const std::vector<int32_t> order = group_order(w);
    const Repacked r = repack(stream, w, act_order ? permuted_packed(w, order) : w.packed);
    Stored x = store(random.uniform(static_cast<size_t>(m * k)), x_dtype);
    Stored b = store(random.uniform(static_cast<size_t>(n)), QRT_DTYPE_F32);
    const size_t y_bytes = static_cast<size_t>(m * n) * qrt_dtype_size(y_dtype);
    std::vector<unsigned char> y_original(y_bytes), y_repacked(y_bytes), x_sorted(x.bytes.size());

    qrt_tensor xt = tensor(x.bytes.data(), x_dtype, {m, k});
    qrt_tensor pt = tensor(const_cast<int32_t*>(w.packed.data()), QRT_DTYPE_I32, {n, k / 8});
    qrt_tensor st = tensor(const_cast<unsigned char*>(w.scale.bytes.data()), w.scale.dtype, {n, w.groups});
    qrt_tensor zt = tensor(const_cast<int32_t*>(w.zero_packed.data()), QRT_DTYPE_I32, {n / 8, w.groups});
    qrt_tensor gt = tensor(const_cast<int32_t*>(w.g_idx.data()), QRT_DTYPE_I32, {k});
    qrt_tensor bt = tensor(b.bytes.data(), QRT_DTYPE_F32, {n});
    qrt_tensor yo = tensor(y_original.data(), y_dtype, {m, n});
    QRT_CHECK_OK(qrt_gemm_wna16(stream, &xt, &pt, &st, zero_point ? &zt : nullptr, act_order ? &gt : nullptr, 4,
                                group_size, bias ? &bt : nullptr, &yo));

    qrt_tensor ot = tensor(const_cast<int32_t*>(order.data()), QRT_DTYPE_I32, {k});
    qrt_tensor xs = tensor(x_sorted.data(), x_dtype, {m, k});
    QRT_CHECK_OK(qrt_gather_columns(stream, &xt, &ot, &xs));
    qrt_tensor rw = tensor(const_cast<int32_t*>(r.weight.data()), QRT_DTYPE_I32, {k / 16, 2 * n});
    qrt_tensor rs = tensor(const_cast<unsigned char*>(r.scale.data()), w.scale.dtype, {w.groups, n});
    qrt_tensor rz = tensor(const_cast<int32_t*>(r.zero.data()), QRT_DTYPE_I32, {w.groups, n / 8});
    qrt_tensor yr = tensor(y_repacked.data(), y_dtype, {m, n});
    QRT_CHECK_OK(qrt_gemm_wna16_repacked(stream, act_order ? &xs : &xt, &rw, &rs, zero_point ? &rz : nullptr, 4,
                                         group_size, bias ? &bt : nullptr, nullptr, &yr));
    if (act_order) {
        // The original layout sums in the original column order, the repacked one in group order: both are FP32
        // sums of the same K exact-weight products (and the bias), each within γ(K + 2)·Σ|terms| of the exact
        // value (test_gemm_wna16.cpp), so they differ by at most twice that, plus y's rounding of each.
        std::vector<float> actual;
        std::vector<double> expected, bound;
        const double u = unit_roundoff(y_dtype);
        for (int64_t i = 0; i < m; ++i) {
            for (int64_t f = 0; f < n; ++f) {
                double magnitude = bias ? std::fabs(b.values[static_cast<size_t>(f)]) : 0.0;
                for (int64_t c = 0; c < k; ++c) magnitude += std::fabs(x.values[static_cast<size_t>(i * k + c)] * w.value(f, c));
                const size_t at = static_cast<size_t>(i * n + f);
                const double reference = load_element(y_original.data(), y_dtype, at);
                actual.push_back(load_element(y_repacked.data(), y_dtype, at));
                expected.push_back(reference);
                bound.push_back(2.0 * (gamma_fp32(k + 2) * magnitude + u * (std::fabs(reference) + gamma_fp32(k + 2) * magnitude)) +
                                2.0 * underflow_error(y_dtype));
            }
        }
        check_within(actual, expected, bound, "repacked GEMM with activation order vs qrt_gemm_wna16 with g_idx");
    } else if (y_original != y_repacked) {
        std::fprintf(stderr, "repacked GEMM M=%lld N=%lld K=%lld group %lld%s%s: y differs from qrt_gemm_wna16\n",
                     static_cast<long long>(m), static_cast<long long>(n), static_cast<long long>(k),
                     static_cast<long long>(group_size), zero_point ? " zero-point" : "", act_order ? " act-order" : "");
        ++failures();
    }
}

void test_bad_arguments() {
    CpuStream stream;
    const int64_t n = 64, k = 64;
    std::vector<int32_t> packed(n * k / 8), weight(k / 16 * 2 * n), zeros(n / 8 * 2), rzeros(2 * n / 8);
    std::vector<float> scale(n * 2), rscale(2 * n), x(k), y(n);
    qrt_tensor pt = tensor(packed.data(), QRT_DTYPE_I32, {n, k / 8});
    qrt_tensor st = tensor(scale.data(), QRT_DTYPE_F32, {n, 2});
    qrt_tensor zt = tensor(zeros.data(), QRT_DTYPE_I32, {n / 8, 2});
    qrt_tensor rw = tensor(weight.data(), QRT_DTYPE_I32, {k / 16, 2 * n});
    qrt_tensor rs = tensor(rscale.data(), QRT_DTYPE_F32, {2, n});
    qrt_tensor rz = tensor(rzeros.data(), QRT_DTYPE_I32, {2, n / 8});
    QRT_CHECK_OK(qrt_repack_wna16(stream, &pt, &st, &zt, 4, 32, &rw, &rs, &rz));
    // 8-bit weights, N not a multiple of 64, group sizes the 32-column steps cannot take: UNSUPPORTED, named.
    QRT_CHECK_FAILS(qrt_repack_wna16(stream, &pt, &st, &zt, 8, 32, &rw, &rs, &rz), QRT_STATUS_UNSUPPORTED, "'num_bits'");
    std::vector<int32_t> narrow(48 * k / 8);
    qrt_tensor pn = tensor(narrow.data(), QRT_DTYPE_I32, {48, k / 8});
    QRT_CHECK_FAILS(qrt_repack_wna16(stream, &pn, &st, &zt, 4, 32, &rw, &rs, &rz), QRT_STATUS_UNSUPPORTED, "N = 48");
    qrt_tensor s1 = tensor(scale.data(), QRT_DTYPE_F32, {n, 4});
    QRT_CHECK_FAILS(qrt_repack_wna16(stream, &pt, &s1, nullptr, 4, 16, &rw, &rs, nullptr), QRT_STATUS_UNSUPPORTED,
                    "'group_size'");
    // Shapes that disagree, and a zero point on one side only: INVALID_ARGUMENT, named.
    QRT_CHECK_FAILS(qrt_repack_wna16(stream, &pt, &st, &zt, 4, 64, &rw, &rs, &rz), QRT_STATUS_INVALID_ARGUMENT,
                    "'weight_scale'");
    QRT_CHECK_FAILS(qrt_repack_wna16(stream, &pt, &st, &zt, 4, 32, &rw, &rs, nullptr), QRT_STATUS_INVALID_ARGUMENT,
                    "'repacked_zero_point'");
    QRT_CHECK_FAILS(qrt_repack_wna16(stream, &pt, &st, &zt, 4, 32, &rs, &rs, &rz), QRT_STATUS_INVALID_ARGUMENT,
                    "'repacked_weight'");
    qrt_tensor xt = tensor(x.data(), QRT_DTYPE_F32, {1, k});
    qrt_tensor yt = tensor(y.data(), QRT_DTYPE_F32, {1, n});
    QRT_CHECK_OK(qrt_gemm_wna16_repacked(stream, &xt, &rw, &rs, &rz, 4, 32, nullptr, nullptr, &yt));
    qrt_tensor x48 = tensor(x.data(), QRT_DTYPE_F32, {1, 48});
    QRT_CHECK_FAILS(qrt_gemm_wna16_repacked(stream, &x48, &rw, &rs, &rz, 4, 32, nullptr, nullptr, &yt),
                    QRT_STATUS_UNSUPPORTED, "K = 48");
    qrt_tensor y32 = tensor(y.data(), QRT_DTYPE_F32, {1, 32});
    QRT_CHECK_FAILS(qrt_gemm_wna16_repacked(stream, &xt, &rw, &rs, &rz, 4, 32, nullptr, nullptr, &y32),
                    QRT_STATUS_INVALID_ARGUMENT, "'y'");
    QRT_CHECK_FAILS(qrt_gemm_wna16_repacked(stream, &xt, &rw, &rs, &rz, 4, 64, nullptr, nullptr, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'repacked_scale'");
    size_t bytes = 123;
    QRT_CHECK_OK(qrt_gemm_wna16_repacked_workspace_size(cpu_device(), 16, n, k, &bytes));
    QRT_CHECK(bytes == 0);
    QRT_CHECK_FAILS(qrt_gemm_wna16_repacked_workspace_size(cpu_device(), -1, n, k, &bytes), QRT_STATUS_INVALID_ARGUMENT,
                    "'max_rows'");
}

}  // namespace

int main() {
    for (qrt_dtype scale_dtype : kFloatDtypes) test_repack_matches_the_layout(128, 96, 32, true, scale_dtype);
    test_repack_matches_the_layout(64, 256, 128, false, QRT_DTYPE_BF16);
    test_repack_matches_the_layout(192, 160, 0, true, QRT_DTYPE_F16);
    test_repack_matches_the_layout(64, 320, 64, true, QRT_DTYPE_F32);  // 5 groups

    test_gemm_matches_the_original_layout(1, 64, 32, 32, false, QRT_DTYPE_BF16, QRT_DTYPE_BF16, false, false);
    test_gemm_matches_the_original_layout(3, 128, 256, 128, true, QRT_DTYPE_F16, QRT_DTYPE_F32, true, false);
    test_gemm_matches_the_original_layout(7, 192, 320, 64, true, QRT_DTYPE_F32, QRT_DTYPE_F16, true, false);
    test_gemm_matches_the_original_layout(16, 64, 96, 0, true, QRT_DTYPE_BF16, QRT_DTYPE_F32, false, false);
    test_gemm_matches_the_original_layout(33, 128, 384, 128, false, QRT_DTYPE_BF16, QRT_DTYPE_BF16, true, true);
    test_gemm_matches_the_original_layout(5, 64, 256, 32, true, QRT_DTYPE_F16, QRT_DTYPE_F32, false, true);
    test_bad_arguments();
    return finish("test_gemm_wna16_repacked");
}
