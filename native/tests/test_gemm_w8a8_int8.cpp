// qrt_gemm_w8a8_int8 against an exact integer reference written from its definition in qrt.h:
//   y[m][n] = a_scale[m] · w_scale[n] · (Σk a[m][k]·w[n][k] − a_zero_point · Σk w[n][k]) (+ bias[n]).
// The integer sum is computed in int64 here; the kernel must reproduce it exactly.
#include <cmath>
#include <vector>

#include "test_bounds.h"
#include "test_formats.h"
#include "test_tensors.h"
#include "test_util.h"

using namespace qrt_test;

namespace {

std::vector<int8_t> random_int8(Random& random, size_t count) {
    std::vector<int8_t> values(count);
    for (int8_t& v : values) v = static_cast<int8_t>(random.integer(-128, 127));
    return values;
}

struct Case {
    int64_t m, n, k;
    bool per_token;    // a_scale: one per row (else one per tensor)
    int w_scale_kind;  // 0: per tensor [1], 1: per channel [N], 2: per channel [N, 1]
    bool zero_point;
    bool bias;
};

void check_case(Random& random, const Case& c, qrt_dtype w_scale_dtype, qrt_dtype y_dtype) {
    CpuStream stream;
    std::vector<int8_t> a = random_int8(random, static_cast<size_t>(c.m * c.k));
    std::vector<int8_t> w = random_int8(random, static_cast<size_t>(c.n * c.k));
    std::vector<float> a_scale = random.uniform(static_cast<size_t>(c.per_token ? c.m : 1), 0.001f, 0.01f);
    const int64_t w_scales = c.w_scale_kind == 0 ? 1 : c.n;
    Stored w_scale = store(random.uniform(static_cast<size_t>(w_scales), 0.001f, 0.01f), w_scale_dtype);
    Stored bias = store(random.uniform(static_cast<size_t>(c.n), -2.0f, 2.0f), QRT_DTYPE_F32);
    int32_t zero_point = random.integer(-20, 20);
    std::vector<unsigned char> y(static_cast<size_t>(c.m * c.n) * qrt_dtype_size(y_dtype));

    qrt_tensor at = tensor(a.data(), QRT_DTYPE_I8, {c.m, c.k});
    qrt_tensor ast =
        c.per_token ? tensor(a_scale.data(), QRT_DTYPE_F32, {c.m, 1}) : tensor(a_scale.data(), QRT_DTYPE_F32, {1});
    qrt_tensor zt = tensor(&zero_point, QRT_DTYPE_I32, {1});
    qrt_tensor wt = tensor(w.data(), QRT_DTYPE_I8, {c.n, c.k});
    qrt_tensor wst = c.w_scale_kind == 0   ? tensor(w_scale.bytes.data(), w_scale_dtype, {1})
                     : c.w_scale_kind == 1 ? tensor(w_scale.bytes.data(), w_scale_dtype, {c.n})
                                           : tensor(w_scale.bytes.data(), w_scale_dtype, {c.n, 1});
    qrt_tensor bt = tensor(bias.bytes.data(), QRT_DTYPE_F32, {c.n});
    qrt_tensor yt = tensor(y.data(), y_dtype, {c.m, c.n});
    QRT_CHECK_OK(
        qrt_gemm_w8a8_int8(stream, &at, &ast, c.zero_point ? &zt : nullptr, &wt, &wst, c.bias ? &bt : nullptr, &yt));

    std::vector<float> actual;
    std::vector<double> expected, bound;
    for (int64_t m = 0; m < c.m; ++m) {
        for (int64_t n = 0; n < c.n; ++n) {
            int64_t sum = 0, column_sum = 0;
            for (int64_t k = 0; k < c.k; ++k) {
                sum += static_cast<int64_t>(a[static_cast<size_t>(m * c.k + k)]) * w[static_cast<size_t>(n * c.k + k)];
                column_sum += w[static_cast<size_t>(n * c.k + k)];
            }
            const int64_t corrected = sum - (c.zero_point ? zero_point : 0) * column_sum;
            const double scale = static_cast<double>(a_scale[static_cast<size_t>(c.per_token ? m : 0)]) *
                                 w_scale.values[static_cast<size_t>(c.w_scale_kind == 0 ? 0 : n)];
            const double scaled = scale * static_cast<double>(corrected);
            const double b = c.bias ? bias.values[static_cast<size_t>(n)] : 0.0;
            // The integer part is exact. In FP32: converting it, multiplying the two scales, applying
            // the product and adding the bias round once each: γ(4)·(|scaled| + |bias|); then one
            // rounding to y's dtype.
            const double u = unit_roundoff(y_dtype);
            expected.push_back(scaled + b);
            bound.push_back(gamma_fp32(4) * (std::fabs(scaled) + std::fabs(b)) * (1.0 + u) + u * std::fabs(scaled + b) +
                            underflow_error(y_dtype));
            actual.push_back(load_element(y.data(), y_dtype, static_cast<size_t>(m * c.n + n)));
        }
    }
    char what[200];
    std::snprintf(what, sizeof what, "qrt_gemm_w8a8_int8 M=%lld N=%lld K=%lld %s a_scale, w_scale kind %d %s%s%s y %s",
                  static_cast<long long>(c.m), static_cast<long long>(c.n), static_cast<long long>(c.k),
                  c.per_token ? "per-token" : "per-tensor", c.w_scale_kind, qrt_dtype_name(w_scale_dtype),
                  c.zero_point ? " zero-point" : "", c.bias ? " bias" : "", qrt_dtype_name(y_dtype));
    check_within(actual, expected, bound, what);
}

void test_cases() {
    Random random(88);
    const Case cases[] = {
        {1, 1, 1, false, 0, false, false},  {1, 3, 7, true, 1, false, true},    {3, 17, 33, true, 2, true, false},
        {7, 33, 127, false, 1, true, true}, {16, 8, 64, true, 0, false, true},  {2, 127, 17, false, 2, false, false},
        {33, 17, 200, true, 1, true, true}, {65, 9, 530, true, 1, false, true}, {5, 40, 1100, false, 0, true, true},
    };
    for (const Case& c : cases) {
        for (qrt_dtype w_scale_dtype : kFloatDtypes) {
            for (qrt_dtype y_dtype : kFloatDtypes) check_case(random, c, w_scale_dtype, y_dtype);
        }
    }
}

// Extreme codes over a long K: the partial sums pass 2^24 (where FP32 can no longer count by odd
// steps) and come back to a small total, which the integer accumulation must hit exactly; a second
// row's sum passes 2^31, which must not wrap either.
void test_exact_accumulation() {
    CpuStream stream;
    const int64_t half = 32768, k = 2 * half + 3;
    std::vector<int8_t> a(2 * k), w(2 * k);
    for (int64_t i = 0; i < k; ++i) {
        a[i] = 127;
        w[i] = i < half ? 127 : i < 2 * half ? -127 : static_cast<int8_t>(i - 2 * half + 1);  // tail 1, 2, 3
        a[k + i] = -128;
        w[k + i] = -128;
    }
    a[k - 1] = -128;  // the tail products are 127, 254 and −384
    float one = 1.0f;
    std::vector<float> y(4);
    qrt_tensor at = tensor(a.data(), QRT_DTYPE_I8, {2, k});
    qrt_tensor st = tensor(&one, QRT_DTYPE_F32, {1});
    qrt_tensor wt = tensor(w.data(), QRT_DTYPE_I8, {2, k});
    qrt_tensor yt = tensor(y.data(), QRT_DTYPE_F32, {2, 2});
    QRT_CHECK_OK(qrt_gemm_w8a8_int8(stream, &at, &st, nullptr, &wt, &st, nullptr, &yt));
    // Row 0 · weight 0: 127·127·32768 − 127·127·32768 + 127 + 254 − 384 = −3.
    QRT_CHECK(y[0] == -3.0f);
    // Row 1 · weight 1: K · 16384 = 1073790976, a multiple of 2^14 that FP32 holds exactly.
    QRT_CHECK(static_cast<double>(y[3]) == 65539.0 * 16384.0);

    // With a zero point: Σk w[0][k] = 6, so the corrected sum is −3 − 5·6 = −33.
    int32_t zero_point = 5;
    qrt_tensor zt = tensor(&zero_point, QRT_DTYPE_I32, {1});
    QRT_CHECK_OK(qrt_gemm_w8a8_int8(stream, &at, &st, &zt, &wt, &st, nullptr, &yt));
    QRT_CHECK(y[0] == -33.0f);

    // 140000 products of −128·−128: 2293760000 passes 2^31 and is exactly 4375·2^19 in FP32.
    const int64_t long_k = 140000;
    std::vector<int8_t> low(long_k, -128);
    qrt_tensor lt = tensor(low.data(), QRT_DTYPE_I8, {1, long_k});
    qrt_tensor yt1 = tensor(y.data(), QRT_DTYPE_F32, {1, 1});
    QRT_CHECK_OK(qrt_gemm_w8a8_int8(stream, &lt, &st, nullptr, &lt, &st, nullptr, &yt1));
    QRT_CHECK(static_cast<double>(y[0]) == 2293760000.0);
}

void test_bad_arguments() {
    CpuStream stream;
    const int64_t m = 4, n = 6, k = 8;
    std::vector<int8_t> a(m * k), w(n * k);
    std::vector<float> a_scale(m), w_scale(n), bias(n), y(m * n);
    int32_t zero_point = 1;
    int64_t wide_zero_point = 1;
    qrt_tensor at = tensor(a.data(), QRT_DTYPE_I8, {m, k});
    qrt_tensor ast = tensor(a_scale.data(), QRT_DTYPE_F32, {m});
    qrt_tensor zt = tensor(&zero_point, QRT_DTYPE_I32, {1});
    qrt_tensor wt = tensor(w.data(), QRT_DTYPE_I8, {n, k});
    qrt_tensor wst = tensor(w_scale.data(), QRT_DTYPE_F32, {n});
    qrt_tensor bt = tensor(bias.data(), QRT_DTYPE_F32, {n});
    qrt_tensor yt = tensor(y.data(), QRT_DTYPE_F32, {m, n});
    QRT_CHECK_OK(qrt_gemm_w8a8_int8(stream, &at, &ast, &zt, &wt, &wst, &bt, &yt));

    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(nullptr, &at, &ast, &zt, &wt, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'stream'");
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(stream, nullptr, &ast, &zt, &wt, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'a'");
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(stream, &at, nullptr, &zt, &wt, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'a_scale'");
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(stream, &at, &ast, &zt, nullptr, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'w'");
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(stream, &at, &ast, &zt, &wt, nullptr, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'w_scale'");
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(stream, &at, &ast, &zt, &wt, &wst, &bt, nullptr), QRT_STATUS_INVALID_ARGUMENT,
                    "'y'");

    // Wrong dtypes.
    qrt_tensor float_a = tensor(y.data(), QRT_DTYPE_F32, {m, k});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(stream, &float_a, &ast, &zt, &wt, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'a': dtype F32 is not accepted");
    qrt_tensor bf16_a_scale = tensor(a_scale.data(), QRT_DTYPE_BF16, {m});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(stream, &at, &bf16_a_scale, &zt, &wt, &wst, &bt, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'a_scale': dtype BF16");
    qrt_tensor wide_zt = tensor(&wide_zero_point, QRT_DTYPE_I64, {1});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(stream, &at, &ast, &wide_zt, &wt, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'a_zero_point': dtype I64");
    qrt_tensor u8_w = tensor(w.data(), QRT_DTYPE_U8, {n, k});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(stream, &at, &ast, &zt, &u8_w, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'w': dtype U8");
    qrt_tensor i8_y = tensor(a.data(), QRT_DTYPE_I8, {m, n});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(stream, &at, &ast, &zt, &wt, &wst, &bt, &i8_y), QRT_STATUS_INVALID_ARGUMENT,
                    "'y': dtype I8");

    // Wrong shapes: scales, zero point, weight width, output, bias.
    qrt_tensor three_scales = tensor(a_scale.data(), QRT_DTYPE_F32, {3});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(stream, &at, &three_scales, &zt, &wt, &wst, &bt, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "argument 'a_scale': must have 1 element (per tensor) or 4");
    qrt_tensor five_scales = tensor(w_scale.data(), QRT_DTYPE_F32, {5});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(stream, &at, &ast, &zt, &wt, &five_scales, &bt, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "argument 'w_scale': must have 1 element (per tensor) or 6");
    qrt_tensor two_zeros = tensor(a_scale.data(), QRT_DTYPE_I32, {2});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(stream, &at, &ast, &two_zeros, &wt, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'a_zero_point': must have 1 elements");
    qrt_tensor narrow_w = tensor(w.data(), QRT_DTYPE_I8, {n, k - 1});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(stream, &at, &ast, &zt, &narrow_w, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'w': has 7 input columns but a has 8");
    qrt_tensor short_y = tensor(y.data(), QRT_DTYPE_F32, {m - 1, n});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(stream, &at, &ast, &zt, &wt, &wst, &bt, &short_y), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'y': has 3 rows but a has 4");
    qrt_tensor long_bias = tensor(bias.data(), QRT_DTYPE_F32, {n - 1});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(stream, &at, &ast, &zt, &wt, &wst, &long_bias, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'bias': must have one element per output feature (N = 6)");

    // Layout, missing data, device.
    qrt_tensor strided_w = tensor(w.data(), QRT_DTYPE_I8, {n, k / 2});
    strided_w.strides[1] = 2;
    qrt_tensor half_a = tensor(a.data(), QRT_DTYPE_I8, {m, k / 2});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(stream, &half_a, &ast, &zt, &strided_w, &wst, &bt, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'w': the last dimension must be contiguous");
    qrt_tensor no_data = tensor(nullptr, QRT_DTYPE_F32, {m});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(stream, &at, &no_data, &zt, &wt, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'a_scale': data is NULL");
    qrt_tensor elsewhere = tensor(a.data(), QRT_DTYPE_I8, {m, k}, qrt_device{QRT_BACKEND_CUDA, 0});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8(stream, &elsewhere, &ast, &zt, &wt, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'a': lives on cuda:0");
}

}  // namespace

int main() {
    test_cases();
    test_exact_accumulation();
    test_bad_arguments();
    return finish("test_gemm_w8a8_int8");
}
