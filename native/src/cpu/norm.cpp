#include "cpu/norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/dtype.h"
#include "cpu/row_convert.h"
#include "cpu/simd.h"
#include "cpu/thread_pool.h"
#include "cpu/vector_math.h"

namespace qrt::cpu {
namespace {

// Elements one parallel chunk handles at least, so that waking a worker pays off. A row is never split:
// its reduction belongs to one thread, in one order.
constexpr int64_t kChunkElements = int64_t{1} << 14;

int64_t rows_per_chunk(int64_t cols) { return std::max<int64_t>(1, kChunkElements / std::max<int64_t>(cols, 1)); }

// Rounds each value to dtype's precision and back to FP32.
void round_to_dtype(float* values, int64_t count, qrt_dtype dtype) {
    switch (dtype) {
        case QRT_DTYPE_F16:
            for (int64_t i = 0; i < count; ++i) values[i] = f16_to_f32(f32_to_f16(values[i]));
            return;
        case QRT_DTYPE_BF16:
            for (int64_t i = 0; i < count; ++i) values[i] = bf16_to_f32(f32_to_bf16(values[i]));
            return;
        default: return;  // FP32 holds the values as they are
    }
}

// LlamaRMSNorm of one row, in place. The normalised row is rounded to the dtype the model's activations
// are stored in before the weight multiplies it, because transformers casts it back to that dtype first.
QRT_MULTIVERSION
void rms_normalize(float* values, int64_t count, const float* weight, float eps, qrt_dtype activation_dtype) {
    const float mean_square = sum_of_squares(values, count) / static_cast<float>(count);
    const float inverse_rms = 1.0f / std::sqrt(mean_square + eps);
    for (int64_t i = 0; i < count; ++i) values[i] *= inverse_rms;
    round_to_dtype(values, count, activation_dtype);
    for (int64_t i = 0; i < count; ++i) values[i] *= weight[i];
}

// LayerNorm of one row, in place. The variance is taken of the deviations from the mean (two passes)
// rather than as mean(x²) − mean², which would cancel catastrophically for rows far from zero.
QRT_MULTIVERSION
void layer_normalize(float* values, int64_t count, const float* weight, const float* bias, float eps) {
    const float mean = sum(values, count) / static_cast<float>(count);
    for (int64_t i = 0; i < count; ++i) values[i] -= mean;
    const float variance = sum_of_squares(values, count) / static_cast<float>(count);
    const float inverse_std = 1.0f / std::sqrt(variance + eps);
    for (int64_t i = 0; i < count; ++i) values[i] = values[i] * inverse_std * weight[i];
    if (bias != nullptr) {
        for (int64_t i = 0; i < count; ++i) values[i] += bias[i];
    }
}

// A weight or bias vector of `count` contiguous elements, widened to FP32 once for all rows.
std::vector<float> load_vector(const TensorRef& vector, int64_t count) {
    std::vector<float> values(static_cast<size_t>(count));
    load_row_f32(vector.data, vector.dtype, count, values.data());
    return values;
}

}  // namespace

void rms_norm(const RowsView& x, const TensorRef& weight, float eps, const RowsView& y) {
    if (x.rows == 0 || x.cols == 0) return;
    const std::vector<float> weights = load_vector(weight, x.cols);
    parallel_for(x.rows, rows_per_chunk(x.cols), [&](int64_t begin, int64_t end) {
        std::vector<float> row(static_cast<size_t>(x.cols));
        for (int64_t r = begin; r < end; ++r) {
            // The whole row is read before any of it is written, so y may be x.
            load_row_f32(x.row(r), x.dtype, x.cols, row.data());
            rms_normalize(row.data(), x.cols, weights.data(), eps, x.dtype);
            store_row_f32(row.data(), x.cols, y.row(r), y.dtype);
        }
    });
}

void add_rms_norm(const RowsView& x, const RowsView& residual, const TensorRef& weight, float eps, const RowsView& y) {
    if (x.rows == 0 || x.cols == 0) return;
    const std::vector<float> weights = load_vector(weight, x.cols);
    parallel_for(x.rows, rows_per_chunk(x.cols), [&](int64_t begin, int64_t end) {
        std::vector<float> row(static_cast<size_t>(x.cols));
        std::vector<float> residual_row(static_cast<size_t>(x.cols));
        for (int64_t r = begin; r < end; ++r) {
            load_row_f32(x.row(r), x.dtype, x.cols, row.data());
            load_row_f32(residual.row(r), residual.dtype, x.cols, residual_row.data());
            add_into(row.data(), residual_row.data(), x.cols);
            // The norm sees the sum exactly as the residual stream stores it.
            round_to_dtype(row.data(), x.cols, residual.dtype);
            store_row_f32(row.data(), x.cols, residual.row(r), residual.dtype);
            rms_normalize(row.data(), x.cols, weights.data(), eps, residual.dtype);
            store_row_f32(row.data(), x.cols, y.row(r), y.dtype);
        }
    });
}

void layer_norm(const RowsView& x, const TensorRef& weight, const std::optional<TensorRef>& bias, float eps,
                const RowsView& y) {
    if (x.rows == 0 || x.cols == 0) return;
    const std::vector<float> weights = load_vector(weight, x.cols);
    const std::vector<float> biases = bias ? load_vector(*bias, x.cols) : std::vector<float>();
    parallel_for(x.rows, rows_per_chunk(x.cols), [&](int64_t begin, int64_t end) {
        std::vector<float> row(static_cast<size_t>(x.cols));
        for (int64_t r = begin; r < end; ++r) {
            load_row_f32(x.row(r), x.dtype, x.cols, row.data());
            layer_normalize(row.data(), x.cols, weights.data(), bias ? biases.data() : nullptr, eps);
            store_row_f32(row.data(), x.cols, y.row(r), y.dtype);
        }
    });
}

}  // namespace qrt::cpu
