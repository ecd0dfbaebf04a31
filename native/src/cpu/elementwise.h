// Elementwise kernels over tensors of any shape and strides: copying with dtype conversion, and
// addition.
#pragma once

#include "core/tensor.h"

namespace qrt::cpu {

// dst = src. Between float dtypes each element goes through FP32 and is rounded to dst's dtype (to
// nearest even, F8 saturating); equal dtypes copy the bytes unchanged. src and dst have equal shapes and
// do not overlap.
void copy(const TensorRef& src, const TensorRef& dst);

// y = a + b in FP32, rounded once to y's dtype. a, b and y have equal shapes and float dtypes; y is a, b,
// or disjoint from both.
void add(const TensorRef& a, const TensorRef& b, const TensorRef& y);

}  // namespace qrt::cpu
