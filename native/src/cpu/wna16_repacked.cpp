// The repacked W4A16 layout on the CPU: the repack (word by word, in the order the CUDA repack kernel writes
// them) and the GEMM on a repacked weight (its panels decoded to FP32 for the shared core).
#include "cpu/wna16_repacked.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/dtype.h"
#include "cpu/gemm_panel.h"
#include "cpu/thread_pool.h"

namespace qrt::cpu {
namespace {

using wna16::kTileK;
using wna16::kTileN;
using wna16::kWordsPerTile;

uint32_t nibble(const RowsView& words, int64_t row, int64_t index, int shift) {
    const auto word = static_cast<uint32_t>(reinterpret_cast<const int32_t*>(words.row(row))[index]);
    return (word >> shift) & 0xFu;
}

// Word w of the tile (k_tile, n_tile): eight stored values gathered from the pack-quantized rows.
uint32_t repacked_word(const RowsView& packed, int64_t k_tile, int64_t n_tile, int w) {
    uint32_t word = 0;
    for (int e = 0; e < 8; ++e) {
        const int64_t n = n_tile * kTileN + wna16::tile_feature(w, e);
        const int64_t k = k_tile * kTileK + wna16::tile_column(w, e);
        word |= nibble(packed, n, k / 8, static_cast<int>(4 * (k % 8))) << (4 * wna16::nibble_of_value(e));
    }
    return word;
}

void repack_weight(const wna16::PackedInt4& source, const RowsView& target) {
    const int64_t k_tiles = source.k / kTileK;
    const int64_t n_tiles = source.n / kTileN;
    parallel_for(k_tiles, 1, [&](int64_t begin, int64_t end) {
        for (int64_t k_tile = begin; k_tile < end; ++k_tile) {
            auto* row = reinterpret_cast<int32_t*>(target.row(k_tile));
            for (int64_t n_tile = 0; n_tile < n_tiles; ++n_tile) {
                for (int w = 0; w < kWordsPerTile; ++w) {
                    row[n_tile * kWordsPerTile + w] = static_cast<int32_t>(repacked_word(source.packed, k_tile, n_tile, w));
                }
            }
        }
    });
}

// [N, G] to [G, N], element bytes unchanged.
void transpose_scales(const wna16::PackedInt4& source, const RowsView& target) {
    const size_t size = dtype_size(source.scale.dtype);
    for (int64_t g = 0; g < source.groups; ++g) {
        char* row = target.row(g);
        for (int64_t n = 0; n < source.n; ++n) {
            std::memcpy(row + static_cast<size_t>(n) * size, source.scale.row(n) + static_cast<size_t>(g) * size, size);
        }
    }
}

// Source zero points run along N in words [n / 8][g]; the repacked row of group g gathers, in word 8nt + c,
// the features 64nt + 8i + c.
void repack_zero_points(const wna16::PackedInt4& source, const RowsView& zero_point, const RowsView& target) {
    for (int64_t g = 0; g < source.groups; ++g) {
        auto* row = reinterpret_cast<int32_t*>(target.row(g));
        for (int64_t n_tile = 0; n_tile < source.n / kTileN; ++n_tile) {
            for (int c = 0; c < 8; ++c) {
                uint32_t word = 0;
                for (int i = 0; i < 8; ++i) {
                    const int64_t n = n_tile * kTileN + wna16::zero_point_feature(c, i);
                    word |= nibble(zero_point, n / 8, g, static_cast<int>(4 * (n % 8))) << (4 * i);
                }
                row[n_tile * 8 + c] = static_cast<int32_t>(word);
            }
        }
    }
}

// The panels of a repacked weight: W[n][k] = (stored − shift) · scale with the single rounding of the
// multiplication, exactly as qrt_gemm_wna16's panels compute it (shift = the stored zero point, or 8).
class RepackedPanels final : public WeightPanels {
public:
    explicit RepackedPanels(const wna16::RepackedInt4& w) : w_(w) {}

    void decode(int64_t first_row, int64_t rows, int64_t k0, int64_t depth, float* panel,
                int64_t panel_stride) const override {
        for (int64_t j = 0; j < rows; ++j) decode_row(first_row + j, k0, depth, panel + j * panel_stride);
    }

    void prefetch(int64_t first_row, int64_t rows, int64_t k0, int64_t depth) const override {
        // A feature's values of one k tile lie in four words 16 bytes apart; the tiles of one k-tile row of the
        // panel's features are contiguous, so one range per k tile covers the panel.
        const int64_t first_tile = first_row / kTileN;
        const int64_t last_tile = (first_row + rows - 1) / kTileN;
        const size_t bytes = static_cast<size_t>((last_tile - first_tile + 1) * kWordsPerTile) * sizeof(int32_t);
        for (int64_t k_tile = k0 / kTileK; k_tile < (k0 + depth + kTileK - 1) / kTileK; ++k_tile) {
            prefetch_range(reinterpret_cast<const int32_t*>(w_.weight.row(k_tile)) + first_tile * kWordsPerTile, bytes);
        }
    }

private:
    float shift(int64_t n, int64_t g) const {
        if (!w_.zero_point) return 8.0f;
        const wna16::NibblePosition at = wna16::zero_point_position(n, g, w_.n);
        return static_cast<float>(nibble(*w_.zero_point, 0, at.word, at.shift));
    }

    float scale(int64_t n, int64_t g) const {
        const char* row = w_.scale.row(g);
        switch (w_.scale.dtype) {
            case QRT_DTYPE_F16: return f16_to_f32(reinterpret_cast<const uint16_t*>(row)[n]);
            case QRT_DTYPE_BF16: return bf16_to_f32(reinterpret_cast<const uint16_t*>(row)[n]);
            default: return reinterpret_cast<const float*>(row)[n];
        }
    }

    // Row n, columns [k0, k0 + depth): k0 and depth are multiples of 16 (kPanelDepth is, and so is K), so the
    // run is whole k tiles, and a k tile lies in one group (group sizes are multiples of 32). In a k tile the
    // feature's 16 values sit in the four words of the threads t = 0..3 (16 bytes apart), four values per word:
    // tile columns 2t, 2t+1, 2t+8, 2t+9 as values e = 4h .. 4h+3 (h: the feature's half of its n16 pair).
    void decode_row(int64_t n, int64_t k0, int64_t depth, float* out) const {
        const int h = static_cast<int>((n % kTileN) % 16) / 8;
        int bit_of[4];
        for (int c = 0; c < 4; ++c) bit_of[c] = 4 * wna16::nibble_of_value(4 * h + c);
        // The 16 weights a stored value can decode to in the current group, (q − z)·s with the one rounding of the
        // product, rebuilt when the group changes.
        float table[16];
        int64_t table_group = -1;
        const int32_t* words = reinterpret_cast<const int32_t*>(w_.weight.data) + wna16::weight_position(n, k0, w_.n).word;
        for (int64_t k = k0; k < k0 + depth; k += kTileK, words += 2 * w_.n) {  // the next k tile: one row down
            const int64_t g = w_.group_size == 0 ? 0 : k / w_.group_size;
            if (g != table_group) {
                const float zero = shift(n, g);
                const float factor = scale(n, g);
                for (int q = 0; q < 16; ++q) table[q] = (static_cast<float>(q) - zero) * factor;
                table_group = g;
            }
            float* tile = out + (k - k0);
            for (int t = 0; t < 4; ++t) {
                const auto word = static_cast<uint32_t>(words[4 * t]);
                for (int c = 0; c < 4; ++c) tile[2 * t + c % 2 + 8 * (c / 2)] = table[(word >> bit_of[c]) & 0xFu];
            }
        }
    }

    wna16::RepackedInt4 w_;
};

}  // namespace

void repack_wna16(const wna16::PackedInt4& source, const wna16::RepackedInt4& target) {
    repack_weight(source, target.weight);
    transpose_scales(source, target.scale);
    if (source.zero_point && target.zero_point) repack_zero_points(source, *source.zero_point, *target.zero_point);
}

void gemm_wna16_repacked(const RowsView& x, const wna16::RepackedInt4& w, const ScaleVector& bias, const RowsView& y) {
    const GemmOutput output(y, FloatVector{}, FloatVector{}, bias);
    gemm_by_panels(x, w.n, RepackedPanels(w), output);
}

}  // namespace qrt::cpu
