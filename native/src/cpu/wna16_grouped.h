// CPU kernels of the grouped W4A16 ops for mixture-of-experts layers (qrt_gemm_wna16_repacked_grouped,
// qrt_gather_columns_grouped): each expert's segment of rows through the ungrouped kernel with the expert's slice.
// They are the oracle of the CUDA kernels. Views, offsets and indices are validated by the entry points
// (native/src/api/wna16_grouped_api.cpp): expert_offsets holds E + 1 row bounds rising from 0 to the row count.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "core/wna16_stacked.h"

namespace qrt::cpu {

// Rows [expert_offsets[e], expert_offsets[e + 1]) of y = those rows of x times expert e's weight (+ bias row e).
void gemm_wna16_repacked_grouped(const RowsView& x, const wna16::StackedRepackedInt4& w, const ScaleVector& bias,
                                 const int32_t* expert_offsets, const RowsView& y);

// Rows of segment e: y[r][j] = x[r][indices[e][j]], indices I32 [E, K] with every index in [0, K).
void gather_columns_grouped(const RowsView& x, const int32_t* indices, const int32_t* expert_offsets, int64_t experts,
                            const RowsView& y);

}  // namespace qrt::cpu
