// Reductions and updates over runs of FP32 values, shared by the CPU kernels. Reductions keep one
// partial sum per vector lane (see simd.h) and add the lanes in a fixed order, so a result depends only on
// the values, not on the instruction set or on how work was split between threads.
#pragma once

#include <cstdint>

namespace qrt::cpu {

float sum(const float* values, int64_t count);
float sum_of_squares(const float* values, int64_t count);
float dot(const float* a, const float* b, int64_t count);

// sums[i] += addends[i]
void add_into(float* sums, const float* addends, int64_t count);
// accumulator[i] += weight · values[i]
void add_scaled(float* accumulator, const float* values, float weight, int64_t count);
// products[i] *= factors[i]
void multiply_into(float* products, const float* factors, int64_t count);

}  // namespace qrt::cpu
