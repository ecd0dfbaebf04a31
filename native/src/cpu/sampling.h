// Token sampling from rows of logits (qrt_sample): greedy, temperature, top-k and top-p, with a counter-based
// generator, drawing the same token as the CUDA kernel from the same inputs (see core/sampling_math.h).
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace qrt::cpu {

// ids[r] = a token drawn from row r of logits as qrt.h describes qrt_sample; counter[r] += 1 for every row.
// temperature, top_k, top_p, seed and counter hold logits.rows values each, already checked by the API.
void sample(const RowsView& logits, const float* temperature, const int32_t* top_k, const float* top_p,
            const uint64_t* seed, int64_t* counter, int32_t* ids);

}  // namespace qrt::cpu
