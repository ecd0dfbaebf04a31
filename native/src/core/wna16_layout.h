// The repacked W4A16 layout of qrt.h ("The repacked W4A16 layout"): where each stored 4-bit value and zero point
// lives, and the views the backends receive. The index functions are constexpr so that the CPU repack, the CPU
// GEMM and the CUDA repack kernel (device code, through --expt-relaxed-constexpr) share one definition.
//
// A 16 x 64 tile (16 input columns, 64 output features) is 128 words: thread l = 4g + t of a warp loads words
// 4l .. 4l + 3 with one 16-byte load. Word j serves the two n8 tiles 2j and 2j + 1 of the tile: its values e0..e3
// are B[2t], B[2t+1], B[2t+8], B[2t+9] of feature 16j + g (the m16n8k16 B fragment b[0], b[1] of thread l), and
// e4..e7 the same for feature 16j + 8 + g. The nibble order {e0, e2, e4, e6, e1, e3, e5, e7} puts the two values
// of each fragment register 16 bits apart (nibbles i and i + 4), so one mask extracts a register's pair.
#pragma once

#include <cstdint>
#include <optional>

#include "core/tensor.h"

namespace qrt::wna16 {

constexpr int kTileK = 16;         // input columns of a tile: one mma k-step
constexpr int kTileN = 64;         // output features of a tile: eight n8 tiles
constexpr int kWordsPerTile = 128;  // 16 x 64 nibbles
constexpr int kStepK = 32;         // the CUDA kernel's pipeline step: K and group sizes are multiples of it

// Output feature (0..63) of value e (0..7) of word w (0..127) of a tile.
constexpr int tile_feature(int w, int e) { return 16 * (w % 4) + 8 * (e / 4) + (w / 4) / 4; }
// Input column (0..15) of value e of word w of a tile.
constexpr int tile_column(int w, int e) { return 2 * ((w / 4) % 4) + (e % 2) + 8 * ((e / 2) % 2); }
// Nibble of a word that holds value e: the interleave {0, 2, 4, 6, 1, 3, 5, 7} read backwards.
constexpr int nibble_of_value(int e) { return e / 2 + 4 * (e % 2); }

// Where one 4-bit field lives: word index into a row-major tensor and the bit shift inside that word.
struct NibblePosition {
    int64_t word;
    int shift;
};

// The stored value of feature n, input column k, in a repacked weight with n_features output features.
constexpr NibblePosition weight_position(int64_t n, int64_t k, int64_t n_features) {
    const int64_t k_tile = k / kTileK;
    const int64_t n_tile = n / kTileN;
    const int feature = static_cast<int>(n % kTileN);  // 16j + 8h + g
    const int column = static_cast<int>(k % kTileK);   // 2t + b + 8c
    const int j = feature / 16;
    const int h = (feature % 16) / 8;
    const int g = feature % 8;
    const int t = (column % 8) / 2;
    const int e = 4 * h + 2 * (column / 8) + column % 2;
    const int word_in_tile = 4 * (4 * g + t) + j;
    return NibblePosition{k_tile * 2 * n_features + n_tile * kWordsPerTile + word_in_tile, 4 * nibble_of_value(e)};
}

// The stored zero point of feature n in group `group`, in a repacked zero-point tensor of n_features features.
constexpr NibblePosition zero_point_position(int64_t n, int64_t group, int64_t n_features) {
    return NibblePosition{group * (n_features / 8) + (n / kTileN) * 8 + n % 8,
                          static_cast<int>(4 * ((n % kTileN) / 8))};
}

// Feature n of word c (0..7) and nibble i of a 64-feature block of a repacked zero-point row.
constexpr int zero_point_feature(int c, int i) { return 8 * i + c; }

// A 4-bit weight in the pack-quantized layout (qrt_gemm_wna16), as the repack reads it.
struct PackedInt4 {
    RowsView packed;                     // I32 [N, K/8]
    RowsView scale;                      // float [N, G]
    std::optional<RowsView> zero_point;  // I32 [N/8, G]
    int64_t n = 0;
    int64_t k = 0;
    int64_t groups = 1;
};

// The repack's outputs, or a GEMM's weight: contiguous tensors in the repacked layout.
struct RepackedInt4 {
    RowsView weight;                     // I32 [K/16, 2N]
    RowsView scale;                      // float [G, N]
    std::optional<RowsView> zero_point;  // I32 [G, N/8]
    int64_t n = 0;
    int64_t k = 0;
    int64_t group_size = 0;  // 0: one group (per channel)
    int64_t groups = 1;
};

}  // namespace qrt::wna16
