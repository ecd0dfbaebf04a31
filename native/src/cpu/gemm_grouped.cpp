// Grouped expert linear layers on the CPU: one ungrouped kernel call per non-empty segment. Each call already spreads
// its rows and output columns over the thread pool, so segments run one after another.
#include "cpu/gemm_grouped.h"

#include "cpu/gemm.h"
#include "cpu/quantize.h"

namespace qrt::cpu {
namespace {

// Rows [begin, end) of a view.
RowsView slice_rows(const RowsView& rows, int64_t begin, int64_t end) {
    RowsView slice = rows;
    slice.data = rows.row(begin);
    slice.rows = end - begin;
    return slice;
}

// Calls body(expert, begin, end) for every expert whose segment holds rows.
template <class Body>
void for_each_segment(const ExpertOffsets& offsets, Body&& body) {
    for (int64_t e = 0; e < offsets.experts; ++e) {
        const int64_t begin = offsets.data[e];
        const int64_t end = offsets.data[e + 1];
        if (end > begin) body(e, begin, end);
    }
}

}  // namespace

void gemm_grouped(const RowsView& x, const ExpertMatrices& w, const GroupedVector& bias, const ExpertOffsets& offsets,
                  const RowsView& y) {
    for_each_segment(offsets, [&](int64_t e, int64_t begin, int64_t end) {
        gemm(slice_rows(x, begin, end), w.of(e), bias.for_segment(e, begin, end), slice_rows(y, begin, end));
    });
}

void gemm_w8a8_int8_grouped(const RowsView& a, const GroupedVector& a_scale, const GroupedZeroPoint& a_zero_point,
                            const ExpertMatrices& w, const GroupedVector& w_scale, const GroupedVector& bias,
                            const ExpertOffsets& offsets, const RowsView& y) {
    for_each_segment(offsets, [&](int64_t e, int64_t begin, int64_t end) {
        gemm_w8a8_int8(slice_rows(a, begin, end), a_scale.for_segment(e, begin, end), a_zero_point.of(e), w.of(e),
                       w_scale.for_segment(e, begin, end), bias.for_segment(e, begin, end), slice_rows(y, begin, end));
    });
}

void gemm_w8a8_fp8_grouped(const RowsView& a, const GroupedVector& a_scale, const ExpertMatrices& w,
                           const GroupedVector& w_scale, const GroupedVector& bias, const ExpertOffsets& offsets,
                           const RowsView& y) {
    for_each_segment(offsets, [&](int64_t e, int64_t begin, int64_t end) {
        gemm_w8a8_fp8(slice_rows(a, begin, end), a_scale.for_segment(e, begin, end), w.of(e),
                      w_scale.for_segment(e, begin, end), bias.for_segment(e, begin, end), slice_rows(y, begin, end));
    });
}

void gemm_w8a16_fp8_grouped(const RowsView& x, const ExpertMatrices& w, const GroupedVector& w_scale,
                            const GroupedVector& bias, const ExpertOffsets& offsets, const RowsView& y) {
    for_each_segment(offsets, [&](int64_t e, int64_t begin, int64_t end) {
        gemm_w8a16_fp8(slice_rows(x, begin, end), w.of(e), w_scale.for_segment(e, begin, end),
                       bias.for_segment(e, begin, end), slice_rows(y, begin, end));
    });
}

void quantize_int8_grouped(const RowsView& x, const GroupedVector& scale, const GroupedZeroPoint& zero_point,
                           const ExpertOffsets& offsets, const RowsView& q) {
    for_each_segment(offsets, [&](int64_t e, int64_t begin, int64_t end) {
        quantize_int8_static(slice_rows(x, begin, end), scale.for_segment(e, begin, end), zero_point.of(e),
                             slice_rows(q, begin, end));
    });
}

void quantize_fp8_grouped(const RowsView& x, const GroupedVector& scale, const ExpertOffsets& offsets,
                          const RowsView& q) {
    for_each_segment(offsets, [&](int64_t e, int64_t begin, int64_t end) {
        quantize_fp8_static(slice_rows(x, begin, end), scale.for_segment(e, begin, end), slice_rows(q, begin, end));
    });
}

}  // namespace qrt::cpu
