// qrt_activate and qrt_activate_gated against double-precision loops written from the definitions in
// qrt.h, with error bounds derived per element from the FP32 evaluation of each function.
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

constexpr float kInf = std::numeric_limits<float>::infinity();
const double kPi = std::acos(-1.0);

constexpr qrt_activation kActivations[] = {QRT_ACTIVATION_SILU, QRT_ACTIVATION_GELU, QRT_ACTIVATION_GELU_TANH,
                                           QRT_ACTIVATION_QUICK_GELU};

const char* activation_name(qrt_activation activation) {
    switch (activation) {
        case QRT_ACTIVATION_SILU: return "SILU";
        case QRT_ACTIVATION_GELU: return "GELU";
        case QRT_ACTIVATION_GELU_TANH: return "GELU_TANH";
        case QRT_ACTIVATION_QUICK_GELU: return "QUICK_GELU";
    }
    return "?";
}

// An activation's exact value, and the relative error its FP32 evaluation may carry.
struct Reference {
    double value;
    double relative_error;
};

// From the definitions in qrt.h, in double. Two are written in an equivalent form that keeps double's
// precision for x ≪ 0, where 1 + erf and 1 + tanh cancel: 1 + erf(x/√2) = erfc(−x/√2), and
// 1 + tanh(w) = 2 / (1 + e^(−2w)).
//
// The FP32 evaluation's error, in units of 2^-24: each function is x · g(x) with g a sigmoid or Φ. A
// sigmoid σ(z) = 1 / (1 + e^−|z|) (or e^−|z| times that) costs expf's ≤ 1 ulp (2 units) plus three
// roundings, and an argument z carrying relative error ε moves σ by at most |z|·ε relative; x · g adds
// one rounding. SiLU's z = x is exact: 6 units. QUICK_GELU's z = 1.702·x carries 2 units (the constant
// and the product): 6 + 2|z|. GELU_TANH's z = 2w, w = √(2/π)·(x + 0.044715·x³), carries 7 units (two
// constants, four products, one sum of like signs): 6 + 7|z|, rounded up to 8|z| for second-order terms.
// GELU's Φ = erfc(t)/2 with t = −x/√2 (2 units) costs erfcf's ≤ 4 ulp (8 units) and moves by at most
// (2t² + 1)·ε relative, as |t·erfc'(t)/erfc(t)| ≤ 2t² + 1: with the product, 11 + 2x² units.
Reference reference(qrt_activation activation, double x) {
    switch (activation) {
        case QRT_ACTIVATION_SILU: return {x / (1 + std::exp(-x)), 6 * kUnitRoundoff};
        case QRT_ACTIVATION_GELU: return {0.5 * x * std::erfc(-x / std::sqrt(2.0)), (11 + 2 * x * x) * kUnitRoundoff};
        case QRT_ACTIVATION_GELU_TANH: {
            const double w = std::sqrt(2 / kPi) * (x + 0.044715 * x * x * x);
            return {x / (1 + std::exp(-2 * w)), (6 + 8 * std::fabs(2 * w)) * kUnitRoundoff};
        }
        case QRT_ACTIVATION_QUICK_GELU:
            return {x / (1 + std::exp(-1.702 * x)), (6 + 2 * std::fabs(1.702 * x)) * kUnitRoundoff};
    }
    return {0, 0};
}

// Checks |actual − expected| within the FP32 error `error` carried into y's rounding.
void check_values(const std::vector<float>& actual, const std::vector<double>& expected,
                  const std::vector<double>& error, qrt_dtype y_dtype, const std::string& what) {
    size_t bad = 0;
    size_t first = 0;
    for (size_t i = 0; i < actual.size(); ++i) {
        const double allowed = rounded_output_error(error[i], std::fabs(expected[i]), y_dtype);
        if (!(std::fabs(actual[i] - expected[i]) <= allowed) && bad++ == 0) first = i;
    }
    if (bad > 0) {
        std::fprintf(stderr, "%s: %zu of %zu elements out of tolerance; first at %zu: %.9g vs %.9g\n", what.c_str(),
                     bad, actual.size(), first, actual[first], expected[first]);
        ++failures();
    }
}

struct Shape {
    int64_t rows;
    int64_t cols;
};

const Shape kShapes[] = {{1, 1}, {3, 7}, {17, 33}, {5, 127}, {2, 3000}, {257, 129}};

std::string label(const char* op, qrt_activation activation, const std::vector<qrt_dtype>& dtypes, Shape shape) {
    std::string text = std::string(op) + " " + activation_name(activation);
    for (qrt_dtype dtype : dtypes) text += std::string(" ") + qrt_dtype_name(dtype);
    return text + " [" + std::to_string(shape.rows) + ", " + std::to_string(shape.cols) + "]";
}

void check_activate(qrt_stream* stream, qrt_activation activation, qrt_dtype x_dtype, qrt_dtype y_dtype, Shape shape,
                    int64_t row_stride, bool in_place, Random& random) {
    const size_t storage = static_cast<size_t>(shape.rows * row_stride);
    FloatBuffer x(x_dtype, random.uniform(storage, -8.0f, 8.0f));
    FloatBuffer y(y_dtype, std::vector<float>(storage, 0.0f));
    std::vector<double> expected;
    std::vector<double> error;
    for (float value : read_rows(x, shape.rows, shape.cols, row_stride)) {
        const Reference r = reference(activation, value);
        expected.push_back(r.value);
        error.push_back(r.relative_error * std::fabs(r.value));
    }
    qrt_tensor tx = matrix(x.data(), x_dtype, shape.rows, shape.cols, row_stride);
    qrt_tensor ty = matrix(y.data(), y_dtype, shape.rows, shape.cols, row_stride);
    QRT_CHECK_OK(qrt_activate(stream, activation, &tx, in_place ? &tx : &ty));
    check_values(read_rows(in_place ? x : y, shape.rows, shape.cols, row_stride), expected, error, y_dtype,
                 label(in_place ? "activate in place" : "activate", activation, {x_dtype, y_dtype}, shape));
}

void test_activate(qrt_stream* stream, Random& random) {
    for (qrt_activation activation : kActivations) {
        for (Shape shape : kShapes) {
            for (qrt_dtype x : kFloatDtypes) {
                for (qrt_dtype y : kFloatDtypes)
                    check_activate(stream, activation, x, y, shape, shape.cols, false, random);
                check_activate(stream, activation, x, x, shape, shape.cols, true, random);
            }
        }
        check_activate(stream, activation, QRT_DTYPE_BF16, QRT_DTYPE_F32, {9, 33}, 50, false, random);
        check_activate(stream, activation, QRT_DTYPE_F16, QRT_DTYPE_F16, {3, 2100}, 2200, true, random);
    }
}

// Far beyond the range where the functions bend, each is x or 0 exactly, as its limits say; infinities
// follow the limits too, and NaN stays NaN.
void test_activate_extremes(qrt_stream* stream) {
    const float inputs[] = {1e30f, -1e30f, kInf, -kInf, 100.0f, -100.0f, 0.0f, -0.0f, std::nanf("")};
    for (qrt_activation activation : kActivations) {
        for (qrt_dtype dtype : {QRT_DTYPE_F32, QRT_DTYPE_BF16}) {
            FloatBuffer x(dtype, std::vector<float>(std::begin(inputs), std::end(inputs)));
            FloatBuffer y(dtype, std::vector<float>(x.size(), 1.0f));
            qrt_tensor tx = tensor(x.data(), dtype, {static_cast<int64_t>(x.size())});
            qrt_tensor ty = tensor(y.data(), dtype, {static_cast<int64_t>(y.size())});
            QRT_CHECK_OK(qrt_activate(stream, activation, &tx, &ty));
            const std::string what = label("activate extremes", activation, {dtype}, {1, 9});
            for (size_t i = 0; i < x.size(); ++i) {
                const float in = x.get(i);
                const float out = y.get(i);
                bool ok;
                if (std::isnan(in)) {
                    ok = std::isnan(out);
                } else if (in > 50.0f) {
                    ok = out == in;  // g(x) = 1 in FP32
                } else if (in < -50.0f) {
                    ok = !std::isnan(out) && std::fabs(out) < 1e-20f;  // g(x) < e^-50: 0, or a vanishing product
                } else {
                    ok = out == 0.0f;
                }
                if (!ok) std::fprintf(stderr, "%s: act(%g) = %g\n", what.c_str(), in, out);
                QRT_CHECK(ok);
            }
        }
    }
}

// y = act(gate) · up: one more FP32 rounding, for the product with up.
void check_gated(qrt_stream* stream, qrt_activation activation, qrt_dtype g_dtype, qrt_dtype u_dtype, qrt_dtype y_dtype,
                 Shape shape, Random& random) {
    const size_t count = static_cast<size_t>(shape.rows * shape.cols);
    FloatBuffer gate(g_dtype, random.uniform(count, -8.0f, 8.0f));
    FloatBuffer up(u_dtype, random.normal(count, 2.0f));
    FloatBuffer y(y_dtype, std::vector<float>(count, 0.0f));
    std::vector<double> expected;
    std::vector<double> error;
    for (size_t i = 0; i < count; ++i) {
        const Reference r = reference(activation, gate.get(i));
        expected.push_back(r.value * up.get(i));
        error.push_back((r.relative_error + kUnitRoundoff) * std::fabs(expected.back()));
    }
    qrt_tensor tg = tensor(gate.data(), g_dtype, {shape.rows, shape.cols});
    qrt_tensor tu = tensor(up.data(), u_dtype, {shape.rows, shape.cols});
    qrt_tensor ty = tensor(y.data(), y_dtype, {shape.rows, shape.cols});
    QRT_CHECK_OK(qrt_activate_gated(stream, activation, &tg, &tu, &ty));
    check_values(read_rows(y, shape.rows, shape.cols, shape.cols), expected, error, y_dtype,
                 label("activate_gated", activation, {g_dtype, u_dtype, y_dtype}, shape));
}

// gate and up as the two column halves of one fused [T, 2I] gate_up projection, with y separate, or
// written over the gate half, or over the up half.
void check_gated_fused(qrt_stream* stream, qrt_activation activation, qrt_dtype dtype, Shape shape, int output,
                       Random& random) {
    const int64_t width = 2 * shape.cols;
    const size_t count = static_cast<size_t>(shape.rows * width);
    std::vector<float> values = random.uniform(count, -8.0f, 8.0f);
    FloatBuffer fused(dtype, values);
    FloatBuffer separate(dtype, std::vector<float>(static_cast<size_t>(shape.rows * shape.cols), 0.0f));
    std::vector<double> expected;
    std::vector<double> error;
    for (int64_t r = 0; r < shape.rows; ++r) {
        for (int64_t c = 0; c < shape.cols; ++c) {
            const Reference g = reference(activation, fused.get(static_cast<size_t>(r * width + c)));
            expected.push_back(g.value * fused.get(static_cast<size_t>(r * width + shape.cols + c)));
            error.push_back((g.relative_error + kUnitRoundoff) * std::fabs(expected.back()));
        }
    }
    qrt_tensor gate = matrix(fused.data(), dtype, shape.rows, shape.cols, width);
    qrt_tensor up = matrix(fused.element(static_cast<size_t>(shape.cols)), dtype, shape.rows, shape.cols, width);
    qrt_tensor y = tensor(separate.data(), dtype, {shape.rows, shape.cols});
    qrt_tensor* target = output == 0 ? &y : output == 1 ? &gate : &up;
    QRT_CHECK_OK(qrt_activate_gated(stream, activation, &gate, &up, target));
    const std::vector<float> actual =
        output == 0   ? read_rows(separate, shape.rows, shape.cols, shape.cols)
        : output == 1 ? read_rows(fused, shape.rows, shape.cols, width)
                      : read_rows(fused, shape.rows, shape.cols, width, static_cast<size_t>(shape.cols));
    const char* names[] = {"fused, y separate", "fused, y over gate", "fused, y over up"};
    check_values(actual, expected, error, dtype,
                 label("activate_gated", activation, {dtype}, shape) + " " + names[output]);
}

void test_activate_gated(qrt_stream* stream, Random& random) {
    for (qrt_activation activation : kActivations) {
        for (Shape shape : kShapes) {
            for (qrt_dtype g : kFloatDtypes) {
                for (qrt_dtype u : kFloatDtypes) {
                    for (qrt_dtype y : kFloatDtypes) check_gated(stream, activation, g, u, y, shape, random);
                }
            }
        }
        for (qrt_dtype dtype : kFloatDtypes) {
            for (int output = 0; output < 3; ++output) {
                check_gated_fused(stream, activation, dtype, {7, 33}, output, random);
                check_gated_fused(stream, activation, dtype, {3, 2500}, output, random);
            }
        }
    }
}

void test_bad_arguments(qrt_stream* stream) {
    std::vector<float> a(4 * 8);
    std::vector<float> b(4 * 8);
    std::vector<float> c(4 * 8);
    std::vector<int32_t> ints(4 * 8);
    qrt_tensor x = tensor(a.data(), QRT_DTYPE_F32, {4, 8});
    qrt_tensor up = tensor(b.data(), QRT_DTYPE_F32, {4, 8});
    qrt_tensor y = tensor(c.data(), QRT_DTYPE_F32, {4, 8});
    qrt_tensor int_x = tensor(ints.data(), QRT_DTYPE_I32, {4, 8});
    qrt_tensor f8_y = tensor(c.data(), QRT_DTYPE_F8_E4M3, {4, 8});
    qrt_tensor wide = tensor(c.data(), QRT_DTYPE_F32, {4, 7});
    qrt_tensor columns = matrix(a.data(), QRT_DTYPE_F32, 8, 4, 1);
    columns.strides[1] = 8;  // the last dimension is not contiguous
    qrt_tensor no_data = x;
    no_data.data = nullptr;
    qrt_tensor on_gpu = y;
    on_gpu.device = qrt_device{QRT_BACKEND_CUDA, 0};
    const qrt_activation unknown = static_cast<qrt_activation>(4);
    const qrt_activation negative = static_cast<qrt_activation>(-1);
    const qrt_activation silu = QRT_ACTIVATION_SILU;

    QRT_CHECK_FAILS(qrt_activate(nullptr, silu, &x, &y), QRT_STATUS_INVALID_ARGUMENT, "argument 'stream'");
    QRT_CHECK_FAILS(qrt_activate(stream, unknown, &x, &y), QRT_STATUS_INVALID_ARGUMENT, "argument 'activation'");
    QRT_CHECK_FAILS(qrt_activate(stream, negative, &x, &y), QRT_STATUS_INVALID_ARGUMENT, "argument 'activation'");
    QRT_CHECK_FAILS(qrt_activate(stream, silu, nullptr, &y), QRT_STATUS_INVALID_ARGUMENT, "argument 'x'");
    QRT_CHECK_FAILS(qrt_activate(stream, silu, &x, nullptr), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");
    QRT_CHECK_FAILS(qrt_activate(stream, silu, &int_x, &y), QRT_STATUS_INVALID_ARGUMENT, "argument 'x'");
    QRT_CHECK_FAILS(qrt_activate(stream, silu, &x, &f8_y), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");
    QRT_CHECK_FAILS(qrt_activate(stream, silu, &x, &wide), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");
    QRT_CHECK(std::strstr(qrt_last_error(), "[4, 7]") != nullptr && std::strstr(qrt_last_error(), "[4, 8]") != nullptr);
    QRT_CHECK_FAILS(qrt_activate(stream, silu, &columns, &y), QRT_STATUS_INVALID_ARGUMENT, "argument 'x'");
    QRT_CHECK_FAILS(qrt_activate(stream, silu, &no_data, &y), QRT_STATUS_INVALID_ARGUMENT, "argument 'x'");
    QRT_CHECK_FAILS(qrt_activate(stream, silu, &x, &on_gpu), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");

    QRT_CHECK_FAILS(qrt_activate_gated(nullptr, silu, &x, &up, &y), QRT_STATUS_INVALID_ARGUMENT, "argument 'stream'");
    QRT_CHECK_FAILS(qrt_activate_gated(stream, unknown, &x, &up, &y), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'activation'");
    QRT_CHECK_FAILS(qrt_activate_gated(stream, silu, nullptr, &up, &y), QRT_STATUS_INVALID_ARGUMENT, "argument 'gate'");
    QRT_CHECK_FAILS(qrt_activate_gated(stream, silu, &x, nullptr, &y), QRT_STATUS_INVALID_ARGUMENT, "argument 'up'");
    QRT_CHECK_FAILS(qrt_activate_gated(stream, silu, &x, &up, nullptr), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");
    QRT_CHECK_FAILS(qrt_activate_gated(stream, silu, &int_x, &up, &y), QRT_STATUS_INVALID_ARGUMENT, "argument 'gate'");
    QRT_CHECK_FAILS(qrt_activate_gated(stream, silu, &x, &int_x, &y), QRT_STATUS_INVALID_ARGUMENT, "argument 'up'");
    QRT_CHECK_FAILS(qrt_activate_gated(stream, silu, &x, &up, &f8_y), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");
    QRT_CHECK_FAILS(qrt_activate_gated(stream, silu, &x, &wide, &y), QRT_STATUS_INVALID_ARGUMENT, "argument 'up'");
    QRT_CHECK(std::strstr(qrt_last_error(), "[4, 7]") != nullptr && std::strstr(qrt_last_error(), "[4, 8]") != nullptr);
    QRT_CHECK_FAILS(qrt_activate_gated(stream, silu, &x, &up, &wide), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");
    QRT_CHECK_FAILS(qrt_activate_gated(stream, silu, &columns, &up, &y), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'gate'");
    QRT_CHECK_FAILS(qrt_activate_gated(stream, silu, &x, &no_data, &y), QRT_STATUS_INVALID_ARGUMENT, "argument 'up'");
    QRT_CHECK_FAILS(qrt_activate_gated(stream, silu, &x, &up, &on_gpu), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");

    // Empty inputs are valid and touch nothing.
    qrt_tensor empty = tensor(nullptr, QRT_DTYPE_BF16, {0, 8});
    QRT_CHECK_OK(qrt_activate(stream, silu, &empty, &empty));
    QRT_CHECK_OK(qrt_activate_gated(stream, silu, &empty, &empty, &empty));
}

}  // namespace

int main() {
    CpuStream stream;
    Random random(99);
    test_activate(stream, random);
    test_activate_extremes(stream);
    test_activate_gated(stream, random);
    test_bad_arguments(stream);
    return finish("test_activation");
}
