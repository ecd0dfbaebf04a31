// Rotary position embedding in the half-split ("rotate_half") convention, applied in place to
// [tokens, heads, dim] tensors. For i < half, with a = x[i] and b = x[i + half]:
//   x[i] = a·cos_i − b·sin_i,   x[i + half] = b·cos_i + a·sin_i,
// computed in FP32 and rounded once to x's dtype; dims from 2·half on are left untouched.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace qrt::cpu {

// Rotates every head of token t by the angles positions[t] · inv_freq[i], i < half (inv_freq F32,
// contiguous). 2·half <= x.dim.
void rope(const HeadsView& x, const IndexVector& positions, const float* inv_freq, int64_t half);

// Rotates every head of token t by the angles whose cosines and sines are row t of cos and sin
// (F32 [tokens, half] each). 2·half <= x.dim.
void rope_cos_sin(const HeadsView& x, const RowsView& cos, const RowsView& sin);

}  // namespace qrt::cpu
