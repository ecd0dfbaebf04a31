// Random 4-bit weights in the compressed-tensors pack-quantized layout (qrt_gemm_wna16), for the tests of the
// repacked W4A16 layout: the packer is written from qrt.h's definition (as in test_gemm_wna16.cpp, which checks
// it on hand-computed words), and the repacked layout's expected words are written here from qrt.h's text of
// "The repacked W4A16 layout", not from the library's index functions.
#pragma once

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "test_tensors.h"
#include "test_util.h"

namespace qrt_test::wna16 {

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// stored[r][j] (below 16) of `rows` rows of `count` values: value j of a row in word j / 8 at bit 4 (j % 8).
inline std::vector<int32_t> pack_rows(const std::vector<uint32_t>& stored, int64_t rows, int64_t count) {
    const int64_t words = ceil_div(count, 8);
    std::vector<int32_t> packed(static_cast<size_t>(rows * words));
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t j = 0; j < count; ++j) {
            auto& word = packed[static_cast<size_t>(r * words + j / 8)];
            word = static_cast<int32_t>(static_cast<uint32_t>(word) |
                                        stored[static_cast<size_t>(r * count + j)] << (4 * (j % 8)));
        }
    }
    return packed;
}

// Zero points z[n][g] packed along N: word [n / 8][g], bits 4 (n % 8).
inline std::vector<int32_t> pack_zero_points(const std::vector<uint32_t>& stored, int64_t n, int64_t groups) {
    std::vector<int32_t> packed(static_cast<size_t>(ceil_div(n, 8) * groups));
    for (int64_t r = 0; r < n; ++r) {
        for (int64_t g = 0; g < groups; ++g) {
            auto& word = packed[static_cast<size_t>((r / 8) * groups + g)];
            word = static_cast<int32_t>(static_cast<uint32_t>(word) | stored[static_cast<size_t>(r * groups + g)]
                                                                           << (4 * (r % 8)));
        }
    }
    return packed;
}

// One weight [N, K]: stored values, zero points and scales, and its pack-quantized tensors. With act_order the
// columns are assigned to groups by a shuffled g_idx (each group keeps group_size columns), as GPTQ's activation
// ordering does.
struct Weight {
    int64_t n = 0, k = 0, group_size = 0, groups = 1;
    bool zero_point = false;
    std::vector<uint32_t> stored;       // [N][K]
    std::vector<uint32_t> zero_stored;  // [N][G], 8 when symmetric
    std::vector<int32_t> g_idx;         // [K]
    Stored scale;                       // [N][G]
    std::vector<int32_t> packed;        // [N][K/8]
    std::vector<int32_t> zero_packed;   // [N/8][G]

    // W[n][k] = (stored − z) · scale, the exact real number both backends compute with.
    double value(int64_t row, int64_t column) const {
        const int64_t g = g_idx[static_cast<size_t>(column)];
        return (static_cast<double>(stored[static_cast<size_t>(row * k + column)]) -
                zero_stored[static_cast<size_t>(row * groups + g)]) *
               scale.values[static_cast<size_t>(row * groups + g)];
    }
};

inline Weight random_weight(Random& random, int64_t n, int64_t k, int64_t group_size, bool zero_point,
                            qrt_dtype scale_dtype, bool act_order = false) {
    Weight w;
    w.n = n;
    w.k = k;
    w.group_size = group_size;
    w.groups = group_size == 0 ? 1 : ceil_div(k, group_size);
    w.zero_point = zero_point;
    w.stored.resize(static_cast<size_t>(n * k));
    for (uint32_t& v : w.stored) v = static_cast<uint32_t>(random.integer(0, 15));
    w.zero_stored.assign(static_cast<size_t>(n * w.groups), 8u);
    if (zero_point) {
        for (uint32_t& v : w.zero_stored) v = static_cast<uint32_t>(random.integer(0, 15));
    }
    w.g_idx.resize(static_cast<size_t>(k));
    for (int64_t c = 0; c < k; ++c) w.g_idx[static_cast<size_t>(c)] = group_size == 0 ? 0 : static_cast<int32_t>(c / group_size);
    if (act_order) std::shuffle(w.g_idx.begin(), w.g_idx.end(), random.engine());
    w.scale = store(random.uniform(static_cast<size_t>(n * w.groups), 0.002f, 0.03f), scale_dtype);
    w.packed = pack_rows(w.stored, n, k);
    w.zero_packed = pack_zero_points(w.zero_stored, n, w.groups);
    return w;
}

// The columns in group order (stable): the permutation a loader applies before the repack, and the gather of x.
inline std::vector<int32_t> group_order(const Weight& w) {
    std::vector<int32_t> order(static_cast<size_t>(w.k));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int32_t a, int32_t b) { return w.g_idx[static_cast<size_t>(a)] < w.g_idx[static_cast<size_t>(b)]; });
    return order;
}

// The pack-quantized words of w with its columns in `order`.
inline std::vector<int32_t> permuted_packed(const Weight& w, const std::vector<int32_t>& order) {
    std::vector<uint32_t> stored(w.stored.size());
    for (int64_t r = 0; r < w.n; ++r) {
        for (int64_t j = 0; j < w.k; ++j) {
            stored[static_cast<size_t>(r * w.k + j)] = w.stored[static_cast<size_t>(r * w.k + order[static_cast<size_t>(j)])];
        }
    }
    return pack_rows(stored, w.n, w.k);
}

// The repacked weight word at [kt][64 nt + 4l + j] from qrt.h's text: thread l = 4g + t; values e0..e3 of
// feature 16j + g at tile columns 2t, 2t+1, 2t+8, 2t+9, e4..e7 of feature 16j + 8 + g; nibble i holds
// e[{0, 2, 4, 6, 1, 3, 5, 7}[i]]. `stored` is [N][K] in the (already sorted) column order.
inline uint32_t expected_repacked_word(const std::vector<uint32_t>& stored, int64_t k, int64_t kt, int64_t nt,
                                       int word_in_tile) {
    const int l = word_in_tile / 4, j = word_in_tile % 4, g = l / 4, t = l % 4;
    const int columns[4] = {2 * t, 2 * t + 1, 2 * t + 8, 2 * t + 9};
    uint32_t e[8];
    for (int v = 0; v < 8; ++v) {
        const int64_t feature = 64 * nt + 16 * j + (v < 4 ? 0 : 8) + g;
        const int64_t column = 16 * kt + columns[v % 4];
        e[v] = stored[static_cast<size_t>(feature * k + column)];
    }
    const int order[8] = {0, 2, 4, 6, 1, 3, 5, 7};
    uint32_t word = 0;
    for (int i = 0; i < 8; ++i) word |= e[order[i]] << (4 * i);
    return word;
}

// The repacked zero-point word [g][8 nt + c]: nibble i holds the stored zero point of feature 64 nt + 8i + c.
inline uint32_t expected_zero_word(const Weight& w, int64_t g, int64_t nt, int c) {
    uint32_t word = 0;
    for (int i = 0; i < 8; ++i) word |= w.zero_stored[static_cast<size_t>((64 * nt + 8 * i + c) * w.groups + g)] << (4 * i);
    return word;
}

}  // namespace qrt_test::wna16
