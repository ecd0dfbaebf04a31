// qrt_gemm (dense linear layer) against a double-precision loop written from its definition in qrt.h:
// y[m][n] = Σk x[m][k]·w[n][k] + bias[n].
#include <cmath>
#include <cstring>
#include <vector>

#include "test_bounds.h"
#include "test_formats.h"
#include "test_tensors.h"
#include "test_util.h"

using namespace qrt_test;

namespace {

const char* name(qrt_dtype dtype) { return qrt_dtype_name(dtype); }

struct Shape {
    int64_t m, n, k;
};

// One qrt_gemm call on random data with the given dtypes and row strides (extra elements per row).
void check_gemm(Random& random, const Shape& s, qrt_dtype x_dtype, qrt_dtype w_dtype, qrt_dtype y_dtype, int bias_kind,
                int64_t pad) {
    CpuStream stream;
    const int64_t x_stride = s.k + pad, w_stride = s.k + pad, y_stride = s.n + pad;
    Stored x = store(random.uniform(static_cast<size_t>(s.m * x_stride)), x_dtype);
    Stored w = store(random.uniform(static_cast<size_t>(s.n * w_stride)), w_dtype);
    const qrt_dtype bias_dtype = bias_kind == 1 ? QRT_DTYPE_F32 : bias_kind == 2 ? QRT_DTYPE_BF16 : QRT_DTYPE_F16;
    Stored bias = store(random.uniform(static_cast<size_t>(s.n)), bias_dtype);
    std::vector<unsigned char> y(static_cast<size_t>(s.m * y_stride) * qrt_dtype_size(y_dtype), 0xab);

    qrt_tensor xt = matrix(x.bytes.data(), x_dtype, s.m, s.k, x_stride);
    qrt_tensor wt = matrix(w.bytes.data(), w_dtype, s.n, s.k, w_stride);
    qrt_tensor bt = tensor(bias.bytes.data(), bias_dtype, {s.n});
    qrt_tensor yt = matrix(y.data(), y_dtype, s.m, s.n, y_stride);
    QRT_CHECK_OK(qrt_gemm(stream, &xt, &wt, bias_kind ? &bt : nullptr, &yt));

    std::vector<float> actual;
    std::vector<double> expected, bound;
    for (int64_t m = 0; m < s.m; ++m) {
        for (int64_t n = 0; n < s.n; ++n) {
            ReferenceSum sum;
            for (int64_t k = 0; k < s.k; ++k) {
                sum.add(x.values[static_cast<size_t>(m * x_stride + k)] *
                        w.values[static_cast<size_t>(n * w_stride + k)]);
            }
            if (bias_kind) sum.add(bias.values[static_cast<size_t>(n)]);
            // K products and K − 1 additions (+ the bias) in FP32, any order: γ(K + 1)·Σ|terms|; then
            // one rounding to y's dtype, relative to the result, or absolute for a subnormal one.
            const double accumulated = gamma_fp32(s.k + 1) * sum.magnitude;
            const double u = unit_roundoff(y_dtype);
            expected.push_back(sum.value);
            bound.push_back(accumulated * (1.0 + u) + u * std::fabs(sum.value) + underflow_error(y_dtype));
            actual.push_back(load_element(y.data(), y_dtype, static_cast<size_t>(m * y_stride + n)));
        }
    }
    char what[160];
    std::snprintf(what, sizeof what, "qrt_gemm M=%lld N=%lld K=%lld x %s w %s y %s bias %d pad %lld",
                  static_cast<long long>(s.m), static_cast<long long>(s.n), static_cast<long long>(s.k), name(x_dtype),
                  name(w_dtype), name(y_dtype), bias_kind, static_cast<long long>(pad));
    check_within(actual, expected, bound, what);
    // Padding between rows of y must be left alone.
    for (int64_t m = 0; m < s.m && pad > 0; ++m) {
        const unsigned char* gap = y.data() + static_cast<size_t>(m * y_stride + s.n) * qrt_dtype_size(y_dtype);
        QRT_CHECK(gap[0] == 0xab);
    }
}

void test_shapes_and_dtypes() {
    Random random(1234);
    const Shape shapes[] = {{1, 1, 1},    {1, 3, 7},     {3, 17, 33},  {7, 33, 127}, {16, 8, 64},
                            {2, 127, 17}, {33, 17, 200}, {65, 9, 530}, {1, 70, 1100}};
    int variant = 0;
    for (const Shape& shape : shapes) {
        for (qrt_dtype x_dtype : kFloatDtypes) {
            for (qrt_dtype w_dtype : kFloatDtypes) {
                for (qrt_dtype y_dtype : kFloatDtypes) {
                    check_gemm(random, shape, x_dtype, w_dtype, y_dtype, variant % 4, (variant % 3) * 5);
                    ++variant;
                }
            }
        }
    }
}

// Leading dimensions of x and y flatten into rows: x [2, 3, K], y [6, N].
void test_batched_leading_dimensions() {
    CpuStream stream;
    Random random(7);
    const int64_t k = 19, n = 5;
    std::vector<float> x = random.uniform(6 * k), w = random.uniform(n * k), y(6 * n);
    qrt_tensor xt = tensor(x.data(), QRT_DTYPE_F32, {2, 3, k});
    qrt_tensor wt = tensor(w.data(), QRT_DTYPE_F32, {n, k});
    qrt_tensor yt = tensor(y.data(), QRT_DTYPE_F32, {6, n});
    QRT_CHECK_OK(qrt_gemm(stream, &xt, &wt, nullptr, &yt));
    std::vector<double> expected;
    for (int64_t m = 0; m < 6; ++m) {
        for (int64_t j = 0; j < n; ++j) {
            double sum = 0.0;
            for (int64_t i = 0; i < k; ++i) sum += static_cast<double>(x[m * k + i]) * w[j * k + i];
            expected.push_back(sum);
        }
    }
    // |x|, |w| <= 1: Σ|x·w| <= K, so γ(K)·K bounds the FP32 accumulation error.
    all_close(y, expected, gamma_fp32(k) * k, 0.0, "qrt_gemm batched x");
}

// K = 0: y is the bias alone. M = 0 and N = 0 do nothing. Empty tensors may have NULL data.
void test_empty_dimensions() {
    CpuStream stream;
    std::vector<float> bias = {1.5f, -2.0f, 0.25f}, y(2 * 3, 99.0f);
    qrt_tensor xt = tensor(nullptr, QRT_DTYPE_F32, {2, 0});
    qrt_tensor wt = tensor(nullptr, QRT_DTYPE_BF16, {3, 0});
    qrt_tensor bt = tensor(bias.data(), QRT_DTYPE_F32, {3});
    qrt_tensor yt = tensor(y.data(), QRT_DTYPE_F32, {2, 3});
    QRT_CHECK_OK(qrt_gemm(stream, &xt, &wt, &bt, &yt));
    QRT_CHECK(y[0] == 1.5f && y[1] == -2.0f && y[2] == 0.25f && y[3] == 1.5f && y[4] == -2.0f && y[5] == 0.25f);

    qrt_tensor x0 = tensor(nullptr, QRT_DTYPE_F32, {0, 4});
    std::vector<float> w(3 * 4, 1.0f);
    qrt_tensor w4 = tensor(w.data(), QRT_DTYPE_F32, {3, 4});
    qrt_tensor y0 = tensor(nullptr, QRT_DTYPE_F32, {0, 3});
    QRT_CHECK_OK(qrt_gemm(stream, &x0, &w4, nullptr, &y0));
    std::vector<float> x(2 * 4, 1.0f);
    qrt_tensor x2 = tensor(x.data(), QRT_DTYPE_F32, {2, 4});
    qrt_tensor wn = tensor(nullptr, QRT_DTYPE_F32, {0, 4});
    qrt_tensor yn = tensor(nullptr, QRT_DTYPE_F32, {2, 0});
    QRT_CHECK_OK(qrt_gemm(stream, &x2, &wn, nullptr, &yn));
}

// Every F16 and BF16 code as a weight with x = 1 and K = 1: y must be the code's value exactly, which
// checks the weight decoding on every subnormal, normal, infinite and NaN input.
void test_every_16_bit_weight() {
    CpuStream stream;
    std::vector<uint16_t> codes(65536);
    for (size_t i = 0; i < codes.size(); ++i) codes[i] = static_cast<uint16_t>(i);
    float one = 1.0f;
    std::vector<float> y(codes.size());
    for (qrt_dtype dtype : {QRT_DTYPE_F16, QRT_DTYPE_BF16}) {
        qrt_tensor xt = tensor(&one, QRT_DTYPE_F32, {1, 1});
        qrt_tensor wt = tensor(codes.data(), dtype, {65536, 1});
        qrt_tensor yt = tensor(y.data(), QRT_DTYPE_F32, {1, 65536});
        QRT_CHECK_OK(qrt_gemm(stream, &xt, &wt, nullptr, &yt));
        int wrong = 0;
        for (size_t i = 0; i < codes.size(); ++i) {
            const double value = dtype == QRT_DTYPE_F16 ? from_f16(codes[i]) : from_bf16(codes[i]);
            const bool same = std::isnan(value) ? std::isnan(y[i]) : static_cast<double>(y[i]) == value;
            if (!same && wrong++ < 5) {
                std::fprintf(stderr, "%s code 0x%04zx: got %.9g, expected %.9g\n", name(dtype), i, y[i], value);
            }
        }
        QRT_CHECK(wrong == 0);
    }
}

// The same call gives the same bits whatever the thread count.
void test_deterministic_across_thread_counts() {
    CpuStream stream;
    Random random(99);
    const int64_t m = 37, n = 301, k = 1029;
    std::vector<float> x = random.normal(m * k), w = random.normal(n * k);
    std::vector<float> reference(m * n), y(m * n);
    qrt_tensor xt = tensor(x.data(), QRT_DTYPE_F32, {m, k});
    qrt_tensor wt = tensor(w.data(), QRT_DTYPE_F32, {n, k});
    qrt_tensor rt = tensor(reference.data(), QRT_DTYPE_F32, {m, n});
    qrt_tensor yt = tensor(y.data(), QRT_DTYPE_F32, {m, n});
    QRT_CHECK_OK(qrt_cpu_set_thread_count(1));
    QRT_CHECK_OK(qrt_gemm(stream, &xt, &wt, nullptr, &rt));
    for (int threads : {2, 3, 5}) {
        QRT_CHECK_OK(qrt_cpu_set_thread_count(threads));
        QRT_CHECK_OK(qrt_gemm(stream, &xt, &wt, nullptr, &yt));
        QRT_CHECK(std::memcmp(y.data(), reference.data(), y.size() * sizeof(float)) == 0);
    }
    QRT_CHECK_OK(qrt_cpu_set_thread_count(0));
}

void test_bad_arguments() {
    CpuStream stream;
    std::vector<float> x(4 * 8), w(6 * 8), bias(6), y(4 * 6);
    std::vector<int8_t> codes(4 * 8);
    qrt_tensor xt = tensor(x.data(), QRT_DTYPE_F32, {4, 8});
    qrt_tensor wt = tensor(w.data(), QRT_DTYPE_F32, {6, 8});
    qrt_tensor bt = tensor(bias.data(), QRT_DTYPE_F32, {6});
    qrt_tensor yt = tensor(y.data(), QRT_DTYPE_F32, {4, 6});
    QRT_CHECK_OK(qrt_gemm(stream, &xt, &wt, &bt, &yt));

    QRT_CHECK_FAILS(qrt_gemm(nullptr, &xt, &wt, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT, "'stream'");
    QRT_CHECK_FAILS(qrt_gemm(stream, nullptr, &wt, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT, "'x'");
    QRT_CHECK_FAILS(qrt_gemm(stream, &xt, nullptr, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT, "'w'");
    QRT_CHECK_FAILS(qrt_gemm(stream, &xt, &wt, &bt, nullptr), QRT_STATUS_INVALID_ARGUMENT, "'y'");

    qrt_tensor bad = tensor(codes.data(), QRT_DTYPE_I8, {4, 8});
    QRT_CHECK_FAILS(qrt_gemm(stream, &bad, &wt, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT, "'x'");
    bad = tensor(codes.data(), QRT_DTYPE_I8, {4, 8});
    QRT_CHECK_FAILS(qrt_gemm(stream, &xt, &bad, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT, "'w'");
    bad = tensor(y.data(), QRT_DTYPE_I32, {4, 6});
    QRT_CHECK_FAILS(qrt_gemm(stream, &xt, &wt, &bt, &bad), QRT_STATUS_INVALID_ARGUMENT, "'y'");
    bad = tensor(bias.data(), QRT_DTYPE_I32, {6});
    QRT_CHECK_FAILS(qrt_gemm(stream, &xt, &wt, &bad, &yt), QRT_STATUS_INVALID_ARGUMENT, "'bias'");

    // Shape mismatches name both sides.
    qrt_tensor narrow = tensor(w.data(), QRT_DTYPE_F32, {6, 7});
    QRT_CHECK_FAILS(qrt_gemm(stream, &xt, &narrow, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'w': has 7 input columns but x has 8");
    qrt_tensor w3 = tensor(w.data(), QRT_DTYPE_F32, {2, 3, 8});
    QRT_CHECK_FAILS(qrt_gemm(stream, &xt, &w3, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT, "'w': must be [N, K]");
    qrt_tensor short_y = tensor(y.data(), QRT_DTYPE_F32, {3, 6});
    QRT_CHECK_FAILS(qrt_gemm(stream, &xt, &wt, &bt, &short_y), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'y': has 3 rows but x has 4");
    qrt_tensor thin_y = tensor(y.data(), QRT_DTYPE_F32, {4, 5});
    QRT_CHECK_FAILS(qrt_gemm(stream, &xt, &wt, &bt, &thin_y), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'y': has 5 columns but w has 6 output rows");
    qrt_tensor short_bias = tensor(bias.data(), QRT_DTYPE_F32, {5});
    QRT_CHECK_FAILS(qrt_gemm(stream, &xt, &wt, &short_bias, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'bias': must have one element per output feature (N = 6)");
    qrt_tensor strided_bias = tensor(bias.data(), QRT_DTYPE_F32, {3});
    strided_bias.strides[0] = 2;
    qrt_tensor wt3 = tensor(w.data(), QRT_DTYPE_F32, {3, 8});
    qrt_tensor yt3 = tensor(y.data(), QRT_DTYPE_F32, {4, 3});
    QRT_CHECK_FAILS(qrt_gemm(stream, &xt, &wt3, &strided_bias, &yt3), QRT_STATUS_INVALID_ARGUMENT,
                    "'bias': must be contiguous");

    // Non-contiguous last dimension, NULL data with elements, wrong device.
    qrt_tensor strided = tensor(x.data(), QRT_DTYPE_F32, {4, 4});
    strided.strides[1] = 2;
    qrt_tensor wt4 = tensor(w.data(), QRT_DTYPE_F32, {6, 4});
    QRT_CHECK_FAILS(qrt_gemm(stream, &strided, &wt4, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'x': the last dimension must be contiguous");
    qrt_tensor no_data = tensor(nullptr, QRT_DTYPE_F32, {6, 8});
    QRT_CHECK_FAILS(qrt_gemm(stream, &xt, &no_data, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT, "'w': data is NULL");
    qrt_tensor elsewhere = tensor(y.data(), QRT_DTYPE_F32, {4, 6}, qrt_device{QRT_BACKEND_CUDA, 0});
    QRT_CHECK_FAILS(qrt_gemm(stream, &xt, &wt, &bt, &elsewhere), QRT_STATUS_INVALID_ARGUMENT, "'y': lives on cuda:0");
}

}  // namespace

int main() {
    test_shapes_and_dtypes();
    test_batched_leading_dimensions();
    test_empty_dimensions();
    test_every_16_bit_weight();
    test_deterministic_across_thread_counts();
    test_bad_arguments();
    return finish("test_gemm_dense");
}
