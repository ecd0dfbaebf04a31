// qrt_softmax, qrt_log_softmax and qrt_argmax against double-precision loops written from their
// definitions in qrt.h.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "test_bounds.h"
#include "test_formats.h"
#include "test_tensors.h"
#include "test_util.h"

using namespace qrt_test;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::nanf("");

// Softmax and log-softmax of one row, in double, straight from the definition.
std::vector<double> reference_softmax(const std::vector<float>& row, bool logarithm) {
    double largest = -std::numeric_limits<double>::infinity();
    for (float value : row) largest = std::max(largest, static_cast<double>(value));
    double total = 0.0;
    for (float value : row) total += std::exp(value - largest);
    std::vector<double> out(row.size());
    for (size_t i = 0; i < row.size(); ++i) {
        out[i] = logarithm ? row[i] - largest - std::log(total) : std::exp(row[i] - largest) / total;
    }
    return out;
}

std::vector<double> reference_rows(const std::vector<float>& x, int64_t rows, int64_t cols, int64_t row_stride,
                                   bool logarithm) {
    std::vector<double> out;
    for (int64_t r = 0; r < rows; ++r) {
        const std::vector<float> row(x.begin() + r * row_stride, x.begin() + r * row_stride + cols);
        const std::vector<double> y = reference_softmax(row, logarithm);
        out.insert(out.end(), y.begin(), y.end());
    }
    return out;
}

// Tolerances, for inputs taken as exact (the reference reads the values the library reads):
//  softmax: exp(x − max) is within 2 roundings of exact (expf is within 1 ulp), the sum of V such terms
//  within V more, the division one more: relative (V + 3)·2^-24. Rounding x − max costs |x − max|·2^-24
//  relative, but that term is multiplied by a probability <= exp(−|x − max|), so it stays below
//  2^-24/e absolute. Then one rounding to the output dtype.
//  log_softmax: log(sum) carries the sum's relative error V·2^-24 as an absolute one plus 2 roundings
//  (logf within 1 ulp) relative to |log sum|; x − max and the last subtraction one each relative to
//  |x − max| and |y|, both <= |y|: absolute (V + 2)·2^-24, relative 4·2^-24, then the output rounding.
Tolerance softmax_tolerance(int64_t cols, qrt_dtype out) {
    return {kUnitRoundoff + output_underflow(out), (cols + 3) * kUnitRoundoff + output_rounding(out)};
}

Tolerance log_softmax_tolerance(int64_t cols, qrt_dtype out) {
    return {(cols + 2) * kUnitRoundoff, 4 * kUnitRoundoff + output_rounding(out)};
}

using RowOp = qrt_status (*)(qrt_stream*, const qrt_tensor*, qrt_tensor*);

// Runs softmax or log_softmax on a [rows, cols] slice of strided buffers and checks the result and that
// the padding between rows is untouched.
void check_rows_op(RowOp op, bool logarithm, qrt_dtype x_dtype, qrt_dtype y_dtype, int64_t rows, int64_t cols,
                   int64_t x_stride, int64_t y_stride, float spread, Random& random) {
    CpuStream stream;
    FloatBuffer x(x_dtype, random.normal(static_cast<size_t>(rows * x_stride), spread));
    FloatBuffer y(y_dtype, static_cast<size_t>(rows * y_stride), -7.0f);
    const std::vector<unsigned char> x_before = x.bytes();
    qrt_tensor x_t = matrix(x.data(), x_dtype, rows, cols, x_stride);
    qrt_tensor y_t = matrix(y.data(), y_dtype, rows, cols, y_stride);
    QRT_CHECK_OK(op(stream, &x_t, &y_t));

    const std::vector<double> expected = reference_rows(x.values(), rows, cols, x_stride, logarithm);
    const Tolerance tol = logarithm ? log_softmax_tolerance(cols, y_dtype) : softmax_tolerance(cols, y_dtype);
    char what[160];
    std::snprintf(what, sizeof what, "%s x %s -> %s [%lld, %lld] strides %lld/%lld spread %g",
                  logarithm ? "log_softmax" : "softmax", qrt_dtype_name(x_dtype), qrt_dtype_name(y_dtype),
                  static_cast<long long>(rows), static_cast<long long>(cols), static_cast<long long>(x_stride),
                  static_cast<long long>(y_stride), spread);
    all_close(read_rows(y, rows, cols, y_stride), expected, tol.atol, tol.rtol, what);
    QRT_CHECK(x.bytes() == x_before);
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = cols; c < y_stride; ++c) QRT_CHECK(y.get(static_cast<size_t>(r * y_stride + c)) == -7.0f);
    }
}

void test_softmax_values(Random& random) {
    const int64_t shapes[][2] = {{1, 1}, {3, 7}, {17, 33}, {4, 127}, {2, 1000}, {33, 17}, {1, 4099}};
    for (RowOp op : {qrt_softmax, qrt_log_softmax}) {
        const bool logarithm = op == qrt_log_softmax;
        for (qrt_dtype x_dtype : kFloatDtypes) {
            for (qrt_dtype y_dtype : kFloatDtypes) {
                for (const auto& shape : shapes) {
                    check_rows_op(op, logarithm, x_dtype, y_dtype, shape[0], shape[1], shape[1], shape[1], 3.0f,
                                  random);
                }
                check_rows_op(op, logarithm, x_dtype, y_dtype, 5, 33, 40, 37, 3.0f, random);
            }
        }
        // Logits around ±1e4 overflow exp without the max subtraction.
        check_rows_op(op, logarithm, QRT_DTYPE_F32, QRT_DTYPE_F32, 7, 127, 127, 127, 1e4f, random);
        check_rows_op(op, logarithm, QRT_DTYPE_BF16, QRT_DTYPE_F32, 3, 33, 33, 33, 1e4f, random);
    }
}

// y may be x: the same memory in and out, for every dtype.
void test_in_place(Random& random) {
    CpuStream stream;
    for (RowOp op : {qrt_softmax, qrt_log_softmax}) {
        const bool logarithm = op == qrt_log_softmax;
        for (qrt_dtype dtype : kFloatDtypes) {
            const int64_t rows = 6;
            const int64_t cols = 45;
            FloatBuffer x(dtype, random.normal(static_cast<size_t>(rows * cols), 2.0f));
            const std::vector<double> expected = reference_rows(x.values(), rows, cols, cols, logarithm);
            qrt_tensor t = tensor(x.data(), dtype, {rows, cols});
            QRT_CHECK_OK(op(stream, &t, &t));
            const Tolerance tol = logarithm ? log_softmax_tolerance(cols, dtype) : softmax_tolerance(cols, dtype);
            all_close(x.values(), expected, tol.atol, tol.rtol,
                      logarithm ? "log_softmax in place" : "softmax in place");
        }
    }
}

// Leading dimensions flatten into rows; a rank-1 tensor is one row.
void test_ranks(Random& random) {
    CpuStream stream;
    FloatBuffer x(QRT_DTYPE_F32, random.normal(2 * 3 * 11));
    FloatBuffer y(QRT_DTYPE_F32, x.size(), 0.0f);
    qrt_tensor x3 = tensor(x.data(), QRT_DTYPE_F32, {2, 3, 11});
    qrt_tensor y3 = tensor(y.data(), QRT_DTYPE_F32, {2, 3, 11});
    QRT_CHECK_OK(qrt_softmax(stream, &x3, &y3));
    all_close(y.values(), reference_rows(x.values(), 6, 11, 11, false), softmax_tolerance(11, QRT_DTYPE_F32).atol,
              softmax_tolerance(11, QRT_DTYPE_F32).rtol, "softmax rank 3");

    qrt_tensor x1 = tensor(x.data(), QRT_DTYPE_F32, {66});
    qrt_tensor y1 = tensor(y.data(), QRT_DTYPE_F32, {66});
    QRT_CHECK_OK(qrt_log_softmax(stream, &x1, &y1));
    all_close(y.values(), reference_rows(x.values(), 1, 66, 66, true), log_softmax_tolerance(66, QRT_DTYPE_F32).atol,
              log_softmax_tolerance(66, QRT_DTYPE_F32).rtol, "log_softmax rank 1");

    // No rows, or rows of no elements: nothing to do, and nothing read.
    qrt_tensor empty_rows = tensor(nullptr, QRT_DTYPE_F32, {0, 5});
    QRT_CHECK_OK(qrt_softmax(stream, &empty_rows, &empty_rows));
    qrt_tensor empty_cols = tensor(nullptr, QRT_DTYPE_F32, {4, 0});
    empty_cols.strides[0] = 1;  // the contiguous stride 0 is refused for an extent above 1
    QRT_CHECK_OK(qrt_log_softmax(stream, &empty_cols, &empty_cols));
}

// Rows with infinities and NaNs behave as in torch. With the maximum subtracted, an all −inf row meets
// −inf − (−inf) and a row holding +inf meets inf − inf; either NaN, like a NaN input, reaches the sum and
// so every element of the row: the whole row comes out NaN. A −inf next to finite values is simply a
// zero probability (log-probability −inf).
void test_special_values() {
    CpuStream stream;
    const std::vector<float> rows[] = {
        {-kInf, -kInf, -kInf},
        {kInf, 1.0f, 2.0f},
        {1.0f, kNaN, 2.0f},
        {-kInf, 0.0f, kInf},
    };
    for (RowOp op : {qrt_softmax, qrt_log_softmax}) {
        for (const std::vector<float>& row : rows) {
            std::vector<float> y(row.size(), 0.0f);
            qrt_tensor x_t = tensor(const_cast<float*>(row.data()), QRT_DTYPE_F32, {1, 3});
            qrt_tensor y_t = tensor(y.data(), QRT_DTYPE_F32, {1, 3});
            QRT_CHECK_OK(op(stream, &x_t, &y_t));
            for (float value : y) QRT_CHECK(std::isnan(value));
        }
    }
    std::vector<float> x = {-kInf, 0.0f, std::log(3.0f)};
    std::vector<float> y(3);
    qrt_tensor x_t = tensor(x.data(), QRT_DTYPE_F32, {3});
    qrt_tensor y_t = tensor(y.data(), QRT_DTYPE_F32, {3});
    QRT_CHECK_OK(qrt_softmax(stream, &x_t, &y_t));
    QRT_CHECK(y[0] == 0.0f);
    all_close({y[1], y[2]}, {0.25, 0.75}, 0.0, 4 * kUnitRoundoff, "softmax next to -inf");
    QRT_CHECK_OK(qrt_log_softmax(stream, &x_t, &y_t));
    QRT_CHECK(y[0] == -kInf);
    all_close({y[1], y[2]}, {std::log(0.25), std::log(0.75)}, 5 * kUnitRoundoff, 4 * kUnitRoundoff,
              "log_softmax next to -inf");
}

// Each row is computed by one thread in a fixed order, so the thread count does not change any bit.
void test_thread_count_invariance(Random& random) {
    CpuStream stream;
    const int64_t rows = 64;
    const int64_t cols = 1031;
    FloatBuffer x(QRT_DTYPE_F32, random.normal(static_cast<size_t>(rows * cols), 4.0f));
    qrt_tensor x_t = tensor(x.data(), QRT_DTYPE_F32, {rows, cols});
    for (RowOp op : {qrt_softmax, qrt_log_softmax}) {
        FloatBuffer one(QRT_DTYPE_F32, x.size(), 0.0f);
        FloatBuffer three(QRT_DTYPE_F32, x.size(), 0.0f);
        qrt_tensor one_t = tensor(one.data(), QRT_DTYPE_F32, {rows, cols});
        qrt_tensor three_t = tensor(three.data(), QRT_DTYPE_F32, {rows, cols});
        QRT_CHECK_OK(qrt_cpu_set_thread_count(1));
        QRT_CHECK_OK(op(stream, &x_t, &one_t));
        QRT_CHECK_OK(qrt_cpu_set_thread_count(3));
        QRT_CHECK_OK(op(stream, &x_t, &three_t));
        QRT_CHECK(one.bytes() == three.bytes());
    }
    QRT_CHECK_OK(qrt_cpu_set_thread_count(0));
}

// The index torch.argmax returns: the first largest value, a NaN counting as larger than anything.
int64_t reference_argmax(const std::vector<float>& row) {
    for (size_t i = 0; i < row.size(); ++i) {
        if (std::isnan(row[i])) return static_cast<int64_t>(i);
    }
    size_t best = 0;
    for (size_t i = 1; i < row.size(); ++i) {
        if (row[i] > row[best]) best = i;
    }
    return static_cast<int64_t>(best);
}

std::vector<int64_t> run_argmax(qrt_stream* stream, FloatBuffer& x, int64_t rows, int64_t cols, int64_t row_stride,
                                qrt_dtype index_dtype) {
    qrt_tensor x_t = matrix(x.data(), x.dtype(), rows, cols, row_stride);
    std::vector<int64_t> wide(static_cast<size_t>(rows), -1);
    std::vector<int32_t> narrow(static_cast<size_t>(rows), -1);
    qrt_tensor indices = index_dtype == QRT_DTYPE_I64 ? tensor(wide.data(), QRT_DTYPE_I64, {rows})
                                                      : tensor(narrow.data(), QRT_DTYPE_I32, {rows});
    QRT_CHECK_OK(qrt_argmax(stream, &x_t, &indices));
    if (index_dtype == QRT_DTYPE_I32) std::copy(narrow.begin(), narrow.end(), wide.begin());
    return wide;
}

void check_argmax(qrt_stream* stream, FloatBuffer& x, int64_t rows, int64_t cols, int64_t row_stride,
                  const char* what) {
    const std::vector<float> values = x.values();
    for (qrt_dtype index_dtype : {QRT_DTYPE_I32, QRT_DTYPE_I64}) {
        const std::vector<int64_t> actual = run_argmax(stream, x, rows, cols, row_stride, index_dtype);
        for (int64_t r = 0; r < rows; ++r) {
            const std::vector<float> row(values.begin() + r * row_stride, values.begin() + r * row_stride + cols);
            const int64_t expected = reference_argmax(row);
            if (actual[static_cast<size_t>(r)] != expected) {
                std::fprintf(stderr, "argmax %s (%s): row %lld gave %lld, expected %lld\n", what,
                             qrt_dtype_name(index_dtype), static_cast<long long>(r),
                             static_cast<long long>(actual[static_cast<size_t>(r)]), static_cast<long long>(expected));
                ++failures();
            }
        }
    }
}

void test_argmax(Random& random) {
    CpuStream stream;
    const int64_t shapes[][2] = {{1, 1}, {3, 7}, {17, 33}, {4, 127}, {2, 1000}, {7, 16}, {5, 17}};
    for (qrt_dtype dtype : kFloatDtypes) {
        for (const auto& shape : shapes) {
            const int64_t rows = shape[0];
            const int64_t cols = shape[1];
            FloatBuffer distinct(dtype, random.normal(static_cast<size_t>(rows * cols)));
            check_argmax(stream, distinct, rows, cols, cols, "random");
            // Few distinct values, so most rows have ties for the maximum.
            std::vector<float> levels(static_cast<size_t>(rows * cols));
            for (float& value : levels) value = static_cast<float>(random.integer(-3, 3));
            FloatBuffer tied(dtype, levels);
            check_argmax(stream, tied, rows, cols, cols, "ties");
        }
        FloatBuffer strided(dtype, random.normal(9 * 40));
        check_argmax(stream, strided, 9, 33, 40, "strided rows");
    }

    // NaN wins wherever it is, and the first NaN wins over later ones; infinities compare as usual.
    const int64_t cols = 37;  // two full lane blocks and a tail
    std::vector<std::vector<float>> rows;
    for (int64_t position : {0, 5, 16, 31, 36}) {
        std::vector<float> row = random.normal(cols);
        row[static_cast<size_t>(position)] = kNaN;
        rows.push_back(row);
    }
    std::vector<float> two_nans = random.normal(cols);
    two_nans[3] = 100.0f;
    two_nans[20] = kNaN;
    two_nans[33] = kNaN;
    rows.push_back(two_nans);
    rows.push_back(std::vector<float>(cols, -kInf));
    std::vector<float> infinities(cols, 0.0f);
    infinities[9] = kInf;
    infinities[30] = kInf;
    rows.push_back(infinities);
    std::vector<float> flat;
    for (const std::vector<float>& row : rows) flat.insert(flat.end(), row.begin(), row.end());
    for (qrt_dtype dtype : kFloatDtypes) {
        FloatBuffer special(dtype, flat);
        check_argmax(stream, special, static_cast<int64_t>(rows.size()), cols, cols, "special values");
    }
}

void test_bad_arguments() {
    CpuStream stream;
    std::vector<float> x(12, 0.0f);
    std::vector<float> y(12, 0.0f);
    qrt_tensor x_t = tensor(x.data(), QRT_DTYPE_F32, {3, 4});
    qrt_tensor y_t = tensor(y.data(), QRT_DTYPE_F32, {3, 4});

    for (RowOp op : {qrt_softmax, qrt_log_softmax}) {
        QRT_CHECK_FAILS(op(nullptr, &x_t, &y_t), QRT_STATUS_INVALID_ARGUMENT, "'stream'");
        QRT_CHECK_FAILS(op(stream, nullptr, &y_t), QRT_STATUS_INVALID_ARGUMENT, "'x'");
        QRT_CHECK_FAILS(op(stream, &x_t, nullptr), QRT_STATUS_INVALID_ARGUMENT, "'y'");

        qrt_tensor integer = tensor(x.data(), QRT_DTYPE_I32, {3, 4});
        QRT_CHECK_FAILS(op(stream, &integer, &y_t), QRT_STATUS_INVALID_ARGUMENT, "'x'");
        QRT_CHECK_FAILS(op(stream, &x_t, &integer), QRT_STATUS_INVALID_ARGUMENT, "'y'");

        qrt_tensor wider = tensor(y.data(), QRT_DTYPE_F32, {2, 6});
        QRT_CHECK_FAILS(op(stream, &x_t, &wider), QRT_STATUS_INVALID_ARGUMENT,
                        "'y': has shape [2, 6] but x has shape [3, 4]");

        qrt_tensor column_view = tensor(x.data(), QRT_DTYPE_F32, {4, 3});
        column_view.strides[0] = 1;
        column_view.strides[1] = 4;
        qrt_tensor y43 = tensor(y.data(), QRT_DTYPE_F32, {4, 3});
        QRT_CHECK_FAILS(op(stream, &column_view, &y43), QRT_STATUS_INVALID_ARGUMENT, "'x': the last dimension");

        qrt_tensor no_data = tensor(nullptr, QRT_DTYPE_F32, {3, 4});
        QRT_CHECK_FAILS(op(stream, &no_data, &y_t), QRT_STATUS_INVALID_ARGUMENT, "'x': data is NULL");

        qrt_tensor on_gpu = tensor(y.data(), QRT_DTYPE_F32, {3, 4}, qrt_device{QRT_BACKEND_CUDA, 0});
        QRT_CHECK_FAILS(op(stream, &x_t, &on_gpu), QRT_STATUS_INVALID_ARGUMENT, "'y': lives on cuda:0");
    }

    std::vector<int32_t> indices(3, 0);
    std::vector<int64_t> wide_indices(3, 0);
    qrt_tensor indices_t = tensor(indices.data(), QRT_DTYPE_I32, {3});
    QRT_CHECK_FAILS(qrt_argmax(nullptr, &x_t, &indices_t), QRT_STATUS_INVALID_ARGUMENT, "'stream'");
    QRT_CHECK_FAILS(qrt_argmax(stream, nullptr, &indices_t), QRT_STATUS_INVALID_ARGUMENT, "'x'");
    QRT_CHECK_FAILS(qrt_argmax(stream, &x_t, nullptr), QRT_STATUS_INVALID_ARGUMENT, "'indices'");
    qrt_tensor float_indices = tensor(y.data(), QRT_DTYPE_F32, {3});
    QRT_CHECK_FAILS(qrt_argmax(stream, &x_t, &float_indices), QRT_STATUS_INVALID_ARGUMENT, "'indices'");
    qrt_tensor integer_x = tensor(x.data(), QRT_DTYPE_I8, {3, 4});
    QRT_CHECK_FAILS(qrt_argmax(stream, &integer_x, &indices_t), QRT_STATUS_INVALID_ARGUMENT, "'x'");
    qrt_tensor too_few = tensor(indices.data(), QRT_DTYPE_I32, {2});
    QRT_CHECK_FAILS(qrt_argmax(stream, &x_t, &too_few), QRT_STATUS_INVALID_ARGUMENT, "'indices': must have 3");
    qrt_tensor strided_indices = tensor(wide_indices.data(), QRT_DTYPE_I32, {3});
    strided_indices.strides[0] = 2;
    QRT_CHECK_FAILS(qrt_argmax(stream, &x_t, &strided_indices), QRT_STATUS_INVALID_ARGUMENT,
                    "'indices': must be contiguous");
    qrt_tensor no_columns = tensor(x.data(), QRT_DTYPE_F32, {3, 0});
    QRT_CHECK_FAILS(qrt_argmax(stream, &no_columns, &indices_t), QRT_STATUS_INVALID_ARGUMENT, "'x'");
    qrt_tensor scalar = tensor(x.data(), QRT_DTYPE_F32, {});
    QRT_CHECK_FAILS(qrt_argmax(stream, &scalar, &indices_t), QRT_STATUS_INVALID_ARGUMENT, "'x'");
    qrt_tensor column_view = tensor(x.data(), QRT_DTYPE_F32, {3, 4});
    column_view.strides[1] = 3;
    QRT_CHECK_FAILS(qrt_argmax(stream, &column_view, &indices_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'x': the last dimension");
    qrt_tensor no_data = tensor(nullptr, QRT_DTYPE_F32, {3, 4});
    QRT_CHECK_FAILS(qrt_argmax(stream, &no_data, &indices_t), QRT_STATUS_INVALID_ARGUMENT, "'x': data is NULL");
    qrt_tensor on_gpu = tensor(indices.data(), QRT_DTYPE_I32, {3}, qrt_device{QRT_BACKEND_CUDA, 0});
    QRT_CHECK_FAILS(qrt_argmax(stream, &x_t, &on_gpu), QRT_STATUS_INVALID_ARGUMENT, "'indices': lives on cuda:0");
    // A row longer than I32 can index is refused before anything is read (the descriptor only claims the
    // elements; the check must come first).
    qrt_tensor huge_row = tensor(x.data(), QRT_DTYPE_F32, {1, int64_t{1} << 32});
    qrt_tensor one_index = tensor(indices.data(), QRT_DTYPE_I32, {1});
    QRT_CHECK_FAILS(qrt_argmax(stream, &huge_row, &one_index), QRT_STATUS_INVALID_ARGUMENT, "'indices': is I32");
}

}  // namespace

int main() {
    Random random(20240611);
    test_softmax_values(random);
    test_in_place(random);
    test_ranks(random);
    test_special_values();
    test_thread_count_invariance(random);
    test_argmax(random);
    test_bad_arguments();
    return finish("test_softmax");
}
