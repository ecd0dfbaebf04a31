// Scaled dot-product attention with grouped-query heads over a contiguous key/value sequence: block-
// diagonal segments, causal and sliding-window masks, softmax in FP32.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace qrt::cpu {

// Which keys each query sees (the rules of qrt_attention in qrt.h).
struct AttentionMask {
    // Cumulative segment offsets 0 = s0 <= ... <= sS = Tq = Tk (segment_count + 1 values), or NULL for one
    // sequence whose queries are the last Tq of the Tk keys.
    const int32_t* segment_offsets = nullptr;
    int64_t segment_count = 0;
    // A query at position p sees keys at positions <= p only.
    bool causal = false;
    // 0, or W: a query at position p sees keys at positions > p − W only.
    int64_t sliding_window = 0;
};

// out[i][h] = Σj softmax_j(scale · q[i][h]·k[j][g]) · v[j][g] over the keys j query i sees, with
// g = h / (Hq / Hkv). Scores, softmax and the weighted sum run in FP32; each output row is rounded once.
// A query that sees no key gets zeros. q [Tq, Hq, D], k [Tk, Hkv, D], v [Tk, Hkv, Dv], out [Tq, Hq, Dv],
// Hkv >= 1 dividing Hq.
void attention(const HeadsView& q, const HeadsView& k, const HeadsView& v, const AttentionMask& mask, float scale,
               const HeadsView& out);

}  // namespace qrt::cpu
