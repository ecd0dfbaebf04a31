// Arithmetic shared by the attention kernels: reading rows as FP32 and a softmax-weighted sum of value
// rows computed in one pass over the keys.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "cpu/row_convert.h"
#include "cpu/vector_math.h"
#include "qrt.h"

namespace qrt::cpu {

// Points at a row as FP32: F32 rows are read where they are, other dtypes are converted into scratch.
inline const float* row_f32(const char* row, qrt_dtype dtype, int64_t count, float* scratch) {
    if (dtype == QRT_DTYPE_F32) return reinterpret_cast<const float*>(row);
    load_row_f32(row, dtype, count, scratch);
    return scratch;
}

// Σj softmax_j(score_j) · value_j accumulated one key at a time, so the keys are read once and no score
// array is kept (Milakov and Gimelshein's online softmax). The running sum is kept relative to the
// largest score seen so far, and rescaled when a larger one arrives, so no exp() overflows.
class OnlineSoftmax {
public:
    explicit OnlineSoftmax(int64_t value_dim) : weighted_sum_(static_cast<size_t>(value_dim)) {}

    void reset() {
        std::fill(weighted_sum_.begin(), weighted_sum_.end(), 0.0f);
        largest_ = -std::numeric_limits<float>::infinity();
        total_weight_ = 0.0f;
    }

    // Adds one key: its score and its value row (value_dim FP32 values).
    void add(float score, const float* value) {
        const int64_t dim = static_cast<int64_t>(weighted_sum_.size());
        if (score > largest_) {
            // exp(-inf) is 0, so the first key needs no special case.
            const float rescale = std::exp(largest_ - score);
            for (float& element : weighted_sum_) element *= rescale;
            total_weight_ *= rescale;
            largest_ = score;
        }
        const float weight = std::exp(score - largest_);
        total_weight_ += weight;
        add_scaled(weighted_sum_.data(), value, weight, dim);
    }

    // Writes the weighted mean of the values added since reset() (zeros if none were) to out.
    void finish(float* out) const {
        const int64_t dim = static_cast<int64_t>(weighted_sum_.size());
        for (int64_t d = 0; d < dim; ++d) {
            out[d] = total_weight_ > 0.0f ? weighted_sum_[static_cast<size_t>(d)] / total_weight_ : 0.0f;
        }
    }

private:
    std::vector<float> weighted_sum_;
    float largest_ = -std::numeric_limits<float>::infinity();
    float total_weight_ = 0.0f;
};

}  // namespace qrt::cpu
