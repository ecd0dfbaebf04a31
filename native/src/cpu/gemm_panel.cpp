#include "cpu/gemm_panel.h"

#include <algorithm>
#include <cstring>

#include "core/dtype.h"
#include "cpu/row_convert.h"
#include "cpu/thread_pool.h"

namespace qrt::cpu {
namespace {

// The micro-kernel multiplies one activation row by kTileCols weight rows at a time. Each of the
// kTileCols dot products keeps kLanes partial sums (two AVX2 registers): the eight accumulators and the
// activation vectors stay in registers, and every weight vector is loaded once, straight into its
// multiplication. Tiles of several activation rows would reuse loaded weights too, but with separate
// multiply and add instructions they need more registers than AVX2 has and ran slower when measured.
constexpr int kTileCols = 4;

// Multiply-adds below which a parallel task costs more to hand out than to run.
constexpr int64_t kMinTaskWork = int64_t{1} << 18;

// acc[c][l] += Σ_i a[i·kLanes + l] · w[c][i·kLanes + l] over depth (a multiple of kLanes). The partial
// sums stay in registers for the whole depth; each lane adds its products in increasing k.
template <int C>
QRT_FORCE_INLINE void multiply_tile(const float* a, const float* w, int64_t w_stride, int64_t depth, float* acc) {
    float sums[C][kLanes];
    QRT_UNROLL_FULLY
    for (int c = 0; c < C; ++c) {
        QRT_UNROLL_FULLY
        for (int l = 0; l < kLanes; ++l) sums[c][l] = acc[c * kLanes + l];
    }
    for (int64_t k = 0; k < depth; k += kLanes) {
        QRT_UNROLL_FULLY
        for (int c = 0; c < C; ++c) {
            QRT_NO_UNROLL
            for (int l = 0; l < kLanes; ++l) sums[c][l] += a[k + l] * w[c * w_stride + k + l];
        }
    }
    QRT_UNROLL_FULLY
    for (int c = 0; c < C; ++c) {
        QRT_UNROLL_FULLY
        for (int l = 0; l < kLanes; ++l) acc[c * kLanes + l] = sums[c][l];
    }
}

// Multiplies one activation row by w_rows weight rows, C at a time; the weight rows left over go C / 2
// at a time, and so on.
template <int C>
QRT_FORCE_INLINE void multiply_row(const float* a, const float* w, int64_t w_stride, int64_t w_rows, int64_t depth,
                                   float* acc) {
    int64_t c = 0;
    for (; c + C <= w_rows; c += C) multiply_tile<C>(a, w + c * w_stride, w_stride, depth, acc + c * kLanes);
    if constexpr (C > 1) {
        if (c < w_rows) multiply_row<C / 2>(a, w + c * w_stride, w_stride, w_rows - c, depth, acc + c * kLanes);
    }
}

// Adds a block of activation rows times a panel of weight rows into the lane accumulators
// lanes[row][panel row][lane] (kPanelRows × kLanes floats per row). The panel stays in the L1 cache
// while every row of the block passes over it.
QRT_MULTIVERSION
void multiply_block(const float* a, int64_t a_stride, int64_t rows, const float* w, int64_t w_stride, int64_t w_rows,
                    int64_t depth, float* lanes) {
    for (int64_t r = 0; r < rows; ++r) {
        multiply_row<kTileCols>(a + r * a_stride, w, w_stride, w_rows, depth, lanes + r * kPanelRows * kLanes);
    }
}

// Adds the kLanes partial sums of one dot product pairwise, always in the same order.
inline float sum_lanes(const float* lanes) {
    float pairs[kLanes];
    std::copy(lanes, lanes + kLanes, pairs);
    for (int width = kLanes / 2; width >= 1; width /= 2) {
        for (int l = 0; l < width; ++l) pairs[l] += pairs[l + width];
    }
    return pairs[0];
}

}  // namespace

GemmOutput::GemmOutput(const RowsView& y, const FloatVector& row_scale, const FloatVector& col_scale,
                       const FloatVector& bias)
    : y_(y), row_scale_(row_scale) {
    if (col_scale.count > 0) {
        col_scale_.resize(static_cast<size_t>(y.cols));
        for (int64_t n = 0; n < y.cols; ++n) col_scale_[static_cast<size_t>(n)] = col_scale.at(n);
    }
    if (bias.count > 0) {
        bias_.resize(static_cast<size_t>(y.cols));
        for (int64_t n = 0; n < y.cols; ++n) bias_[static_cast<size_t>(n)] = bias.at(n);
    }
}

void GemmOutput::store(int64_t m, int64_t n0, int64_t count, const float* acc) const {
    constexpr int64_t kChunk = 64;
    float values[kChunk];
    const float row_scale = row_scale_.count > 0 ? row_scale_.at(m) : 1.0f;
    char* const row = y_.row(m);
    for (int64_t start = 0; start < count; start += kChunk) {
        const int64_t length = std::min(kChunk, count - start);
        const int64_t n = n0 + start;
        for (int64_t j = 0; j < length; ++j) {
            const float col_scale = col_scale_.empty() ? 1.0f : col_scale_[static_cast<size_t>(n + j)];
            values[j] = (row_scale * col_scale) * acc[start + j];
        }
        if (!bias_.empty()) {
            for (int64_t j = 0; j < length; ++j) values[j] += bias_[static_cast<size_t>(n + j)];
        }
        store_row_f32(values, length, row + static_cast<size_t>(n) * dtype_size(y_.dtype), y_.dtype);
    }
}

void WideningPanels::decode(int64_t first_row, int64_t rows, int64_t k0, int64_t depth, float* panel,
                            int64_t panel_stride) const {
    const size_t offset = static_cast<size_t>(k0) * dtype_size(w_.dtype);
    for (int64_t j = 0; j < rows; ++j) {
        load_row_f32(w_.row(first_row + j) + offset, w_.dtype, depth, panel + j * panel_stride);
    }
}

void WideningPanels::prefetch(int64_t first_row, int64_t rows, int64_t k0, int64_t depth) const {
    const size_t element = dtype_size(w_.dtype);
    for (int64_t j = 0; j < rows; ++j) {
        prefetch_range(w_.row(first_row + j) + static_cast<size_t>(k0) * element, static_cast<size_t>(depth) * element);
    }
}

namespace {

// Widens activation rows [m0, m0 + rows) into block (row stride padded_k) and zero-fills each row past
// K, so the micro-kernel can run whole kLanes steps.
void widen_block(const RowsView& x, int64_t m0, int64_t rows, int64_t padded_k, float* block) {
    const int64_t k = x.cols;
    if (k == 0) return;
    parallel_for(rows, 8, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
            float* row = block + r * padded_k;
            load_row_f32(x.row(m0 + r), x.dtype, k, row);
            std::fill(row + k, row + padded_k, 0.0f);
        }
    });
}

// Starts loading the weights of panel p, columns [k0, k0 + kPanelDepth), of an [n, k] weight.
void prefetch_chunk(const WeightPanels& weights, int64_t n, int64_t k, int64_t p, int64_t k0) {
    const int64_t n0 = p * kPanelRows;
    weights.prefetch(n0, std::min(kPanelRows, n - n0), k0, std::min(kPanelDepth, k - k0));
}

// One block of activation rows, widened, and where its results go.
struct ActivationBlock {
    const float* data;  // rows × padded_k
    int64_t first_row;  // of x and y
    int64_t rows;
    int64_t k;
    int64_t padded_k;
};

// Multiplies a block by weight panels [first_panel, end_panel) of an n-row weight and finishes the
// outputs they cover: the work of one task.
void multiply_panels(const ActivationBlock& block, const WeightPanels& weights, int64_t n, int64_t first_panel,
                     int64_t end_panel, const GemmOutput& output) {
    const int64_t k = block.k;
    std::vector<float> panel(static_cast<size_t>(kPanelRows * kPanelDepth));
    std::vector<float> lanes(static_cast<size_t>(block.rows * kPanelRows * kLanes));
    float sums[kPanelRows];
    if (k > 0) prefetch_chunk(weights, n, k, first_panel, 0);
    for (int64_t p = first_panel; p < end_panel; ++p) {
        const int64_t n0 = p * kPanelRows;
        const int64_t panel_rows = std::min(kPanelRows, n - n0);
        std::fill(lanes.begin(), lanes.end(), 0.0f);
        for (int64_t k0 = 0; k0 < k; k0 += kPanelDepth) {
            // Ask for the next chunk now, so that it arrives while this one is decoded and multiplied.
            if (k0 + kPanelDepth < k) {
                prefetch_chunk(weights, n, k, p, k0 + kPanelDepth);
            } else if (p + 1 < end_panel) {
                prefetch_chunk(weights, n, k, p + 1, 0);
            }
            const int64_t depth = std::min(kPanelDepth, k - k0);
            const int64_t padded_depth = round_up(depth, kLanes);
            weights.decode(n0, panel_rows, k0, depth, panel.data(), kPanelDepth);
            for (int64_t j = 0; j < panel_rows; ++j) {
                float* row = panel.data() + j * kPanelDepth;
                std::fill(row + depth, row + padded_depth, 0.0f);
            }
            multiply_block(block.data + k0, block.padded_k, block.rows, panel.data(), kPanelDepth, panel_rows,
                           padded_depth, lanes.data());
        }
        for (int64_t r = 0; r < block.rows; ++r) {
            for (int64_t j = 0; j < panel_rows; ++j) {
                sums[j] = sum_lanes(lanes.data() + (r * kPanelRows + j) * kLanes);
            }
            output.store(block.first_row + r, n0, panel_rows, sums);
        }
    }
}

}  // namespace

void gemm_by_panels(const RowsView& x, int64_t weight_rows, const WeightPanels& weights, const GemmOutput& output) {
    const int64_t m = x.rows;
    const int64_t n = weight_rows;
    if (m == 0 || n == 0) return;
    const int64_t padded_k = round_up(x.cols, kLanes);
    const int64_t panels = (n + kPanelRows - 1) / kPanelRows;
    std::vector<float> widened(static_cast<size_t>(std::min(m, kBlockRows) * padded_k));
    for (int64_t m0 = 0; m0 < m; m0 += kBlockRows) {
        const ActivationBlock block{widened.data(), m0, std::min(kBlockRows, m - m0), x.cols, padded_k};
        widen_block(x, block.first_row, block.rows, padded_k, widened.data());
        const int64_t panel_work = std::max<int64_t>(1, block.rows * kPanelRows * padded_k);
        parallel_for(panels, std::max<int64_t>(1, kMinTaskWork / panel_work),
                     [&](int64_t begin, int64_t end) { multiply_panels(block, weights, n, begin, end, output); });
    }
}

}  // namespace qrt::cpu
