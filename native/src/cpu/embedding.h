// Embedding lookup: each token id selects a row of the table.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace qrt::cpu {

// The position of the first id outside [0, vocab_size), or -1 when every id is a row of the table.
int64_t first_id_out_of_range(const IndexVector& ids, int64_t vocab_size);

// y[t] = table[ids[t]], converted to y's dtype. Every id is in [0, table.rows); y has ids.count rows of
// table.cols.
void embedding(const IndexVector& ids, const RowsView& table, const RowsView& y);

}  // namespace qrt::cpu
