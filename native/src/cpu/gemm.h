// CPU kernels of the linear-layer (GEMM) family: y = x·Wᵀ (+ bias) for dense, integer weight-only,
// INT8 W8A8 and FP8 weights. They take views validated by the entry points (native/src/api/gemm_api.cpp)
// and do not check them again: x and y have the same rows, y has one column per weight row, x one
// per weight column; a bias, where present (count > 0), has one element per output column.
#pragma once

#include <cstdint>
#include <optional>

#include "core/tensor.h"

namespace qrt::cpu {

// Dense: x and w F32, F16 or BF16.
void gemm(const RowsView& x, const RowsView& w, const ScaleVector& bias, const RowsView& y);

// A weight in the compressed-tensors pack-quantized layout (see qrt_gemm_wna16 in qrt.h).
struct PackedIntWeight {
    RowsView packed;                         // I32 [N, ceil(K / values_per_word)]
    RowsView scale;                          // F32/F16/BF16 [N, groups]
    std::optional<RowsView> zero_point;      // I32 [ceil(N / values_per_word), groups], packed along N
    std::optional<IndexVector> group_index;  // I32 [K], each value in [0, groups)
    int num_bits = 4;                        // 4 or 8
    int64_t group_size = 0;                  // 0: one group per row
    int64_t groups = 1;
};

// Integer weight-only (W4A16 / W8A16): x F32, F16 or BF16.
void gemm_wna16(const RowsView& x, const PackedIntWeight& w, const ScaleVector& bias, const RowsView& y);

// INT8 W8A8 with exact integer accumulation: a and w I8; a_zero_point (if any) holds one I32.
void gemm_w8a8_int8(const RowsView& a, const ScaleVector& a_scale, const std::optional<IndexVector>& a_zero_point,
                    const RowsView& w, const ScaleVector& w_scale, const ScaleVector& bias, const RowsView& y);

// FP8 W8A8: a and w F8_E4M3.
void gemm_w8a8_fp8(const RowsView& a, const ScaleVector& a_scale, const RowsView& w, const ScaleVector& w_scale,
                   const ScaleVector& bias, const RowsView& y);

// FP8 weight-only (W8A16): x F32, F16 or BF16; w F8_E4M3.
void gemm_w8a16_fp8(const RowsView& x, const RowsView& w, const ScaleVector& w_scale, const ScaleVector& bias,
                    const RowsView& y);

}  // namespace qrt::cpu
