// Argument checks shared by the entry points of the linear-layer families (gemm_api.cpp, wna16_repacked_api.cpp).
#pragma once

#include <cstdint>
#include <optional>

#include "core/tensor.h"
#include "qrt.h"

namespace qrt::linear_args {

// ceil(value / divisor) for value >= 0 and divisor > 0, without overflowing on huge divisors.
inline int64_t ceil_div(int64_t value, int64_t divisor) { return value == 0 ? 0 : (value - 1) / divisor + 1; }

// The optional bias: N contiguous float elements. Count 0 when absent.
inline ScaleVector bias_vector(const OpArgs& args, const qrt_tensor* bias, int64_t n) {
    const std::optional<TensorRef> ref = args.optional_tensor("bias", bias, float_dtypes());
    if (!ref) return ScaleVector{};
    args.require(ref->numel() == n, "bias", "must have one element per output feature (N = ", n, "), got shape ",
                 ref->shape_string());
    args.require(ref->is_contiguous(), "bias", "must be contiguous");
    return ScaleVector{ref->data, ref->dtype, n};
}

}  // namespace qrt::linear_args
