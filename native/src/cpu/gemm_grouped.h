// CPU kernels of the grouped expert linear layers and the per-expert static quantization (qrt.h, "Grouped expert
// linear layers"): for each expert, the ungrouped CPU kernel (cpu/gemm.h, cpu/quantize.h) on its slice of the sorted
// rows with its own weights, scales and bias, so each segment gets exactly what the ungrouped op would give it.
// The views and the offsets are validated by the entry points (native/src/api/gemm_grouped_api.cpp): the offsets
// rise from 0 to R, and every per-expert operand has E experts.
#pragma once

#include "core/expert_groups.h"
#include "core/tensor.h"

namespace qrt::cpu {

// Dense: x and w F32, F16 or BF16.
void gemm_grouped(const RowsView& x, const ExpertMatrices& w, const GroupedVector& bias, const ExpertOffsets& offsets,
                  const RowsView& y);

// INT8 W8A8: a and w I8.
void gemm_w8a8_int8_grouped(const RowsView& a, const GroupedVector& a_scale, const GroupedZeroPoint& a_zero_point,
                            const ExpertMatrices& w, const GroupedVector& w_scale, const GroupedVector& bias,
                            const ExpertOffsets& offsets, const RowsView& y);

// FP8 W8A8: a and w F8_E4M3.
void gemm_w8a8_fp8_grouped(const RowsView& a, const GroupedVector& a_scale, const ExpertMatrices& w,
                           const GroupedVector& w_scale, const GroupedVector& bias, const ExpertOffsets& offsets,
                           const RowsView& y);

// FP8 weight-only: x F32, F16 or BF16; w F8_E4M3.
void gemm_w8a16_fp8_grouped(const RowsView& x, const ExpertMatrices& w, const GroupedVector& w_scale,
                            const GroupedVector& bias, const ExpertOffsets& offsets, const RowsView& y);

// Static per-tensor quantization with each expert's own scale (and zero point) on its rows.
void quantize_int8_grouped(const RowsView& x, const GroupedVector& scale, const GroupedZeroPoint& zero_point,
                           const ExpertOffsets& offsets, const RowsView& q);
void quantize_fp8_grouped(const RowsView& x, const GroupedVector& scale, const ExpertOffsets& offsets,
                          const RowsView& q);

}  // namespace qrt::cpu
