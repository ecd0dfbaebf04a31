// INT8 W8A8 linear layer with exact integer accumulation:
//   y[m][n] = a_scale[m] · w_scale[n] · (Σk a[m][k]·w[n][k] − zero_point · Σk w[n][k]) (+ bias[n]).
// FP32 cannot hold these sums exactly (|a·w| reaches 2^14, so 1024 products can pass 2^24), so
// this kernel has its own integer core; it shares the blocking of the FP32 core (gemm_panel.h) and its
// output stage.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "cpu/gemm.h"
#include "cpu/gemm_panel.h"
#include "cpu/thread_pool.h"

namespace qrt::cpu {
namespace {

// The register tile: kIntTileRows activation rows against kIntTileCols weight rows, one vector of int32
// partial sums per dot product. Rows left over go one at a time against kIntRowCols weight rows.
constexpr int64_t kIntTileRows = 4;
constexpr int64_t kIntTileCols = 3;
constexpr int64_t kIntRowCols = 4;

// Multiply-adds below which a parallel task costs more to hand out than to run.
constexpr int64_t kMinTaskWork = int64_t{1} << 18;

// totals[r][c] += Σ_{k < depth} a[r][k] · w[c][k]. Integer addition is associative, so the compiler may
// split each sum into vector lanes itself, and it turns the pairs of 16-bit products into
// multiply-add-pair instructions. The int32 sums are exact: depth <= kPanelDepth and every product is
// at most 2^14 in magnitude, far from 2^31; the int64 totals carry them across depth chunks.
template <int R, int C>
QRT_FORCE_INLINE void multiply_tile(const int16_t* a, int64_t a_stride, const int16_t* w, int64_t w_stride,
                                    int64_t depth, int64_t* totals, int64_t totals_stride) {
    int32_t sums[R][C] = {};
    for (int64_t k = 0; k < depth; ++k) {
        QRT_UNROLL_FULLY
        for (int r = 0; r < R; ++r) {
            QRT_UNROLL_FULLY
            for (int c = 0; c < C; ++c) {
                sums[r][c] += static_cast<int32_t>(a[r * a_stride + k]) * static_cast<int32_t>(w[c * w_stride + k]);
            }
        }
    }
    QRT_UNROLL_FULLY
    for (int r = 0; r < R; ++r) {
        QRT_UNROLL_FULLY
        for (int c = 0; c < C; ++c) totals[r * totals_stride + c] += sums[r][c];
    }
}

// Multiplies R activation rows by w_rows weight rows, C weight rows at a time; the weight rows left
// over go C / 2 at a time, and so on.
template <int R, int C>
QRT_FORCE_INLINE void multiply_rows(const int16_t* a, int64_t a_stride, const int16_t* w, int64_t w_stride,
                                    int64_t w_rows, int64_t depth, int64_t* totals) {
    int64_t c = 0;
    for (; c + C <= w_rows; c += C) {
        multiply_tile<R, C>(a, a_stride, w + c * w_stride, w_stride, depth, totals + c, kPanelRows);
    }
    if constexpr (C > 1) {
        if (c < w_rows) multiply_rows<R, C / 2>(a, a_stride, w + c * w_stride, w_stride, w_rows - c, depth, totals + c);
    }
}

// Adds a block of activation rows times a panel of weight rows into totals[row][panel row].
QRT_MULTIVERSION
void multiply_block(const int16_t* a, int64_t a_stride, int64_t rows, const int16_t* w, int64_t w_stride,
                    int64_t w_rows, int64_t depth, int64_t* totals) {
    int64_t r = 0;
    for (; r + kIntTileRows <= rows; r += kIntTileRows) {
        multiply_rows<kIntTileRows, kIntTileCols>(a + r * a_stride, a_stride, w, w_stride, w_rows, depth,
                                                  totals + r * kPanelRows);
    }
    for (; r < rows; ++r) {
        multiply_rows<1, kIntRowCols>(a + r * a_stride, a_stride, w, w_stride, w_rows, depth, totals + r * kPanelRows);
    }
}

// Sign-extends int8 values to the int16 the multiply-add-pair instructions take.
QRT_MULTIVERSION
void widen_int8(const int8_t* src, int64_t count, int16_t* dst) {
    for (int64_t i = 0; i < count; ++i) dst[i] = src[i];
}

QRT_MULTIVERSION
int64_t sum_int16(const int16_t* values, int64_t count) {
    int64_t sum = 0;
    for (int64_t i = 0; i < count; ++i) sum += values[i];
    return sum;
}

// Starts loading row bytes [k0, k0 + kPanelDepth) of weight panel p.
void prefetch_chunk(const RowsView& w, int64_t k, int64_t p, int64_t k0) {
    const int64_t n0 = p * kPanelRows;
    for (int64_t j = 0; j < std::min(kPanelRows, w.rows - n0); ++j) {
        prefetch_range(w.row(n0 + j) + k0, static_cast<size_t>(std::min(kPanelDepth, k - k0)));
    }
}

// One block of activation rows, widened to int16, and the zero point they were quantized with.
struct ActivationBlock {
    const int16_t* data;  // rows × padded_k
    int64_t first_row;    // of a and y
    int64_t rows;
    int64_t k;
    int64_t padded_k;
    int64_t zero_point;
};

// Multiplies a block by weight panels [first_panel, end_panel) and finishes the outputs they cover:
// the work of one task. Prefetching and blocking follow gemm_by_panels (gemm_panel.cpp).
void multiply_panels(const ActivationBlock& block, const RowsView& w, int64_t first_panel, int64_t end_panel,
                     const GemmOutput& output) {
    const int64_t k = block.k;
    const int64_t n = w.rows;
    std::vector<int16_t> panel(static_cast<size_t>(kPanelRows * kPanelDepth));
    std::vector<int64_t> totals(static_cast<size_t>(block.rows * kPanelRows));
    int64_t column_sums[kPanelRows];
    float acc[kPanelRows];
    if (k > 0) prefetch_chunk(w, k, first_panel, 0);
    for (int64_t p = first_panel; p < end_panel; ++p) {
        const int64_t n0 = p * kPanelRows;
        const int64_t panel_rows = std::min(kPanelRows, n - n0);
        std::fill(totals.begin(), totals.end(), 0);
        std::fill(column_sums, column_sums + kPanelRows, 0);
        for (int64_t k0 = 0; k0 < k; k0 += kPanelDepth) {
            if (k0 + kPanelDepth < k) {
                prefetch_chunk(w, k, p, k0 + kPanelDepth);
            } else if (p + 1 < end_panel) {
                prefetch_chunk(w, k, p + 1, 0);
            }
            const int64_t depth = std::min(kPanelDepth, k - k0);
            for (int64_t j = 0; j < panel_rows; ++j) {
                int16_t* row = panel.data() + j * kPanelDepth;
                widen_int8(reinterpret_cast<const int8_t*>(w.row(n0 + j)) + k0, depth, row);
                // The zero-point correction needs Σk w[n][k]. Summed while the panel is widened, it costs
                // no extra pass over w; it is computed once per call for up to kBlockRows rows of a.
                if (block.zero_point != 0) column_sums[j] += sum_int16(row, depth);
            }
            multiply_block(block.data + k0, block.padded_k, block.rows, panel.data(), kPanelDepth, panel_rows, depth,
                           totals.data());
        }
        for (int64_t r = 0; r < block.rows; ++r) {
            for (int64_t j = 0; j < panel_rows; ++j) {
                const int64_t corrected =
                    totals[static_cast<size_t>(r * kPanelRows + j)] - block.zero_point * column_sums[j];
                acc[j] = static_cast<float>(corrected);
            }
            output.store(block.first_row + r, n0, panel_rows, acc);
        }
    }
}

}  // namespace

void gemm_w8a8_int8(const RowsView& a, const ScaleVector& a_scale, const std::optional<IndexVector>& a_zero_point,
                    const RowsView& w, const ScaleVector& w_scale, const ScaleVector& bias, const RowsView& y) {
    const int64_t m = a.rows;
    const int64_t k = a.cols;
    const int64_t n = w.rows;
    if (m == 0 || n == 0) return;
    const int64_t zero_point = a_zero_point ? a_zero_point->at(0) : 0;
    const GemmOutput output(y, a_scale, w_scale, bias);
    const int64_t padded_k = round_up(k, kLanes);  // keeps every widened row vector-aligned
    const int64_t panels = (n + kPanelRows - 1) / kPanelRows;
    std::vector<int16_t> widened(static_cast<size_t>(std::min(m, kBlockRows) * padded_k));
    for (int64_t m0 = 0; m0 < m; m0 += kBlockRows) {
        const ActivationBlock block{widened.data(), m0, std::min(kBlockRows, m - m0), k, padded_k, zero_point};
        if (k > 0) {
            parallel_for(block.rows, 8, [&](int64_t begin, int64_t end) {
                for (int64_t r = begin; r < end; ++r) {
                    widen_int8(reinterpret_cast<const int8_t*>(a.row(m0 + r)), k, widened.data() + r * padded_k);
                }
            });
        }
        const int64_t panel_work = std::max<int64_t>(1, block.rows * kPanelRows * k);
        parallel_for(panels, std::max<int64_t>(1, kMinTaskWork / panel_work),
                     [&](int64_t begin, int64_t end) { multiply_panels(block, w, begin, end, output); });
    }
}

}  // namespace qrt::cpu
