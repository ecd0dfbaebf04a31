// qrt_rms_norm, qrt_add_rms_norm and qrt_layer_norm against double-precision loops written from their
// definitions in qrt.h, with error bounds derived per element from the FP32 operations each op performs.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "test_bounds.h"
#include "test_formats.h"
#include "test_tensors.h"
#include "test_util.h"

using namespace qrt_test;

namespace {

// What an element may be: anywhere in [low, high], give or take slack.
struct Expected {
    double low;
    double high;
    double slack;
};

// The error an FP32 result of magnitude `value` may carry into y: `fp32_error` already made, then
// y's rounding of the value carrying it.
Expected widen_for_output(double low, double high, double fp32_error, qrt_dtype y_dtype) {
    const double magnitude = std::max(std::fabs(low), std::fabs(high));
    return {low, high, rounded_output_error(fp32_error, magnitude, y_dtype)};
}

void check_expected(const std::vector<float>& actual, const std::vector<Expected>& expected, const std::string& what) {
    size_t bad = 0;
    size_t first = 0;
    for (size_t i = 0; i < actual.size(); ++i) {
        const double value = actual[i];
        const Expected& e = expected[i];
        if (!(value >= e.low - e.slack && value <= e.high + e.slack)) {
            if (bad++ == 0) first = i;
        }
    }
    if (bad > 0) {
        const Expected& e = expected[first];
        std::fprintf(stderr, "%s: %zu of %zu elements out of bounds; first at %zu: %.9g not in [%.9g, %.9g] ± %.3g\n",
                     what.c_str(), bad, actual.size(), first, actual[first], e.low, e.high, e.slack);
        ++failures();
    }
}

// LlamaRMSNorm of each row, from the definition: v = x / sqrt(mean(x²) + eps), rounded to the
// activation dtype, then y = weight · v rounded to y's dtype.
//
// The kernel computes v in FP32 with relative error at most δ = (H/2 + 5)·2^-24: the sum of H squares
// (H − 1 roundings, all terms positive), the mean, + eps, sqrt (half the error of its argument plus
// one rounding), the reciprocal and the product: H/2 + 4 roundings, and one more for second-order terms.
// Rounding is monotonic, so its rounded v lies between the roundings of v·(1 − δ) and v·(1 + δ); the
// product with the weight adds one FP32 rounding before y's own.
std::vector<Expected> reference_rms_norm(const std::vector<float>& x, const std::vector<float>& weight, int64_t rows,
                                         int64_t cols, float eps, qrt_dtype activation_dtype, qrt_dtype y_dtype) {
    const double delta = (static_cast<double>(cols) / 2 + 5) * kUnitRoundoff;
    std::vector<Expected> expected;
    for (int64_t r = 0; r < rows; ++r) {
        const float* row = &x[static_cast<size_t>(r * cols)];
        double sum_of_squares = 0;
        for (int64_t c = 0; c < cols; ++c) sum_of_squares += static_cast<double>(row[c]) * row[c];
        const double inverse_rms = 1 / std::sqrt(sum_of_squares / static_cast<double>(cols) + eps);
        for (int64_t c = 0; c < cols; ++c) {
            const double v = row[c] * inverse_rms;
            const double w = weight[static_cast<size_t>(c)];
            const double a = w * round_to(activation_dtype, static_cast<float>(v * (1 - delta)));
            const double b = w * round_to(activation_dtype, static_cast<float>(v * (1 + delta)));
            expected.push_back(widen_for_output(std::min(a, b), std::max(a, b),
                                                kUnitRoundoff * std::max(std::fabs(a), std::fabs(b)), y_dtype));
        }
    }
    return expected;
}

struct Shape {
    int64_t rows;
    int64_t cols;
};

const Shape kShapes[] = {{1, 1}, {3, 7}, {7, 17}, {17, 33}, {5, 127}, {33, 1000}, {2, 4096}};

std::string label(const char* op, qrt_dtype x, qrt_dtype w, qrt_dtype y, Shape shape) {
    return std::string(op) + " x " + qrt_dtype_name(x) + " weight " + qrt_dtype_name(w) + " y " + qrt_dtype_name(y) +
           " [" + std::to_string(shape.rows) + ", " + std::to_string(shape.cols) + "]";
}

// Rows are stored row_stride apart, so padded rows are covered as well as packed ones.
void check_rms_norm(qrt_stream* stream, qrt_dtype x_dtype, qrt_dtype w_dtype, qrt_dtype y_dtype, Shape shape,
                    int64_t row_stride, float eps, Random& random) {
    const size_t storage = static_cast<size_t>(shape.rows * row_stride);
    FloatBuffer x(x_dtype, random.normal(storage, 3.0f));
    FloatBuffer w(w_dtype, random.uniform(static_cast<size_t>(shape.cols), -1.5f, 1.5f));
    FloatBuffer y(y_dtype, std::vector<float>(storage, 0.0f));
    qrt_tensor tx = matrix(x.data(), x_dtype, shape.rows, shape.cols, row_stride);
    qrt_tensor tw = tensor(w.data(), w_dtype, {shape.cols});
    qrt_tensor ty = matrix(y.data(), y_dtype, shape.rows, shape.cols, row_stride);
    QRT_CHECK_OK(qrt_rms_norm(stream, &tx, &tw, eps, &ty));
    const std::vector<float> weights = read_rows(w, 1, shape.cols, shape.cols);
    const auto expected = reference_rms_norm(read_rows(x, shape.rows, shape.cols, row_stride), weights, shape.rows,
                                             shape.cols, eps, x_dtype, y_dtype);
    check_expected(read_rows(y, shape.rows, shape.cols, row_stride), expected,
                   label("rms_norm", x_dtype, w_dtype, y_dtype, shape));
}

void test_rms_norm(qrt_stream* stream, Random& random) {
    for (Shape shape : kShapes) {
        for (qrt_dtype x : kFloatDtypes) {
            for (qrt_dtype w : kFloatDtypes) {
                for (qrt_dtype y : kFloatDtypes) check_rms_norm(stream, x, w, y, shape, shape.cols, 1e-6f, random);
            }
        }
    }
    // eps: none at all, and one large enough to matter; padded rows.
    check_rms_norm(stream, QRT_DTYPE_BF16, QRT_DTYPE_BF16, QRT_DTYPE_BF16, {17, 33}, 33, 0.0f, random);
    check_rms_norm(stream, QRT_DTYPE_F32, QRT_DTYPE_F32, QRT_DTYPE_F32, {17, 33}, 33, 4.0f, random);
    check_rms_norm(stream, QRT_DTYPE_F16, QRT_DTYPE_BF16, QRT_DTYPE_F32, {17, 33}, 40, 1e-5f, random);
    check_rms_norm(stream, QRT_DTYPE_BF16, QRT_DTYPE_F32, QRT_DTYPE_BF16, {9, 127}, 300, 1e-5f, random);
}

// y may be x; a [2, 3, H] x normalises into a [6, H] y; a row of zeros stays zero.
void test_rms_norm_layouts(qrt_stream* stream, Random& random) {
    for (qrt_dtype dtype : kFloatDtypes) {
        const Shape shape{7, 129};
        FloatBuffer x(dtype, random.normal(static_cast<size_t>(shape.rows * shape.cols), 2.0f));
        FloatBuffer w(QRT_DTYPE_BF16, random.uniform(static_cast<size_t>(shape.cols), 0.5f, 1.5f));
        const std::vector<float> x_values = read_rows(x, shape.rows, shape.cols, shape.cols);
        const auto expected = reference_rms_norm(x_values, read_rows(w, 1, shape.cols, shape.cols), shape.rows,
                                                 shape.cols, 1e-5f, dtype, dtype);
        qrt_tensor tx = tensor(x.data(), dtype, {shape.rows, shape.cols});
        qrt_tensor tw = tensor(w.data(), QRT_DTYPE_BF16, {shape.cols});
        QRT_CHECK_OK(qrt_rms_norm(stream, &tx, &tw, 1e-5f, &tx));
        check_expected(read_rows(x, shape.rows, shape.cols, shape.cols), expected, "rms_norm in place");
    }

    FloatBuffer x(QRT_DTYPE_F32, random.normal(6 * 64, 1.0f));
    for (size_t c = 0; c < 64; ++c) x.set(64 + c, 0.0f);  // row 1 is all zeros
    FloatBuffer w(QRT_DTYPE_F32, random.uniform(64, 0.5f, 1.5f));
    FloatBuffer y(QRT_DTYPE_BF16, std::vector<float>(6 * 64, 1.0f));
    qrt_tensor tx = tensor(x.data(), QRT_DTYPE_F32, {2, 3, 64});
    qrt_tensor tw = tensor(w.data(), QRT_DTYPE_F32, {64});
    qrt_tensor ty = tensor(y.data(), QRT_DTYPE_BF16, {6, 64});
    QRT_CHECK_OK(qrt_rms_norm(stream, &tx, &tw, 1e-6f, &ty));
    const auto expected = reference_rms_norm(read_rows(x, 6, 64, 64), read_rows(w, 1, 64, 64), 6, 64, 1e-6f,
                                             QRT_DTYPE_F32, QRT_DTYPE_BF16);
    check_expected(read_rows(y, 6, 64, 64), expected, "rms_norm [2, 3, 64] -> [6, 64]");
    for (size_t c = 0; c < 64; ++c) QRT_CHECK(y.get(64 + c) == 0.0f);
}

// residual = round(x + residual): the FP32 sum of the two stored values, rounded to residual's dtype, is
// exactly defined, so it must match bit for bit; y is then rms_norm of the new residual.
void check_add_rms_norm(qrt_stream* stream, qrt_dtype x_dtype, qrt_dtype r_dtype, qrt_dtype w_dtype, qrt_dtype y_dtype,
                        Shape shape, bool y_is_x, Random& random) {
    const size_t count = static_cast<size_t>(shape.rows * shape.cols);
    FloatBuffer x(x_dtype, random.normal(count, 1.0f));
    FloatBuffer residual(r_dtype, random.normal(count, 4.0f));
    FloatBuffer w(w_dtype, random.uniform(static_cast<size_t>(shape.cols), -1.5f, 1.5f));
    FloatBuffer y(y_dtype, std::vector<float>(count, 0.0f));
    std::vector<float> new_residual(count);
    for (size_t i = 0; i < count; ++i) new_residual[i] = round_to(r_dtype, x.get(i) + residual.get(i));
    const auto expected = reference_rms_norm(new_residual, read_rows(w, 1, shape.cols, shape.cols), shape.rows,
                                             shape.cols, 1e-6f, r_dtype, y_dtype);

    qrt_tensor tx = tensor(x.data(), x_dtype, {shape.rows, shape.cols});
    qrt_tensor tr = tensor(residual.data(), r_dtype, {shape.rows, shape.cols});
    qrt_tensor tw = tensor(w.data(), w_dtype, {shape.cols});
    qrt_tensor ty = tensor(y.data(), y_dtype, {shape.rows, shape.cols});
    QRT_CHECK_OK(qrt_add_rms_norm(stream, &tx, &tr, &tw, 1e-6f, y_is_x ? &tx : &ty));

    const std::string what = label("add_rms_norm", x_dtype, w_dtype, y_dtype, shape) + " residual " +
                             qrt_dtype_name(r_dtype) + (y_is_x ? " (y is x)" : "");
    bool residual_exact = true;
    for (size_t i = 0; i < count; ++i) residual_exact = residual_exact && residual.get(i) == new_residual[i];
    if (!residual_exact) std::fprintf(stderr, "%s: residual differs from round(x + residual)\n", what.c_str());
    QRT_CHECK(residual_exact);
    check_expected(read_rows(y_is_x ? x : y, shape.rows, shape.cols, shape.cols), expected, what);
}

void test_add_rms_norm(qrt_stream* stream, Random& random) {
    for (Shape shape : {Shape{1, 1}, Shape{3, 7}, Shape{17, 33}, Shape{5, 127}, Shape{3, 2048}}) {
        for (qrt_dtype x : kFloatDtypes) {
            for (qrt_dtype r : kFloatDtypes) {
                for (qrt_dtype w : kFloatDtypes) {
                    for (qrt_dtype y : kFloatDtypes) check_add_rms_norm(stream, x, r, w, y, shape, false, random);
                }
            }
        }
        for (qrt_dtype dtype : kFloatDtypes)
            check_add_rms_norm(stream, dtype, dtype, dtype, dtype, shape, true, random);
    }
}

// LayerNorm from the definition, in double: mean, biased variance, y = (x − mean)/sqrt(var + eps)·w + b.
//
// The kernel's FP32 mean is off by at most e = (H + 1)·2^-24·mean|x| (a sum of H terms of either sign
// plus the division). That error shifts every deviation by the same e, which the variance hardly feels
// (Σ(d + e)² = Σd² + H·e², as Σd = 0); the variance then carries the (H − 1) roundings of a positive
// sum and 1/sqrt(var + eps) a relative error ρ = (H/2 + 5)·2^-24 + e²/(2·var). An element
// (x − mean)·inv·w thus errs by |w|·inv·e plus ρ and three more roundings (deviation, two products) of
// itself, and the bias adds one rounding of y.
std::vector<Expected> reference_layer_norm(const std::vector<float>& x, const std::vector<float>& weight,
                                           const std::vector<float>* bias, int64_t rows, int64_t cols, float eps,
                                           qrt_dtype y_dtype) {
    const double n = static_cast<double>(cols);
    std::vector<Expected> expected;
    for (int64_t r = 0; r < rows; ++r) {
        const float* row = &x[static_cast<size_t>(r * cols)];
        double sum = 0;
        double sum_of_magnitudes = 0;
        for (int64_t c = 0; c < cols; ++c) {
            sum += row[c];
            sum_of_magnitudes += std::fabs(row[c]);
        }
        const double mean = sum / n;
        double sum_of_squares = 0;
        for (int64_t c = 0; c < cols; ++c) sum_of_squares += (row[c] - mean) * (row[c] - mean);
        const double variance = sum_of_squares / n;
        const double inverse_std = 1 / std::sqrt(variance + eps);
        const double mean_error = (n + 1) * kUnitRoundoff * sum_of_magnitudes / n;
        const double rho = (n / 2 + 5) * kUnitRoundoff + mean_error * mean_error / (2 * (variance + eps));
        for (int64_t c = 0; c < cols; ++c) {
            const double w = weight[static_cast<size_t>(c)];
            const double product = (row[c] - mean) * inverse_std * w;
            const double y = product + (bias != nullptr ? (*bias)[static_cast<size_t>(c)] : 0.0);
            const double error = std::fabs(w) * inverse_std * mean_error * (1 + rho) +
                                 std::fabs(product) * (rho + 3 * kUnitRoundoff) + kUnitRoundoff * std::fabs(y);
            expected.push_back(widen_for_output(y, y, error, y_dtype));
        }
    }
    return expected;
}

void check_layer_norm(qrt_stream* stream, qrt_dtype x_dtype, qrt_dtype w_dtype, const qrt_dtype* b_dtype,
                      qrt_dtype y_dtype, Shape shape, int64_t row_stride, float offset, Random& random) {
    const size_t storage = static_cast<size_t>(shape.rows * row_stride);
    std::vector<float> x_values = random.normal(storage, 2.0f);
    for (float& value : x_values) value += offset;
    FloatBuffer x(x_dtype, x_values);
    FloatBuffer w(w_dtype, random.uniform(static_cast<size_t>(shape.cols), -1.5f, 1.5f));
    FloatBuffer b(b_dtype != nullptr ? *b_dtype : QRT_DTYPE_F32, random.uniform(static_cast<size_t>(shape.cols)));
    FloatBuffer y(y_dtype, std::vector<float>(storage, 0.0f));
    qrt_tensor tx = matrix(x.data(), x_dtype, shape.rows, shape.cols, row_stride);
    qrt_tensor tw = tensor(w.data(), w_dtype, {shape.cols});
    qrt_tensor tb = tensor(b.data(), b.dtype(), {shape.cols});
    qrt_tensor ty = matrix(y.data(), y_dtype, shape.rows, shape.cols, row_stride);
    QRT_CHECK_OK(qrt_layer_norm(stream, &tx, &tw, b_dtype != nullptr ? &tb : nullptr, 1e-5f, &ty));
    const std::vector<float> biases = read_rows(b, 1, shape.cols, shape.cols);
    const auto expected =
        reference_layer_norm(read_rows(x, shape.rows, shape.cols, row_stride), read_rows(w, 1, shape.cols, shape.cols),
                             b_dtype != nullptr ? &biases : nullptr, shape.rows, shape.cols, 1e-5f, y_dtype);
    check_expected(read_rows(y, shape.rows, shape.cols, row_stride), expected,
                   label("layer_norm", x_dtype, w_dtype, y_dtype, shape) + " bias " +
                       (b_dtype != nullptr ? qrt_dtype_name(*b_dtype) : "none") + " offset " + std::to_string(offset));
}

void test_layer_norm(qrt_stream* stream, Random& random) {
    for (Shape shape : kShapes) {
        for (qrt_dtype x : kFloatDtypes) {
            for (qrt_dtype w : kFloatDtypes) {
                for (qrt_dtype y : kFloatDtypes) {
                    check_layer_norm(stream, x, w, nullptr, y, shape, shape.cols, 0.0f, random);
                    for (const qrt_dtype& b : kFloatDtypes)
                        check_layer_norm(stream, x, w, &b, y, shape, shape.cols, 0.0f, random);
                }
            }
        }
    }
    // Rows far from zero, where mean(x²) − mean² would cancel; padded rows.
    const qrt_dtype f32 = QRT_DTYPE_F32;
    check_layer_norm(stream, QRT_DTYPE_F32, QRT_DTYPE_F32, &f32, QRT_DTYPE_F32, {17, 127}, 127, 1000.0f, random);
    check_layer_norm(stream, QRT_DTYPE_F32, QRT_DTYPE_BF16, &f32, QRT_DTYPE_F32, {3, 1000}, 1000, 1000.0f, random);
    check_layer_norm(stream, QRT_DTYPE_BF16, QRT_DTYPE_F32, nullptr, QRT_DTYPE_BF16, {9, 33}, 50, 0.0f, random);

    // y may be x.
    FloatBuffer x(QRT_DTYPE_BF16, random.normal(5 * 77, 1.0f));
    FloatBuffer w(QRT_DTYPE_F32, random.uniform(77, 0.5f, 1.5f));
    const auto expected =
        reference_layer_norm(read_rows(x, 5, 77, 77), read_rows(w, 1, 77, 77), nullptr, 5, 77, 1e-5f, QRT_DTYPE_BF16);
    qrt_tensor tx = tensor(x.data(), QRT_DTYPE_BF16, {5, 77});
    qrt_tensor tw = tensor(w.data(), QRT_DTYPE_F32, {77});
    QRT_CHECK_OK(qrt_layer_norm(stream, &tx, &tw, nullptr, 1e-5f, &tx));
    check_expected(read_rows(x, 5, 77, 77), expected, "layer_norm in place");
}

// Each row belongs to one thread and is reduced in a fixed order, so the thread count cannot change a bit.
void test_thread_count_independence(qrt_stream* stream, Random& random) {
    const int64_t rows = 64;
    const int64_t cols = 2000;
    FloatBuffer x(QRT_DTYPE_F32, random.normal(static_cast<size_t>(rows * cols), 1.0f));
    FloatBuffer residual(QRT_DTYPE_F32, random.normal(static_cast<size_t>(rows * cols), 1.0f));
    FloatBuffer w(QRT_DTYPE_F32, random.uniform(static_cast<size_t>(cols), 0.5f, 1.5f));
    std::vector<std::vector<unsigned char>> results;
    for (int threads : {1, 3}) {
        QRT_CHECK_OK(qrt_cpu_set_thread_count(threads));
        FloatBuffer state = residual;
        FloatBuffer y(QRT_DTYPE_F32, std::vector<float>(static_cast<size_t>(rows * cols), 0.0f));
        FloatBuffer z(QRT_DTYPE_F32, std::vector<float>(static_cast<size_t>(rows * cols), 0.0f));
        qrt_tensor tx = tensor(x.data(), QRT_DTYPE_F32, {rows, cols});
        qrt_tensor tr = tensor(state.data(), QRT_DTYPE_F32, {rows, cols});
        qrt_tensor tw = tensor(w.data(), QRT_DTYPE_F32, {cols});
        qrt_tensor ty = tensor(y.data(), QRT_DTYPE_F32, {rows, cols});
        qrt_tensor tz = tensor(z.data(), QRT_DTYPE_F32, {rows, cols});
        QRT_CHECK_OK(qrt_add_rms_norm(stream, &tx, &tr, &tw, 1e-6f, &ty));
        QRT_CHECK_OK(qrt_layer_norm(stream, &tx, &tw, &tw, 1e-6f, &tz));
        std::vector<unsigned char> bytes = y.bytes();
        bytes.insert(bytes.end(), z.bytes().begin(), z.bytes().end());
        results.push_back(bytes);
    }
    QRT_CHECK(results[0] == results[1]);
    QRT_CHECK_OK(qrt_cpu_set_thread_count(0));
}

void test_bad_arguments(qrt_stream* stream) {
    std::vector<float> x(4 * 8);
    std::vector<float> r(4 * 8);
    std::vector<float> y(4 * 8);
    std::vector<float> w(8);
    std::vector<int32_t> ints(4 * 8);
    qrt_tensor tx = tensor(x.data(), QRT_DTYPE_F32, {4, 8});
    qrt_tensor tr = tensor(r.data(), QRT_DTYPE_F32, {4, 8});
    qrt_tensor ty = tensor(y.data(), QRT_DTYPE_F32, {4, 8});
    qrt_tensor tw = tensor(w.data(), QRT_DTYPE_F32, {8});
    const float nan = std::nanf("");
    const float inf = std::numeric_limits<float>::infinity();

    qrt_tensor int_x = tensor(ints.data(), QRT_DTYPE_I32, {4, 8});
    qrt_tensor f8_weight = tensor(w.data(), QRT_DTYPE_F8_E4M3, {8});
    qrt_tensor short_weight = tensor(w.data(), QRT_DTYPE_F32, {7});
    qrt_tensor strided_weight = tensor(w.data(), QRT_DTYPE_F32, {4});
    strided_weight.shape[0] = 8;
    strided_weight.strides[0] = 1;
    qrt_tensor gapped_weight = tensor(w.data(), QRT_DTYPE_F32, {2, 4});
    gapped_weight.strides[0] = 3;  // 8 elements, but not contiguous
    qrt_tensor column_x = matrix(x.data(), QRT_DTYPE_F32, 8, 4, 1);
    column_x.strides[1] = 8;  // the last dimension is not contiguous
    qrt_tensor wide_y = tensor(y.data(), QRT_DTYPE_F32, {4, 7});
    qrt_tensor tall_y = tensor(y.data(), QRT_DTYPE_F32, {3, 8});
    qrt_tensor no_data = tx;
    no_data.data = nullptr;
    qrt_tensor on_gpu = ty;
    on_gpu.device = qrt_device{QRT_BACKEND_CUDA, 0};
    qrt_tensor scalar = tensor(x.data(), QRT_DTYPE_F32, {});

    // qrt_rms_norm
    QRT_CHECK_FAILS(qrt_rms_norm(nullptr, &tx, &tw, 1e-6f, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'stream'");
    QRT_CHECK_FAILS(qrt_rms_norm(stream, nullptr, &tw, 1e-6f, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'x'");
    QRT_CHECK_FAILS(qrt_rms_norm(stream, &tx, nullptr, 1e-6f, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'weight'");
    QRT_CHECK_FAILS(qrt_rms_norm(stream, &tx, &tw, 1e-6f, nullptr), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");
    QRT_CHECK_FAILS(qrt_rms_norm(stream, &int_x, &tw, 1e-6f, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'x'");
    QRT_CHECK_FAILS(qrt_rms_norm(stream, &tx, &f8_weight, 1e-6f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'weight'");
    QRT_CHECK_FAILS(qrt_rms_norm(stream, &tx, &short_weight, 1e-6f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'weight'");
    QRT_CHECK_OK(qrt_rms_norm(stream, &tx, &strided_weight, 1e-6f, &ty));
    QRT_CHECK_FAILS(qrt_rms_norm(stream, &tx, &gapped_weight, 1e-6f, &ty), QRT_STATUS_INVALID_ARGUMENT, "contiguous");
    QRT_CHECK_FAILS(qrt_rms_norm(stream, &column_x, &short_weight, 1e-6f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'x'");
    QRT_CHECK_FAILS(qrt_rms_norm(stream, &scalar, &tw, 1e-6f, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'x'");
    QRT_CHECK_FAILS(qrt_rms_norm(stream, &tx, &tw, 1e-6f, &wide_y), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");
    QRT_CHECK(std::strstr(qrt_last_error(), "[4, 7]") != nullptr && std::strstr(qrt_last_error(), "[4, 8]") != nullptr);
    QRT_CHECK_FAILS(qrt_rms_norm(stream, &tx, &tw, 1e-6f, &tall_y), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");
    QRT_CHECK_FAILS(qrt_rms_norm(stream, &no_data, &tw, 1e-6f, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'x'");
    QRT_CHECK_FAILS(qrt_rms_norm(stream, &tx, &tw, 1e-6f, &on_gpu), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");
    for (float eps : {-1e-6f, nan, inf}) {
        QRT_CHECK_FAILS(qrt_rms_norm(stream, &tx, &tw, eps, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'eps'");
    }

    // qrt_add_rms_norm
    QRT_CHECK_FAILS(qrt_add_rms_norm(nullptr, &tx, &tr, &tw, 1e-6f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'stream'");
    QRT_CHECK_FAILS(qrt_add_rms_norm(stream, nullptr, &tr, &tw, 1e-6f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'x'");
    QRT_CHECK_FAILS(qrt_add_rms_norm(stream, &tx, nullptr, &tw, 1e-6f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'residual'");
    QRT_CHECK_FAILS(qrt_add_rms_norm(stream, &tx, &tr, nullptr, 1e-6f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'weight'");
    QRT_CHECK_FAILS(qrt_add_rms_norm(stream, &tx, &tr, &tw, 1e-6f, nullptr), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'y'");
    QRT_CHECK_FAILS(qrt_add_rms_norm(stream, &tx, &int_x, &tw, 1e-6f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'residual'");
    QRT_CHECK_FAILS(qrt_add_rms_norm(stream, &tx, &wide_y, &tw, 1e-6f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'residual'");
    QRT_CHECK_FAILS(qrt_add_rms_norm(stream, &tx, &tr, &short_weight, 1e-6f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'weight'");
    QRT_CHECK_FAILS(qrt_add_rms_norm(stream, &tx, &tr, &tw, 1e-6f, &tall_y), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'y'");
    QRT_CHECK_FAILS(qrt_add_rms_norm(stream, &tx, &column_x, &tw, 1e-6f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'residual'");
    QRT_CHECK_FAILS(qrt_add_rms_norm(stream, &no_data, &tr, &tw, 1e-6f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'x'");
    QRT_CHECK_FAILS(qrt_add_rms_norm(stream, &tx, &tr, &tw, 1e-6f, &on_gpu), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'y'");
    QRT_CHECK_FAILS(qrt_add_rms_norm(stream, &tx, &tr, &tw, nan, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'eps'");
    // y may be x, but not residual, nor any part of it.
    QRT_CHECK_OK(qrt_add_rms_norm(stream, &tx, &tr, &tw, 1e-6f, &tx));
    QRT_CHECK_FAILS(qrt_add_rms_norm(stream, &tx, &tr, &tw, 1e-6f, &tr), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");
    qrt_tensor inside_residual = tensor(r.data() + 8, QRT_DTYPE_F32, {4, 4});
    inside_residual.strides[0] = 4;
    qrt_tensor narrow_x = tensor(x.data(), QRT_DTYPE_F32, {4, 4});
    qrt_tensor narrow_r = tensor(r.data(), QRT_DTYPE_F32, {4, 4});
    qrt_tensor narrow_w = tensor(w.data(), QRT_DTYPE_F32, {4});
    QRT_CHECK_FAILS(qrt_add_rms_norm(stream, &narrow_x, &narrow_r, &narrow_w, 1e-6f, &inside_residual),
                    QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");

    // qrt_layer_norm
    QRT_CHECK_FAILS(qrt_layer_norm(nullptr, &tx, &tw, &tw, 1e-5f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'stream'");
    QRT_CHECK_FAILS(qrt_layer_norm(stream, nullptr, &tw, &tw, 1e-5f, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'x'");
    QRT_CHECK_FAILS(qrt_layer_norm(stream, &tx, nullptr, &tw, 1e-5f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'weight'");
    QRT_CHECK_FAILS(qrt_layer_norm(stream, &tx, &tw, &tw, 1e-5f, nullptr), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");
    QRT_CHECK_FAILS(qrt_layer_norm(stream, &int_x, &tw, &tw, 1e-5f, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'x'");
    QRT_CHECK_FAILS(qrt_layer_norm(stream, &tx, &short_weight, &tw, 1e-5f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'weight'");
    QRT_CHECK_FAILS(qrt_layer_norm(stream, &tx, &tw, &short_weight, 1e-5f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'bias'");
    QRT_CHECK_FAILS(qrt_layer_norm(stream, &tx, &tw, &f8_weight, 1e-5f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'bias'");
    QRT_CHECK_FAILS(qrt_layer_norm(stream, &tx, &tw, &gapped_weight, 1e-5f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'bias'");
    QRT_CHECK_FAILS(qrt_layer_norm(stream, &column_x, &short_weight, nullptr, 1e-5f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'x'");
    QRT_CHECK_FAILS(qrt_layer_norm(stream, &tx, &tw, nullptr, 1e-5f, &wide_y), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'y'");
    QRT_CHECK_FAILS(qrt_layer_norm(stream, &no_data, &tw, nullptr, 1e-5f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'x'");
    QRT_CHECK_FAILS(qrt_layer_norm(stream, &tx, &tw, nullptr, 1e-5f, &on_gpu), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'y'");
    QRT_CHECK_FAILS(qrt_layer_norm(stream, &tx, &tw, nullptr, -1.0f, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'eps'");

    // Empty inputs are valid and touch nothing.
    qrt_tensor empty = tensor(nullptr, QRT_DTYPE_F32, {0, 8});
    QRT_CHECK_OK(qrt_rms_norm(stream, &empty, &tw, 1e-6f, &empty));
    QRT_CHECK_OK(qrt_layer_norm(stream, &empty, &tw, nullptr, 1e-6f, &empty));
}

}  // namespace

int main() {
    CpuStream stream;
    Random random(1234);
    test_rms_norm(stream, random);
    test_rms_norm_layouts(stream, random);
    test_add_rms_norm(stream, random);
    test_layer_norm(stream, random);
    test_thread_count_independence(stream, random);
    test_bad_arguments(stream);
    return finish("test_norm");
}
