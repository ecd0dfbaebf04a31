// Softmax, log-softmax and argmax along the last dimension of a matrix of rows, computed in FP32.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "qrt.h"

namespace qrt::cpu {

// y = softmax(x) row by row, with the row maximum subtracted before exponentiating. y may alias x.
// As in torch, a row holding a NaN or a +inf, or made only of −inf, comes out entirely NaN.
void softmax(const RowsView& x, const RowsView& y);

// y = x − max − log(Σ exp(x − max)) row by row. y may alias x. Rows that softmax turns into NaN come out
// NaN here too.
void log_softmax(const RowsView& x, const RowsView& y);

// indices[r] = the index of the largest value of row r: the first on ties, the first NaN if the row holds
// one. indices is a contiguous I32 or I64 vector with x.rows elements; x.cols >= 1.
void argmax(const RowsView& x, void* indices, qrt_dtype index_dtype);

}  // namespace qrt::cpu
