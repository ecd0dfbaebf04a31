// A grouped W4A16 problem for the tests of qrt_gemm_wna16_repacked_grouped and qrt_gather_columns_grouped: E random
// 4-bit experts (each with its own activation order when asked), their pack-quantized tensors in each expert's sorted
// column order, the routed rows' segment sizes (empty ones included) and their offsets, and the stacking of the
// experts' repacks: each expert is repacked by qrt_repack_wna16 straight into its slice of the stacked tensors, a
// rank-2 contiguous view of the stack at the slice's first element, as qrt.h tells callers to stack.
#pragma once

#include <cstdint>
#include <vector>

#include "test_tensors.h"
#include "test_util.h"
#include "test_wna16_weights.h"

namespace qrt_test::wna16 {

struct GroupedProblem {
    int64_t experts = 0, rows = 0, n = 0, k = 0, group_size = 0, groups = 1;
    bool zero_point = false, act_order = false;
    std::vector<Weight> weights;                 // [E]
    std::vector<std::vector<int32_t>> orders;    // [E][K]: each expert's columns in group order (identity without act order)
    std::vector<std::vector<int32_t>> packed;    // [E]: pack-quantized words in that order
    std::vector<int32_t> offsets;                // [E + 1]
    std::vector<int32_t> indices;                // [E][K]: the orders, stacked for qrt_gather_columns_grouped

    int64_t weight_words() const { return k / 16 * 2 * n; }
    int64_t scale_elements() const { return groups * n; }
    int64_t zero_words() const { return groups * (n / 8); }
};

inline GroupedProblem grouped_problem(Random& random, const std::vector<int64_t>& segment_rows, int64_t n, int64_t k,
                                      int64_t group_size, bool zero_point, qrt_dtype scale_dtype, bool act_order) {
    GroupedProblem p;
    p.experts = static_cast<int64_t>(segment_rows.size());
    p.n = n;
    p.k = k;
    p.group_size = group_size;
    p.groups = group_size == 0 ? 1 : ceil_div(k, group_size);
    p.zero_point = zero_point;
    p.act_order = act_order;
    p.offsets.push_back(0);
    for (int64_t e = 0; e < p.experts; ++e) {
        p.weights.push_back(random_weight(random, n, k, group_size, zero_point, scale_dtype, act_order));
        p.orders.push_back(group_order(p.weights.back()));
        p.packed.push_back(act_order ? permuted_packed(p.weights.back(), p.orders.back()) : p.weights.back().packed);
        p.indices.insert(p.indices.end(), p.orders.back().begin(), p.orders.back().end());
        p.offsets.push_back(p.offsets.back() + static_cast<int32_t>(segment_rows[static_cast<size_t>(e)]));
    }
    p.rows = p.offsets.back();
    return p;
}

// Repacks every expert of p on `stream` into its slice of the stacked tensors at weight, scale and zero (device or
// host memory of the stream's device, sized for E experts; zero_source and zero unused, and may be null, without
// zero points). `packed`, `scale_source` and `zero_source` hold each expert's pack-quantized tensors, one after
// another, in memory of the same device.
inline void repack_into_slices(qrt_stream* stream, qrt_device device, const GroupedProblem& p, int32_t* packed,
                               unsigned char* scale_source, int32_t* zero_source, int32_t* weight, unsigned char* scale,
                               int32_t* zero) {
    const qrt_dtype scale_dtype = p.weights[0].scale.dtype;
    const size_t scale_size = qrt_dtype_size(scale_dtype);
    for (int64_t e = 0; e < p.experts; ++e) {
        qrt_tensor pt = tensor(packed + e * p.n * (p.k / 8), QRT_DTYPE_I32, {p.n, p.k / 8}, device);
        qrt_tensor st = tensor(scale_source + static_cast<size_t>(e * p.scale_elements()) * scale_size, scale_dtype,
                               {p.n, p.groups}, device);
        qrt_tensor zt = tensor(p.zero_point ? zero_source + e * p.zero_words() : nullptr, QRT_DTYPE_I32,
                               {p.n / 8, p.groups}, device);
        qrt_tensor rw = tensor(weight + e * p.weight_words(), QRT_DTYPE_I32, {p.k / 16, 2 * p.n}, device);
        qrt_tensor rs = tensor(scale + static_cast<size_t>(e * p.scale_elements()) * scale_size, scale_dtype,
                               {p.groups, p.n}, device);
        qrt_tensor rz = tensor(p.zero_point ? zero + e * p.zero_words() : nullptr, QRT_DTYPE_I32, {p.groups, p.n / 8},
                               device);
        QRT_CHECK_OK(qrt_repack_wna16(stream, &pt, &st, p.zero_point ? &zt : nullptr, 4, p.group_size, &rw, &rs,
                                      p.zero_point ? &rz : nullptr));
    }
}

// The experts' pack-quantized tensors, one after another, as repack_into_slices reads them.
inline std::vector<int32_t> all_packed(const GroupedProblem& p) {
    std::vector<int32_t> all;
    for (const auto& words : p.packed) all.insert(all.end(), words.begin(), words.end());
    return all;
}
inline std::vector<unsigned char> all_scales(const GroupedProblem& p) {
    std::vector<unsigned char> all;
    for (const Weight& w : p.weights) all.insert(all.end(), w.scale.bytes.begin(), w.scale.bytes.end());
    return all;
}
inline std::vector<int32_t> all_zero_points(const GroupedProblem& p) {
    std::vector<int32_t> all;
    for (const Weight& w : p.weights) all.insert(all.end(), w.zero_packed.begin(), w.zero_packed.end());
    return all;
}

}  // namespace qrt_test::wna16
