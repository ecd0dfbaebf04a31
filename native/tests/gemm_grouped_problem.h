// What the grouped expert GEMM tests share (test_gemm_grouped.cpp on the CPU, test_cuda_gemm_grouped.cpp on CUDA):
// a problem of E stacked experts and rows sorted by expert, built from per-expert row counts; the grouped call of
// each op; the ungrouped op's call on one expert's slice (the oracle each segment must equal); and the exact value
// and the magnitude of its products for one output, computed from the op's definition in qrt.h.
#pragma once

#include <cstring>
#include <numeric>
#include <vector>

#include "cuda_gemm_test_util.h"

namespace qrt_test {

enum class GroupedOp { Dense, Int8, Fp8, W8A16 };

inline const char* grouped_op_name(GroupedOp op) {
    return op == GroupedOp::Dense ? "dense" : op == GroupedOp::Int8 ? "w8a8_int8" : op == GroupedOp::Fp8 ? "w8a8_fp8"
                                                                                                           : "w8a16_fp8";
}

struct GroupedCase {
    GroupedOp op;
    std::vector<int32_t> rows_per_expert;  // E entries; R = their sum
    int64_t n, k;
    qrt_dtype x_dtype;      // dense and W8A16: the activations' (and dense weights') dtype
    int a_scale_kind;       // W8A8: 0 one element, 1 [E] per expert, 2 [R, 1] per token
    bool w_scale_per_channel;  // [E, N], else [E]
    qrt_dtype w_scale_dtype;
    bool zero_point;        // INT8: a_zero_point [E]
    bool bias;
    qrt_dtype y_dtype;

    int64_t experts() const { return static_cast<int64_t>(rows_per_expert.size()); }
    int64_t rows() const { return std::accumulate(rows_per_expert.begin(), rows_per_expert.end(), int64_t{0}); }
};

struct GroupedProblem {
    Operand x, a_scale, zero_point, w, w_scale, bias, offsets, y;
    std::vector<int32_t> offset_values;  // E + 1, from 0 to R
};

inline qrt_dtype activation_dtype(const GroupedCase& c) {
    return c.op == GroupedOp::Int8 ? QRT_DTYPE_I8 : c.op == GroupedOp::Fp8 ? QRT_DTYPE_F8_E4M3 : c.x_dtype;
}

inline qrt_dtype weight_dtype(const GroupedCase& c) {
    return c.op == GroupedOp::Int8 ? QRT_DTYPE_I8 : c.op == GroupedOp::Dense ? c.x_dtype : QRT_DTYPE_F8_E4M3;
}

inline void set_i32(Operand& operand, const std::vector<int32_t>& values) {
    std::memcpy(operand.bytes.data(), values.data(), values.size() * 4);
}

inline GroupedProblem make_grouped_problem(Random& random, const GroupedCase& c) {
    const int64_t e = c.experts(), r = c.rows();
    GroupedProblem p;
    p.offset_values.assign(1, 0);
    for (int32_t rows : c.rows_per_expert) p.offset_values.push_back(p.offset_values.back() + rows);
    p.offsets = Operand(QRT_DTYPE_I32, {e + 1});
    set_i32(p.offsets, p.offset_values);
    p.x = Operand(activation_dtype(c), {r, c.k});
    if (p.x.dtype == QRT_DTYPE_I8 || p.x.dtype == QRT_DTYPE_F8_E4M3) {
        fill_bytes(random, p.x, p.x.dtype == QRT_DTYPE_F8_E4M3);
    } else {
        fill_uniform(random, p.x, -2.0f, 2.0f);
    }
    p.w = Operand(weight_dtype(c), {e, c.n, c.k});
    if (p.w.dtype == QRT_DTYPE_I8 || p.w.dtype == QRT_DTYPE_F8_E4M3) {
        fill_bytes(random, p.w, p.w.dtype == QRT_DTYPE_F8_E4M3);
    } else {
        fill_uniform(random, p.w, -1.0f, 1.0f);
    }
    p.a_scale = Operand(QRT_DTYPE_F32, c.a_scale_kind == 0   ? std::vector<int64_t>{1}
                                       : c.a_scale_kind == 1 ? std::vector<int64_t>{e}
                                                             : std::vector<int64_t>{r, 1});
    fill_uniform(random, p.a_scale, 0.001f, 0.01f);
    p.zero_point = Operand(QRT_DTYPE_I32, {e});
    std::vector<int32_t> zero_points(static_cast<size_t>(e));
    for (int32_t& z : zero_points) z = random.integer(-30, 30) | 1;  // odd: never 0
    set_i32(p.zero_point, zero_points);
    p.w_scale = Operand(c.w_scale_dtype, c.w_scale_per_channel ? std::vector<int64_t>{e, c.n} : std::vector<int64_t>{e});
    fill_uniform(random, p.w_scale, 0.001f, 0.01f);
    p.bias = Operand(QRT_DTYPE_F32, {e, c.n});
    fill_uniform(random, p.bias, -2.0f, 2.0f);
    p.y = Operand(c.y_dtype, {r, c.n});
    return p;
}

inline void upload(qrt_stream* gpu, GroupedProblem& p) {
    for (Operand* o : {&p.x, &p.a_scale, &p.zero_point, &p.w, &p.w_scale, &p.bias, &p.offsets, &p.y}) o->upload(gpu);
}

// The grouped op on the problem's operands (host or device copies).
inline qrt_status run_grouped(qrt_stream* stream, GroupedProblem& p, const GroupedCase& c, bool on_gpu) {
    auto view = [&](Operand& o) { return on_gpu ? o.gpu() : o.host(); };
    qrt_tensor x = view(p.x), a_scale = view(p.a_scale), zero_point = view(p.zero_point), w = view(p.w),
               w_scale = view(p.w_scale), bias = view(p.bias), offsets = view(p.offsets), y = view(p.y);
    qrt_tensor* b = c.bias ? &bias : nullptr;
    switch (c.op) {
        case GroupedOp::Dense: return qrt_gemm_grouped(stream, &x, &w, b, &offsets, &y);
        case GroupedOp::Int8:
            return qrt_gemm_w8a8_int8_grouped(stream, &x, &a_scale, c.zero_point ? &zero_point : nullptr, &w,
                                              &w_scale, b, &offsets, &y);
        case GroupedOp::Fp8: return qrt_gemm_w8a8_fp8_grouped(stream, &x, &a_scale, &w, &w_scale, b, &offsets, &y);
        case GroupedOp::W8A16: return qrt_gemm_w8a16_fp8_grouped(stream, &x, &w, &w_scale, b, &offsets, &y);
    }
    return QRT_STATUS_INTERNAL_ERROR;
}

// A descriptor of `count` elements (shape `shape`) starting `first` elements into t's data.
inline qrt_tensor part_of(const qrt_tensor& t, int64_t first, std::initializer_list<int64_t> shape) {
    const qrt_dtype dtype = static_cast<qrt_dtype>(t.dtype);
    return tensor(static_cast<char*>(t.data) + first * static_cast<int64_t>(qrt_dtype_size(dtype)), dtype, shape,
                  t.device);
}

// The ungrouped op on expert e's slice: its rows of x and of `y` (an output shaped like p.y), its weight, scales,
// zero point and bias.
inline qrt_status run_ungrouped_segment(qrt_stream* stream, GroupedProblem& p, const GroupedCase& c, int64_t e,
                                        Operand& y, bool on_gpu) {
    auto view = [&](Operand& o) { return on_gpu ? o.gpu() : o.host(); };
    const int64_t begin = p.offset_values[static_cast<size_t>(e)];
    const int64_t rows = p.offset_values[static_cast<size_t>(e) + 1] - begin;
    qrt_tensor x = part_of(view(p.x), begin * c.k, {rows, c.k});
    qrt_tensor yt = part_of(view(y), begin * c.n, {rows, c.n});
    qrt_tensor w = part_of(view(p.w), e * c.n * c.k, {c.n, c.k});
    qrt_tensor w_scale = c.w_scale_per_channel ? part_of(view(p.w_scale), e * c.n, {c.n}) : part_of(view(p.w_scale), e, {1});
    qrt_tensor a_scale = c.a_scale_kind == 0   ? view(p.a_scale)
                         : c.a_scale_kind == 1 ? part_of(view(p.a_scale), e, {1})
                                               : part_of(view(p.a_scale), begin, {rows});
    qrt_tensor zero_point = part_of(view(p.zero_point), e, {1});
    qrt_tensor bias = part_of(view(p.bias), e * c.n, {c.n});
    qrt_tensor* b = c.bias ? &bias : nullptr;
    switch (c.op) {
        case GroupedOp::Dense: return qrt_gemm(stream, &x, &w, b, &yt);
        case GroupedOp::Int8:
            return qrt_gemm_w8a8_int8(stream, &x, &a_scale, c.zero_point ? &zero_point : nullptr, &w, &w_scale, b, &yt);
        case GroupedOp::Fp8: return qrt_gemm_w8a8_fp8(stream, &x, &a_scale, &w, &w_scale, b, &yt);
        case GroupedOp::W8A16: return qrt_gemm_w8a16_fp8(stream, &x, &w, &w_scale, b, &yt);
    }
    return QRT_STATUS_INTERNAL_ERROR;
}

// The value the library reads for element i of an activation or weight operand.
inline double grouped_operand_value(const Operand& o, size_t i) {
    if (o.dtype == QRT_DTYPE_F8_E4M3) return e4m3_value(o.bytes[i]);
    if (o.dtype == QRT_DTYPE_I8) return static_cast<double>(static_cast<int8_t>(o.bytes[i]));
    return static_cast<double>(o.get(i));
}

// One output y[m][n] of expert e from the op's definition: the scales, the bias, the exact (double) sum of products
// and the sum of their magnitudes. For INT8 the integer total (zero point included) is exact in `integer_total`.
struct GroupedReference {
    double row_scale = 1.0, col_scale = 1.0, bias = 0.0;
    double dot = 0.0, products = 0.0;
    int64_t integer_total = 0;

    double exact() const { return row_scale * col_scale * dot + bias; }
};

inline GroupedReference grouped_reference(const GroupedProblem& p, const GroupedCase& c, int64_t e, int64_t m,
                                          int64_t n) {
    GroupedReference ref;
    const bool w8a8 = c.op == GroupedOp::Int8 || c.op == GroupedOp::Fp8;
    if (w8a8) {
        ref.row_scale = p.a_scale.get(static_cast<size_t>(c.a_scale_kind == 0 ? 0 : c.a_scale_kind == 1 ? e : m));
    }
    if (c.op != GroupedOp::Dense) {
        ref.col_scale = p.w_scale.get(static_cast<size_t>(c.w_scale_per_channel ? e * c.n + n : e));
    }
    if (c.bias) ref.bias = p.bias.get(static_cast<size_t>(e * c.n + n));
    int64_t zero_point = 0;
    if (c.op == GroupedOp::Int8 && c.zero_point) {
        int32_t z;
        std::memcpy(&z, p.zero_point.bytes.data() + 4 * e, 4);
        zero_point = z;
    }
    for (int64_t k = 0; k < c.k; ++k) {
        const double a = grouped_operand_value(p.x, static_cast<size_t>(m * c.k + k));
        const double w = grouped_operand_value(p.w, static_cast<size_t>((e * c.n + n) * c.k + k));
        ref.dot += (a - static_cast<double>(zero_point)) * w;
        ref.products += std::fabs(a * w);
        if (c.op == GroupedOp::Int8) {
            ref.integer_total += (static_cast<int64_t>(a) - zero_point) * static_cast<int64_t>(w);
        }
    }
    return ref;
}

// The expert whose (valid) segment holds row m.
inline int64_t expert_of_row(const GroupedProblem& p, int64_t m) {
    int64_t e = 0;
    while (p.offset_values[static_cast<size_t>(e) + 1] <= m) ++e;
    return e;
}

}  // namespace qrt_test
