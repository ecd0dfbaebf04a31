// qrt_gemm_w8a8_fp8 and qrt_gemm_w8a16_fp8 against double-precision loops written from their
// definitions in qrt.h, with F8_E4M3 values decoded from the format's definition (test_formats.h).
#include <cmath>
#include <vector>

#include "test_bounds.h"
#include "test_formats.h"
#include "test_tensors.h"
#include "test_util.h"

using namespace qrt_test;

namespace {

std::vector<uint8_t> random_e4m3(Random& random, size_t count) {
    std::vector<uint8_t> codes(count);
    const std::vector<float> values = random.normal(count, 2.0f);
    for (size_t i = 0; i < count; ++i) codes[i] = to_e4m3(values[i]);
    return codes;
}

void test_encoder_on_known_codes() {
    QRT_CHECK(to_e4m3(1.0) == 0x38);
    QRT_CHECK(to_e4m3(-2.0) == 0xc0);
    QRT_CHECK(to_e4m3(448.0) == 0x7e);
    QRT_CHECK(to_e4m3(1000.0) == 0x7e);
    QRT_CHECK(to_e4m3(0x1p-9) == 0x01);
    QRT_CHECK(to_e4m3(1.0625) == 0x38);  // halfway between 1 and 1.125: the even mantissa
    QRT_CHECK(to_e4m3(1.1875) == 0x3a);  // halfway between 1.125 and 1.25: the even mantissa
}

struct Case {
    int64_t m, n, k;
    bool per_token;    // a_scale one per row (W8A8 only)
    int w_scale_kind;  // 0: per tensor, 1: per channel [N], 2: per channel [N, 1]
    bool bias;
};

qrt_tensor w_scale_tensor(void* data, qrt_dtype dtype, int kind, int64_t n) {
    return kind == 0 ? tensor(data, dtype, {1}) : kind == 1 ? tensor(data, dtype, {n}) : tensor(data, dtype, {n, 1});
}

void check_w8a8(Random& random, const Case& c, qrt_dtype w_scale_dtype, qrt_dtype y_dtype) {
    CpuStream stream;
    std::vector<uint8_t> a = random_e4m3(random, static_cast<size_t>(c.m * c.k));
    std::vector<uint8_t> w = random_e4m3(random, static_cast<size_t>(c.n * c.k));
    std::vector<float> a_scale = random.uniform(static_cast<size_t>(c.per_token ? c.m : 1), 0.01f, 0.1f);
    Stored w_scale =
        store(random.uniform(static_cast<size_t>(c.w_scale_kind == 0 ? 1 : c.n), 0.01f, 0.1f), w_scale_dtype);
    Stored bias = store(random.uniform(static_cast<size_t>(c.n)), QRT_DTYPE_F16);
    std::vector<unsigned char> y(static_cast<size_t>(c.m * c.n) * qrt_dtype_size(y_dtype));
    qrt_tensor at = tensor(a.data(), QRT_DTYPE_F8_E4M3, {c.m, c.k});
    qrt_tensor ast = tensor(a_scale.data(), QRT_DTYPE_F32, {c.per_token ? c.m : 1});
    qrt_tensor wt = tensor(w.data(), QRT_DTYPE_F8_E4M3, {c.n, c.k});
    qrt_tensor wst = w_scale_tensor(w_scale.bytes.data(), w_scale_dtype, c.w_scale_kind, c.n);
    qrt_tensor bt = tensor(bias.bytes.data(), QRT_DTYPE_F16, {c.n});
    qrt_tensor yt = tensor(y.data(), y_dtype, {c.m, c.n});
    QRT_CHECK_OK(qrt_gemm_w8a8_fp8(stream, &at, &ast, &wt, &wst, c.bias ? &bt : nullptr, &yt));

    std::vector<float> actual;
    std::vector<double> expected, bound;
    for (int64_t m = 0; m < c.m; ++m) {
        for (int64_t n = 0; n < c.n; ++n) {
            ReferenceSum sum;
            for (int64_t k = 0; k < c.k; ++k) {
                sum.add(static_cast<double>(from_e4m3(a[static_cast<size_t>(m * c.k + k)])) *
                        from_e4m3(w[static_cast<size_t>(n * c.k + k)]));
            }
            const double scale = static_cast<double>(a_scale[static_cast<size_t>(c.per_token ? m : 0)]) *
                                 w_scale.values[static_cast<size_t>(c.w_scale_kind == 0 ? 0 : n)];
            const double b = c.bias ? bias.values[static_cast<size_t>(n)] : 0.0;
            // Products of two e4m3 values are exact in FP32; K − 1 additions, the product of the scales,
            // applying it and adding the bias round once each: γ(K + 2)·(scale·Σ|a·w| + |bias|); then one
            // rounding to y's dtype.
            const double u = unit_roundoff(y_dtype);
            expected.push_back(scale * sum.value + b);
            bound.push_back(gamma_fp32(c.k + 2) * (scale * sum.magnitude + std::fabs(b)) * (1.0 + u) +
                            u * std::fabs(scale * sum.value + b) + underflow_error(y_dtype));
            actual.push_back(load_element(y.data(), y_dtype, static_cast<size_t>(m * c.n + n)));
        }
    }
    char what[200];
    std::snprintf(what, sizeof what, "qrt_gemm_w8a8_fp8 M=%lld N=%lld K=%lld %s a_scale, w_scale kind %d %s%s y %s",
                  static_cast<long long>(c.m), static_cast<long long>(c.n), static_cast<long long>(c.k),
                  c.per_token ? "per-token" : "per-tensor", c.w_scale_kind, qrt_dtype_name(w_scale_dtype),
                  c.bias ? " bias" : "", qrt_dtype_name(y_dtype));
    check_within(actual, expected, bound, what);
}

void check_w8a16(Random& random, const Case& c, qrt_dtype x_dtype, qrt_dtype w_scale_dtype, qrt_dtype y_dtype) {
    CpuStream stream;
    Stored x = store(random.uniform(static_cast<size_t>(c.m * c.k)), x_dtype);
    std::vector<uint8_t> w = random_e4m3(random, static_cast<size_t>(c.n * c.k));
    Stored w_scale =
        store(random.uniform(static_cast<size_t>(c.w_scale_kind == 0 ? 1 : c.n), 0.01f, 0.1f), w_scale_dtype);
    Stored bias = store(random.uniform(static_cast<size_t>(c.n)), QRT_DTYPE_F32);
    std::vector<unsigned char> y(static_cast<size_t>(c.m * c.n) * qrt_dtype_size(y_dtype));
    qrt_tensor xt = tensor(x.bytes.data(), x_dtype, {c.m, c.k});
    qrt_tensor wt = tensor(w.data(), QRT_DTYPE_F8_E4M3, {c.n, c.k});
    qrt_tensor wst = w_scale_tensor(w_scale.bytes.data(), w_scale_dtype, c.w_scale_kind, c.n);
    qrt_tensor bt = tensor(bias.bytes.data(), QRT_DTYPE_F32, {c.n});
    qrt_tensor yt = tensor(y.data(), y_dtype, {c.m, c.n});
    QRT_CHECK_OK(qrt_gemm_w8a16_fp8(stream, &xt, &wt, &wst, c.bias ? &bt : nullptr, &yt));

    std::vector<float> actual;
    std::vector<double> expected, bound;
    for (int64_t m = 0; m < c.m; ++m) {
        for (int64_t n = 0; n < c.n; ++n) {
            const double scale = w_scale.values[static_cast<size_t>(c.w_scale_kind == 0 ? 0 : n)];
            ReferenceSum sum;
            for (int64_t k = 0; k < c.k; ++k) {
                sum.add(x.values[static_cast<size_t>(m * c.k + k)] *
                        (from_e4m3(w[static_cast<size_t>(n * c.k + k)]) * scale));
            }
            const double b = c.bias ? bias.values[static_cast<size_t>(n)] : 0.0;
            // Whether the scale multiplies each weight or the finished sum, each path rounds at most
            // K + 2 times in FP32 (scaling, K products and sums, the bias): γ(K + 2)·Σ|terms|; then one
            // rounding to y's dtype.
            const double u = unit_roundoff(y_dtype);
            expected.push_back(sum.value + b);
            bound.push_back(gamma_fp32(c.k + 2) * (sum.magnitude + std::fabs(b)) * (1.0 + u) +
                            u * std::fabs(sum.value + b) + underflow_error(y_dtype));
            actual.push_back(load_element(y.data(), y_dtype, static_cast<size_t>(m * c.n + n)));
        }
    }
    char what[200];
    std::snprintf(what, sizeof what, "qrt_gemm_w8a16_fp8 M=%lld N=%lld K=%lld x %s w_scale kind %d %s%s y %s",
                  static_cast<long long>(c.m), static_cast<long long>(c.n), static_cast<long long>(c.k),
                  qrt_dtype_name(x_dtype), c.w_scale_kind, qrt_dtype_name(w_scale_dtype), c.bias ? " bias" : "",
                  qrt_dtype_name(y_dtype));
    check_within(actual, expected, bound, what);
}

const Case kCases[] = {
    {1, 1, 1, false, 0, false},   {1, 3, 7, true, 1, true},     {3, 17, 33, true, 2, false},
    {7, 33, 127, false, 1, true}, {16, 8, 64, true, 0, true},   {2, 127, 17, false, 2, false},
    {33, 17, 200, true, 1, true}, {65, 9, 530, true, 1, false}, {5, 40, 1100, false, 0, true},
};

void test_w8a8_cases() {
    Random random(31);
    for (const Case& c : kCases) {
        for (qrt_dtype w_scale_dtype : kFloatDtypes) {
            for (qrt_dtype y_dtype : kFloatDtypes) check_w8a8(random, c, w_scale_dtype, y_dtype);
        }
    }
}

void test_w8a16_cases() {
    Random random(32);
    int variant = 0;
    for (const Case& c : kCases) {
        for (qrt_dtype x_dtype : kFloatDtypes) {
            for (qrt_dtype y_dtype : kFloatDtypes) {
                check_w8a16(random, c, x_dtype, kFloatDtypes[variant++ % 3], y_dtype);
            }
        }
    }
}

// Every e4m3 code as a weight (W8A16, x = 1) and as an activation (W8A8, w = 1), K = 1, scales 1: y
// must be the code's value exactly, which checks the decoding of every subnormal, normal and NaN code.
void test_every_code() {
    CpuStream stream;
    std::vector<uint8_t> codes(256);
    for (int i = 0; i < 256; ++i) codes[i] = static_cast<uint8_t>(i);
    float one = 1.0f;
    uint8_t one_code = 0x38;
    std::vector<float> y(256);
    qrt_tensor xt = tensor(&one, QRT_DTYPE_F32, {1, 1});
    qrt_tensor st = tensor(&one, QRT_DTYPE_F32, {1});
    qrt_tensor all_w = tensor(codes.data(), QRT_DTYPE_F8_E4M3, {256, 1});
    qrt_tensor row_y = tensor(y.data(), QRT_DTYPE_F32, {1, 256});
    QRT_CHECK_OK(qrt_gemm_w8a16_fp8(stream, &xt, &all_w, &st, nullptr, &row_y));
    std::vector<float> as_weights = y;
    qrt_tensor all_a = tensor(codes.data(), QRT_DTYPE_F8_E4M3, {256, 1});
    qrt_tensor one_w = tensor(&one_code, QRT_DTYPE_F8_E4M3, {1, 1});
    qrt_tensor column_y = tensor(y.data(), QRT_DTYPE_F32, {256, 1});
    QRT_CHECK_OK(qrt_gemm_w8a8_fp8(stream, &all_a, &st, &one_w, &st, nullptr, &column_y));
    int wrong = 0;
    for (int i = 0; i < 256; ++i) {
        const double value = from_e4m3(static_cast<uint8_t>(i));
        for (float got : {as_weights[i], y[i]}) {
            const bool same = std::isnan(value) ? std::isnan(got) : static_cast<double>(got) == value;
            if (!same && wrong++ < 5)
                std::fprintf(stderr, "e4m3 code 0x%02x: got %.9g, expected %.9g\n", i, got, value);
        }
    }
    QRT_CHECK(wrong == 0);
}

void test_bad_arguments() {
    CpuStream stream;
    const int64_t m = 4, n = 6, k = 8;
    std::vector<uint8_t> a(m * k), w(n * k);
    std::vector<float> x(m * k), a_scale(m), w_scale(n), bias(n), y(m * n);
    qrt_tensor at = tensor(a.data(), QRT_DTYPE_F8_E4M3, {m, k});
    qrt_tensor xt = tensor(x.data(), QRT_DTYPE_F32, {m, k});
    qrt_tensor ast = tensor(a_scale.data(), QRT_DTYPE_F32, {m});
    qrt_tensor wt = tensor(w.data(), QRT_DTYPE_F8_E4M3, {n, k});
    qrt_tensor wst = tensor(w_scale.data(), QRT_DTYPE_F32, {n, 1});
    qrt_tensor bt = tensor(bias.data(), QRT_DTYPE_F32, {n});
    qrt_tensor yt = tensor(y.data(), QRT_DTYPE_F32, {m, n});
    QRT_CHECK_OK(qrt_gemm_w8a8_fp8(stream, &at, &ast, &wt, &wst, &bt, &yt));
    QRT_CHECK_OK(qrt_gemm_w8a16_fp8(stream, &xt, &wt, &wst, &bt, &yt));

    // NULL stream and tensors.
    QRT_CHECK_FAILS(qrt_gemm_w8a8_fp8(nullptr, &at, &ast, &wt, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'stream'");
    QRT_CHECK_FAILS(qrt_gemm_w8a8_fp8(stream, nullptr, &ast, &wt, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT, "'a'");
    QRT_CHECK_FAILS(qrt_gemm_w8a8_fp8(stream, &at, nullptr, &wt, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'a_scale'");
    QRT_CHECK_FAILS(qrt_gemm_w8a8_fp8(stream, &at, &ast, nullptr, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT, "'w'");
    QRT_CHECK_FAILS(qrt_gemm_w8a8_fp8(stream, &at, &ast, &wt, nullptr, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'w_scale'");
    QRT_CHECK_FAILS(qrt_gemm_w8a8_fp8(stream, &at, &ast, &wt, &wst, &bt, nullptr), QRT_STATUS_INVALID_ARGUMENT, "'y'");
    QRT_CHECK_FAILS(qrt_gemm_w8a16_fp8(nullptr, &xt, &wt, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT, "'stream'");
    QRT_CHECK_FAILS(qrt_gemm_w8a16_fp8(stream, nullptr, &wt, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT, "'x'");
    QRT_CHECK_FAILS(qrt_gemm_w8a16_fp8(stream, &xt, nullptr, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT, "'w'");
    QRT_CHECK_FAILS(qrt_gemm_w8a16_fp8(stream, &xt, &wt, nullptr, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT, "'w_scale'");
    QRT_CHECK_FAILS(qrt_gemm_w8a16_fp8(stream, &xt, &wt, &wst, &bt, nullptr), QRT_STATUS_INVALID_ARGUMENT, "'y'");

    // Wrong dtypes.
    QRT_CHECK_FAILS(qrt_gemm_w8a8_fp8(stream, &xt, &ast, &wt, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'a': dtype F32 is not accepted");
    qrt_tensor i8_w = tensor(w.data(), QRT_DTYPE_I8, {n, k});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_fp8(stream, &at, &ast, &i8_w, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'w': dtype I8");
    QRT_CHECK_FAILS(qrt_gemm_w8a16_fp8(stream, &xt, &i8_w, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'w': dtype I8");
    QRT_CHECK_FAILS(qrt_gemm_w8a16_fp8(stream, &at, &wt, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'x': dtype F8_E4M3 is not accepted");
    qrt_tensor f16_a_scale = tensor(a_scale.data(), QRT_DTYPE_F16, {m});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_fp8(stream, &at, &f16_a_scale, &wt, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'a_scale': dtype F16");
    qrt_tensor i32_w_scale = tensor(w_scale.data(), QRT_DTYPE_I32, {n});
    QRT_CHECK_FAILS(qrt_gemm_w8a16_fp8(stream, &xt, &wt, &i32_w_scale, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'w_scale': dtype I32");
    qrt_tensor fp8_y = tensor(a.data(), QRT_DTYPE_F8_E4M3, {m, n});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_fp8(stream, &at, &ast, &wt, &wst, &bt, &fp8_y), QRT_STATUS_INVALID_ARGUMENT,
                    "'y': dtype F8_E4M3");

    // Shape mismatches.
    qrt_tensor two_scales = tensor(a_scale.data(), QRT_DTYPE_F32, {2});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_fp8(stream, &at, &two_scales, &wt, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'a_scale': must have 1 element (per tensor) or 4");
    qrt_tensor wide_w_scale = tensor(w_scale.data(), QRT_DTYPE_F32, {n, 2});
    QRT_CHECK_FAILS(qrt_gemm_w8a16_fp8(stream, &xt, &wt, &wide_w_scale, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'w_scale': must have 1 element (per tensor) or 6");
    qrt_tensor narrow_w = tensor(w.data(), QRT_DTYPE_F8_E4M3, {n, k - 2});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_fp8(stream, &at, &ast, &narrow_w, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'w': has 6 input columns but a has 8");
    QRT_CHECK_FAILS(qrt_gemm_w8a16_fp8(stream, &xt, &narrow_w, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'w': has 6 input columns but x has 8");
    qrt_tensor short_y = tensor(y.data(), QRT_DTYPE_F32, {m, n - 1});
    QRT_CHECK_FAILS(qrt_gemm_w8a16_fp8(stream, &xt, &wt, &wst, &bt, &short_y), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'y': has 5 columns but w has 6 output rows");
    qrt_tensor few_rows_y = tensor(y.data(), QRT_DTYPE_F32, {m - 1, n});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_fp8(stream, &at, &ast, &wt, &wst, &bt, &few_rows_y), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'y': has 3 rows but a has 4");
    qrt_tensor short_bias = tensor(bias.data(), QRT_DTYPE_F32, {n - 1});
    QRT_CHECK_FAILS(qrt_gemm_w8a16_fp8(stream, &xt, &wt, &wst, &short_bias, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'bias': must have one element per output feature (N = 6)");

    // Layout, missing data, device.
    qrt_tensor strided_a = tensor(a.data(), QRT_DTYPE_F8_E4M3, {m, k / 2});
    strided_a.strides[1] = 2;
    qrt_tensor half_w = tensor(w.data(), QRT_DTYPE_F8_E4M3, {n, k / 2});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_fp8(stream, &strided_a, &ast, &half_w, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'a': the last dimension must be contiguous");
    qrt_tensor no_data = tensor(nullptr, QRT_DTYPE_F8_E4M3, {n, k});
    QRT_CHECK_FAILS(qrt_gemm_w8a16_fp8(stream, &xt, &no_data, &wst, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'w': data is NULL");
    qrt_tensor elsewhere = tensor(w_scale.data(), QRT_DTYPE_F32, {n}, qrt_device{QRT_BACKEND_CUDA, 0});
    QRT_CHECK_FAILS(qrt_gemm_w8a8_fp8(stream, &at, &ast, &wt, &elsewhere, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'w_scale': lives on cuda:0");
}

}  // namespace

int main() {
    test_encoder_on_known_codes();
    test_w8a8_cases();
    test_w8a16_cases();
    test_every_code();
    test_bad_arguments();
    return finish("test_gemm_fp8");
}
