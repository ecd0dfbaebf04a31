// CPU kernels that quantize activations for the W8A8 GEMMs: float rows to INT8 or F8_E4M3, with one
// scale per row computed from the data (dynamic) or one given scale for the whole tensor (static).
// Views are validated by the entry points (native/src/api/quantize_api.cpp): q has x's rows and columns.
#pragma once

#include <optional>

#include "core/tensor.h"

namespace qrt::cpu {

// Per row: scale = max|x| / 127 (written to scale_out[row]), q = sat(round_half_even(x / scale)); a row
// of zeros gets scale 0 and q = 0.
void quantize_int8_dynamic(const RowsView& x, const RowsView& q, float* scale_out);

// q = sat(round_half_even(x / scale) + zero_point), zero_point 0 when absent; scale holds one element.
void quantize_int8_static(const RowsView& x, const ScaleVector& scale, const std::optional<IndexVector>& zero_point,
                          const RowsView& q);

// Per row: scale = max|x| / 448 (written to scale_out[row]), q = e4m3(x / scale); a row of zeros gets
// scale 0 and q = 0.
void quantize_fp8_dynamic(const RowsView& x, const RowsView& q, float* scale_out);

// q = e4m3(x / scale); scale holds one element.
void quantize_fp8_static(const RowsView& x, const ScaleVector& scale, const RowsView& q);

}  // namespace qrt::cpu
