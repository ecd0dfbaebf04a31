// CPU kernels of the repacked W4A16 layout (core/wna16_layout.h): the repack, which is the oracle of the CUDA
// repack (same bytes), and the GEMM on the repacked weight, which decodes it into the FP32 panels of the shared
// GEMM core. Views are validated by the entry points (native/src/api/wna16_repacked_api.cpp).
#pragma once

#include "core/tensor.h"
#include "core/wna16_layout.h"

namespace qrt::cpu {

// Writes target's weight, scale and (when both have one) zero point from source.
void repack_wna16(const wna16::PackedInt4& source, const wna16::RepackedInt4& target);

// y = x·Wᵀ (+ bias) with W[n][k] = (q − z) · scale[g][n]: the same panels, so the same bits, as qrt_gemm_wna16
// on the weight before the repack. x F32, F16 or BF16.
void gemm_wna16_repacked(const RowsView& x, const wna16::RepackedInt4& w, const ScaleVector& bias,
                         const RowsView& y);

}  // namespace qrt::cpu
