// The grouped W4A16 ops on the CPU: a loop over experts, each running the ungrouped op (wna16_repacked.cpp,
// elementwise.cpp) on its segment of rows, so that every segment gets exactly the ungrouped result.
#include "cpu/wna16_grouped.h"

#include "cpu/elementwise.h"
#include "cpu/wna16_repacked.h"

namespace qrt::cpu {
namespace {

// Rows [begin, end) of a view.
RowsView segment(const RowsView& rows, int64_t begin, int64_t end) {
    RowsView part = rows;
    part.data = rows.row(begin);
    part.rows = end - begin;
    return part;
}

}  // namespace

void gemm_wna16_repacked_grouped(const RowsView& x, const wna16::StackedRepackedInt4& w, const ScaleVector& bias,
                                 const int32_t* expert_offsets, const RowsView& y) {
    for (int64_t e = 0; e < w.experts; ++e) {
        const int64_t begin = expert_offsets[e];
        const int64_t end = expert_offsets[e + 1];
        if (begin == end) continue;
        ScaleVector expert_bias = bias;
        if (bias.count > 0) {
            expert_bias.data = static_cast<const char*>(bias.data) + e * w.first.n * dtype_size(bias.dtype);
            expert_bias.count = w.first.n;
        }
        gemm_wna16_repacked(segment(x, begin, end), w.expert(e), expert_bias, segment(y, begin, end));
    }
}

void gather_columns_grouped(const RowsView& x, const int32_t* indices, const int32_t* expert_offsets, int64_t experts,
                            const RowsView& y) {
    for (int64_t e = 0; e < experts; ++e) {
        const int64_t begin = expert_offsets[e];
        const int64_t end = expert_offsets[e + 1];
        if (begin == end) continue;
        const IndexVector expert_indices{indices + e * y.cols, QRT_DTYPE_I32, y.cols};
        gather_columns(segment(x, begin, end), expert_indices, segment(y, begin, end));
    }
}

}  // namespace qrt::cpu
