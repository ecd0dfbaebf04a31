#include "cpu/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu/row_convert.h"
#include "cpu/simd.h"
#include "cpu/thread_pool.h"
#include "cpu/vector_math.h"

namespace qrt::cpu {
namespace {

constexpr float kNegativeInfinity = -std::numeric_limits<float>::infinity();

// A chunk of rows should cover at least this many elements; smaller chunks cost more to hand to a
// thread than they save.
constexpr int64_t kElementsPerChunk = 1 << 14;

int64_t row_grain(int64_t cols) { return std::max<int64_t>(1, kElementsPerChunk / std::max<int64_t>(cols, 1)); }

// The largest value, ignoring NaNs (a comparison with NaN is false, so NaN never replaces a lane's value);
// −inf for an empty run.
QRT_MULTIVERSION
float max_of(const float* values, int64_t count) {
    float lanes[kLanes];
    std::fill(lanes, lanes + kLanes, kNegativeInfinity);
    int64_t i = 0;
    for (; i + kLanes <= count; i += kLanes) {
        for (int j = 0; j < kLanes; ++j) lanes[j] = values[i + j] > lanes[j] ? values[i + j] : lanes[j];
    }
    float largest = kNegativeInfinity;
    for (int j = 0; j < kLanes; ++j) largest = lanes[j] > largest ? lanes[j] : largest;
    for (; i < count; ++i) largest = values[i] > largest ? values[i] : largest;
    return largest;
}

// Σ exp(values[i]), with the same fixed-order lanes as sum().
QRT_MULTIVERSION
float sum_of_exp(const float* values, int64_t count) {
    float lanes[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= count; i += kLanes) {
        for (int j = 0; j < kLanes; ++j) lanes[j] += std::exp(values[i + j]);
    }
    float total = 0.0f;
    for (int j = 0; j < kLanes; ++j) total += lanes[j];
    for (; i < count; ++i) total += std::exp(values[i]);
    return total;
}

// Subtracting the row maximum keeps every exponent <= 0, so nothing overflows however large the logits
// are. A NaN in the row, or an inf − inf (the maximum is +inf, or every value is −inf), makes the sum NaN,
// and dividing by the sum spreads it over the whole row, as torch does.
QRT_MULTIVERSION
void softmax_row(float* values, int64_t count) {
    const float largest = max_of(values, count);
    for (int64_t i = 0; i < count; ++i) values[i] = std::exp(values[i] - largest);
    const float total = sum(values, count);
    for (int64_t i = 0; i < count; ++i) values[i] = values[i] / total;
}

QRT_MULTIVERSION
void log_softmax_row(float* values, int64_t count) {
    const float largest = max_of(values, count);
    for (int64_t i = 0; i < count; ++i) values[i] = values[i] - largest;
    const float log_total = std::log(sum_of_exp(values, count));
    for (int64_t i = 0; i < count; ++i) values[i] = values[i] - log_total;
}

// Index of the largest value of a non-empty run: the first on ties and, as torch.argmax, the first NaN if
// there is one. A vectorisable pass finds the maximum and whether any NaN is present; a second pass
// stops at the first element that matches.
QRT_MULTIVERSION
int64_t argmax_of(const float* values, int64_t count) {
    float lanes[kLanes];
    std::fill(lanes, lanes + kLanes, kNegativeInfinity);
    int nan_lanes[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= count; i += kLanes) {
        for (int j = 0; j < kLanes; ++j) {
            const float value = values[i + j];
            lanes[j] = value > lanes[j] ? value : lanes[j];
            nan_lanes[j] |= std::isnan(value) ? 1 : 0;
        }
    }
    float largest = kNegativeInfinity;
    bool has_nan = false;
    for (int j = 0; j < kLanes; ++j) {
        largest = lanes[j] > largest ? lanes[j] : largest;
        has_nan = has_nan || nan_lanes[j] != 0;
    }
    for (; i < count; ++i) {
        largest = values[i] > largest ? values[i] : largest;
        has_nan = has_nan || std::isnan(values[i]);
    }
    for (int64_t k = 0; k < count; ++k) {
        if (has_nan ? std::isnan(values[k]) : values[k] == largest) return k;
    }
    return 0;  // not reached: without NaNs, largest is one of the values (−inf if they all are)
}

// Runs row_body(values, row) on every row of x loaded into FP32, with the rows split between threads.
template <class RowBody>
void for_each_row_f32(const RowsView& x, RowBody row_body) {
    parallel_for(x.rows, row_grain(x.cols), [&](int64_t begin, int64_t end) {
        std::vector<float> values(static_cast<size_t>(x.cols));
        for (int64_t r = begin; r < end; ++r) {
            load_row_f32(x.row(r), x.dtype, x.cols, values.data());
            row_body(values.data(), r);
        }
    });
}

}  // namespace

void softmax(const RowsView& x, const RowsView& y) {
    if (x.cols == 0) return;
    for_each_row_f32(x, [&](float* values, int64_t r) {
        softmax_row(values, x.cols);
        store_row_f32(values, x.cols, y.row(r), y.dtype);
    });
}

void log_softmax(const RowsView& x, const RowsView& y) {
    if (x.cols == 0) return;
    for_each_row_f32(x, [&](float* values, int64_t r) {
        log_softmax_row(values, x.cols);
        store_row_f32(values, x.cols, y.row(r), y.dtype);
    });
}

void argmax(const RowsView& x, void* indices, qrt_dtype index_dtype) {
    for_each_row_f32(x, [&](float* values, int64_t r) {
        const int64_t index = argmax_of(values, x.cols);
        if (index_dtype == QRT_DTYPE_I64) {
            static_cast<int64_t*>(indices)[r] = index;
        } else {
            static_cast<int32_t*>(indices)[r] = static_cast<int32_t>(index);
        }
    });
}

}  // namespace qrt::cpu
