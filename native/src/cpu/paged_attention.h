// Block-paged KV caches: writing new tokens' keys and values into their slots, and causal grouped-query
// attention of several sequences over their caches through block tables.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace qrt::cpu {

// A cache [num_blocks, block_size, Hkv, D] is passed as the HeadsView [num_blocks·block_size, Hkv, D] of its
// slots: slot b·block_size + r is row r of block b.

// Where each sequence's queries and keys are (the rules of qrt_paged_attention in qrt.h, already checked).
struct PagedSequences {
    // Cumulative query offsets 0 = q0 <= ... <= qS = Tq (sequence_count + 1 values).
    const int32_t* query_starts = nullptr;
    // Keys of each sequence (sequence_count values); its queries are its last qs+1 − qs positions.
    const int32_t* context_lengths = nullptr;
    // Row-major [sequence_count, max_blocks_per_sequence]: entry [s][b] is the cache block holding key
    // positions [b·block_size, (b + 1)·block_size) of sequence s.
    const int32_t* block_tables = nullptr;
    int64_t sequence_count = 0;
    int64_t max_blocks_per_sequence = 0;
    int64_t block_size = 1;
    // 0, or W: a query at position p sees keys at positions > p − W only.
    int64_t sliding_window = 0;
};

// k_cache slot slots[t] = k[t] and v_cache slot slots[t] = v[t] for every t with slots[t] >= 0, rounded to
// the caches' dtypes. Slots are distinct and in range. k [T, Hkv, D], v [T, Hkv, Dv]; caches as slot views.
void kv_cache_write(const HeadsView& k, const HeadsView& v, const IndexVector& slots, const HeadsView& k_cache,
                    const HeadsView& v_cache);

// out[i][h] = Σp softmax_p(scale · q[i][h]·k[p][g]) · v[p][g] over the key positions p query i sees in its
// sequence, read from the caches through the sequence's block table, with g = h / (Hq / Hkv). Scores,
// softmax and the weighted sum run in FP32 in one pass over the keys; each output row is rounded once.
// q [Tq, Hq, D], out [Tq, Hq, Dv]; caches as slot views with Hkv >= 1 dividing Hq.
void paged_attention(const HeadsView& q, const HeadsView& k_cache, const HeadsView& v_cache,
                     const PagedSequences& sequences, float scale, const HeadsView& out);

}  // namespace qrt::cpu
