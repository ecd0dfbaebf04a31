#include "cpu/activation.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <vector>

#include "core/dtype.h"
#include "cpu/row_convert.h"
#include "cpu/simd.h"
#include "cpu/thread_pool.h"
#include "cpu/vector_math.h"

namespace qrt::cpu {
namespace {

// Elements one parallel chunk handles at least, so that waking a worker pays off.
constexpr int64_t kChunkElements = int64_t{1} << 14;
// Columns converted per step through FP32: a block stays in the L1 cache.
constexpr int64_t kBlockElements = 1024;

constexpr float kSqrtHalf = 0.707106781186547524f;       // 1/√2
constexpr float kSqrtTwoOverPi = 0.797884560802865356f;  // √(2/π)
constexpr float kGeluTanhCubic = 0.044715f;
constexpr float kQuickGeluScale = 1.702f;

// σ(z) = 1 / (1 + e^−z), evaluated through e^−|z| ∈ (0, 1], which cannot overflow; for z < 0 it is
// e^z / (1 + e^z). Large |z| thus gives exactly 0 or 1, never inf / inf.
inline float sigmoid(float z) {
    const float e = std::exp(-std::fabs(z));
    const float s = 1.0f / (1.0f + e);
    return z >= 0.0f ? s : e * s;
}

// Every activation here is x · g(x), with g → 0 as x → −∞ and g → 1 as x → +∞. The factor x is held
// finite so that x = −∞ yields the limit, −0, instead of −∞ · 0 = NaN; a NaN x still gives NaN.
inline float times_factor(float x, float factor) { return (x < -FLT_MAX ? -FLT_MAX : x) * factor; }

inline float silu(float x) { return times_factor(x, sigmoid(x)); }

// 0.5 · x · (1 + erf(x/√2)), with 1 + erf(x/√2) computed as erfc(−x/√2): the sum cancels for x ≪ 0,
// where erfc keeps full relative precision.
inline float gelu(float x) { return times_factor(x, 0.5f * std::erfc(-x * kSqrtHalf)); }

// 0.5 · x · (1 + tanh(w)) with w = √(2/π) · (x + 0.044715 · x³), computed as x · σ(2w), its exact
// equivalent, which neither cancels for x ≪ 0 nor overflows.
inline float gelu_tanh(float x) {
    const float w = kSqrtTwoOverPi * (x + kGeluTanhCubic * x * x * x);
    return times_factor(x, sigmoid(2.0f * w));
}

inline float quick_gelu(float x) { return times_factor(x, sigmoid(kQuickGeluScale * x)); }

// One loop per activation, so that the choice is made once per block, not once per element.
QRT_MULTIVERSION
void apply_silu(float* values, int64_t count) {
    for (int64_t i = 0; i < count; ++i) values[i] = silu(values[i]);
}

QRT_MULTIVERSION
void apply_gelu(float* values, int64_t count) {
    for (int64_t i = 0; i < count; ++i) values[i] = gelu(values[i]);
}

QRT_MULTIVERSION
void apply_gelu_tanh(float* values, int64_t count) {
    for (int64_t i = 0; i < count; ++i) values[i] = gelu_tanh(values[i]);
}

QRT_MULTIVERSION
void apply_quick_gelu(float* values, int64_t count) {
    for (int64_t i = 0; i < count; ++i) values[i] = quick_gelu(values[i]);
}

void apply(qrt_activation activation, float* values, int64_t count) {
    switch (activation) {
        case QRT_ACTIVATION_SILU: apply_silu(values, count); return;
        case QRT_ACTIVATION_GELU: apply_gelu(values, count); return;
        case QRT_ACTIVATION_GELU_TANH: apply_gelu_tanh(values, count); return;
        case QRT_ACTIVATION_QUICK_GELU: apply_quick_gelu(values, count); return;
    }
}

// A rows × cols range cut into blocks of at most kBlockElements columns, numbered row by row, so that a
// single long row (one token while decoding) still spreads over the threads.
struct BlockGrid {
    int64_t cols = 0;
    int64_t blocks_per_row = 0;
    int64_t block_count = 0;

    struct Block {
        int64_t row;
        int64_t first_col;
        int64_t count;
    };

    static BlockGrid over(int64_t row_count, int64_t col_count) {
        BlockGrid grid;
        grid.cols = col_count;
        grid.blocks_per_row = (col_count + kBlockElements - 1) / kBlockElements;
        grid.block_count = row_count * grid.blocks_per_row;
        return grid;
    }

    // Blocks one parallel chunk takes at least.
    int64_t grain() const { return std::max<int64_t>(1, kChunkElements / std::min(cols, kBlockElements)); }

    Block block(int64_t index) const {
        const int64_t first_col = (index % blocks_per_row) * kBlockElements;
        return {index / blocks_per_row, first_col, std::min(kBlockElements, cols - first_col)};
    }
};

char* address(const RowsView& view, int64_t row, int64_t col) {
    return view.row(row) + static_cast<size_t>(col) * dtype_size(view.dtype);
}

}  // namespace

void activate(qrt_activation activation, const RowsView& x, const RowsView& y) {
    const BlockGrid grid = BlockGrid::over(x.rows, x.cols);
    if (grid.block_count == 0) return;
    parallel_for(grid.block_count, grid.grain(), [&](int64_t begin, int64_t end) {
        std::vector<float> values(kBlockElements);
        for (int64_t index = begin; index < end; ++index) {
            const BlockGrid::Block block = grid.block(index);
            // A block is read whole before it is written, so y may be x.
            load_row_f32(address(x, block.row, block.first_col), x.dtype, block.count, values.data());
            apply(activation, values.data(), block.count);
            store_row_f32(values.data(), block.count, address(y, block.row, block.first_col), y.dtype);
        }
    });
}

void activate_gated(qrt_activation activation, const RowsView& gate, const RowsView& up, const RowsView& y) {
    const BlockGrid grid = BlockGrid::over(gate.rows, gate.cols);
    if (grid.block_count == 0) return;
    parallel_for(grid.block_count, grid.grain(), [&](int64_t begin, int64_t end) {
        std::vector<float> values(kBlockElements);
        std::vector<float> ups(kBlockElements);
        for (int64_t index = begin; index < end; ++index) {
            const BlockGrid::Block block = grid.block(index);
            // Both inputs of a block are read before it is written, so y may be gate or up.
            load_row_f32(address(gate, block.row, block.first_col), gate.dtype, block.count, values.data());
            load_row_f32(address(up, block.row, block.first_col), up.dtype, block.count, ups.data());
            apply(activation, values.data(), block.count);
            multiply_into(values.data(), ups.data(), block.count);
            store_row_f32(values.data(), block.count, address(y, block.row, block.first_col), y.dtype);
        }
    });
}

}  // namespace qrt::cpu
