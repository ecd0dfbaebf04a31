// Normalisation kernels: RMSNorm (alone and fused with the residual add) and LayerNorm, one row at a
// time in FP32.
#pragma once

#include <optional>

#include "core/tensor.h"

namespace qrt::cpu {

// y = weight · round_x(x / sqrt(mean(x²) + eps)) per row, where round_x rounds to x's dtype and back, as
// transformers' LlamaRMSNorm does. weight holds cols contiguous elements; y may be x.
void rms_norm(const RowsView& x, const TensorRef& weight, float eps, const RowsView& y);

// residual = round_residual(x + residual) in place, then y = rms_norm(residual) with residual's dtype in
// the role of x's. y may be x; it does not overlap residual.
void add_rms_norm(const RowsView& x, const RowsView& residual, const TensorRef& weight, float eps, const RowsView& y);

// y = (x − mean) / sqrt(var + eps) · weight (+ bias) per row, with the biased variance. weight and bias
// hold cols contiguous elements; y may be x.
void layer_norm(const RowsView& x, const TensorRef& weight, const std::optional<TensorRef>& bias, float eps,
                const RowsView& y);

}  // namespace qrt::cpu
