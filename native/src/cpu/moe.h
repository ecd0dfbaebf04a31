// Mixture-of-experts routing: choose each token's experts, sort the (token, slot) pairs by expert so that each
// expert's rows are one contiguous segment, gather the tokens' rows in that order, and add the experts' outputs
// back into the tokens' rows. The grouped expert GEMMs run over the segments in between.
//
// The convention every MoE op shares: T tokens each choose k experts, giving R = T·k (token, slot) pairs; pair
// (t, slot) is routed row t·k + slot. "Rows sorted by expert" is a [R, H] matrix whose rows
// [expert_offsets[e], expert_offsets[e+1]) belong to expert e, expert_offsets being E + 1 cumulative counts.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace qrt::cpu {

// For each row of router_logits [T, E]: the softmax of the row in FP32 (cpu::softmax, so the very bits of
// qrt_softmax), then the top_k most probable experts, largest first and the lower index first on ties, into
// expert_ids [T, top_k]; their probabilities into expert_weights [T, top_k], divided by their sum (added in slot
// order) when renormalize is set. 1 <= top_k <= E.
void moe_route(const RowsView& router_logits, int64_t top_k, bool renormalize, int32_t* expert_ids,
               float* expert_weights);

// The first pair (t·k + slot) whose expert id is outside [0, num_experts), or -1 when every id is an expert.
int64_t first_expert_out_of_range(const int32_t* expert_ids, int64_t pairs, int64_t num_experts);

// A stable counting sort of the `pairs` (token, slot) pairs by expert id (every id in [0, num_experts)):
// sorted_rows [pairs] lists the pairs expert by expert, in increasing pair order within an expert;
// expert_offsets [num_experts + 1] the cumulative counts; row_positions [pairs] where each pair landed.
void moe_sort(const int32_t* expert_ids, int64_t pairs, int64_t num_experts, int32_t* sorted_rows,
              int32_t* expert_offsets, int32_t* row_positions);

// The first entry of sorted_rows [count] outside [0, pairs), or -1 when every entry is a routed row.
int64_t first_row_out_of_range(const int32_t* sorted_rows, int64_t count, int64_t pairs);

// xs[i] = x[sorted_rows[i] / top_k] for each of xs.rows rows (same dtype; every entry in [0, x.rows·top_k)).
void moe_gather(const RowsView& x, const int32_t* sorted_rows, int64_t top_k, const RowsView& xs);

// The first pair whose row position is neither -1 (dropped) nor in [0, rows), or -1 when there is none.
int64_t first_position_out_of_range(const int32_t* row_positions, int64_t pairs, int64_t rows);

// y[t] = Σ over the slots of token t, in increasing expert id (slot order on equal ids), of
// expert_weights[t][slot] · expert_out[row_positions[t][slot]], each product and each sum rounded to FP32 in turn
// from 0, then rounded to y's dtype. A slot whose position is -1 adds nothing. y has y.rows = T tokens;
// row_positions, expert_weights and expert_ids are [T, top_k].
void moe_combine(const RowsView& expert_out, const int32_t* row_positions, const float* expert_weights,
                 const int32_t* expert_ids, int64_t top_k, const RowsView& y);

}  // namespace qrt::cpu
