// One qrt_attention problem, shared by the CPU test and the CUDA test: the layouts of q, k, v and out, the mask
// and the scale.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "test_tensors.h"

namespace qrt_test {

struct Problem {
    HeadsLayout q;
    HeadsLayout k;
    HeadsLayout v;
    HeadsLayout out;
    std::vector<int32_t> segments;  // empty: none
    int32_t causal = 1;
    int32_t sliding_window = 0;
    float scale = 0.0f;  // 0: 1/sqrt(D)
};

inline float scale_of(const Problem& p) {
    return p.scale != 0.0f ? p.scale : 1.0f / std::sqrt(static_cast<float>(p.q.dim));
}

// q, k, v and out each contiguous in a buffer of its own.
inline Problem simple_problem(int64_t q_tokens, int64_t k_tokens, int64_t q_heads, int64_t kv_heads, int64_t dim,
                              int64_t value_dim, int32_t causal) {
    Problem p;
    p.q = contiguous_heads(q_tokens, q_heads, dim);
    p.k = contiguous_heads(k_tokens, kv_heads, dim);
    p.v = contiguous_heads(k_tokens, kv_heads, value_dim);
    p.out = contiguous_heads(q_tokens, q_heads, value_dim);
    p.causal = causal;
    return p;
}

}  // namespace qrt_test
