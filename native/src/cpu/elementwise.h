// Elementwise kernels: copying with dtype conversion and addition over tensors of any shape and strides,
// and the column gather that reorders the elements of each row.
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

// y[r][j] = x[r][indices[j]], the bytes moved unchanged. x and y have one dtype and equal row counts,
// y has indices.count columns, every index is in [0, x.cols), and y does not overlap x.
void gather_columns(const RowsView& x, const IndexVector& indices, const RowsView& y);

}  // namespace qrt::cpu
