// Moving contiguous runs of elements between their storage dtype and FP32, the form CPU kernels
// compute in. The dtype switch happens once per run, not once per element.
#pragma once

#include <cstdint>

#include "qrt.h"

namespace qrt::cpu {

// dst[i] = src[i] as FP32 for i < count. Integer dtypes convert by value.
void load_row_f32(const void* src, qrt_dtype dtype, int64_t count, float* dst);

// dst[i] = src[i] rounded to dtype (F32, F16, BF16 or F8_E4M3, round to nearest even; F8 saturates).
void store_row_f32(const float* src, int64_t count, void* dst, qrt_dtype dtype);

}  // namespace qrt::cpu
