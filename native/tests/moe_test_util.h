// What the mixture-of-experts routing tests share: the shapes, their labels, and router logits whose choices no
// rounding can change.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "qrt.h"
#include "test_util.h"

namespace qrt_test {

struct MoeShape {
    int64_t tokens;
    int64_t experts;
    int64_t top_k;
};

inline std::string moe_label(const char* op, const MoeShape& s, qrt_dtype dtype) {
    return std::string(op) + " T=" + std::to_string(s.tokens) + " E=" + std::to_string(s.experts) +
           " k=" + std::to_string(s.top_k) + " " + qrt_dtype_name(dtype);
}

// Logits on a grid of 1/8 in [-4, 4] with exact ties: distinct logits give probabilities a factor e^(1/8) apart, far
// beyond any rounding, so an exact reference, the CPU op and the CUDA op must choose the same experts. Every third
// row repeats its largest logit at other experts; row 1 is all equal; with `nan_row`, row 2 holds a NaN.
inline std::vector<float> grid_logits(const MoeShape& s, Random& random, bool nan_row) {
    std::vector<float> logits(static_cast<size_t>(s.tokens * s.experts));
    for (float& value : logits) value = static_cast<float>(random.integer(-32, 32)) / 8.0f;
    for (int64_t t = 0; t < s.tokens; ++t) {
        float* row = logits.data() + t * s.experts;
        if (t % 3 == 0) {
            const float largest = *std::max_element(row, row + s.experts);
            for (int64_t e = 1; e < s.experts; e += 2) row[e] = largest;
        }
        if (t == 1) std::fill(row, row + s.experts, 0.5f);
        if (nan_row && t == 2) row[s.experts / 2] = std::nanf("");
    }
    return logits;
}

}  // namespace qrt_test
