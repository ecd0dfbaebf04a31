// The CPU grouped expert GEMMs and per-expert static quantization (qrt_gemm_grouped, qrt_gemm_w8a8_int8_grouped,
// qrt_gemm_w8a8_fp8_grouped, qrt_gemm_w8a16_fp8_grouped, qrt_quantize_int8_grouped, qrt_quantize_fp8_grouped) against
//   - a naive loop per expert written from qrt.h's definitions: exact for INT8 (the integer total in int64, then the
//     epilogue's FP32 operations in their order), and within the FP32 accumulation bound for the float families;
//   - the ungrouped CPU op on each expert's slice, which every segment must equal bit for bit;
// with uneven segments, zero-row experts, a single expert, no rows at all, and refused arguments and offsets.
//
// Bound of the float families: the CPU sums K exact-or-once-rounded products in FP32 in its own order and applies
// two FP32 products (the scales, then the scaled sum) and the bias add: at most γ(K+3)·scale·Σ|a·w| + u·|bias| from
// the exact value, then rounding to y's dtype (rounded_output_error).
#include <cmath>
#include <cstring>

#include "gemm_grouped_problem.h"

using namespace qrt_test;

namespace {

// The INT8 epilogue from its definition: the exact integer total converted to FP32 once, times (a_scale · w_scale)
// in FP32, plus the bias in FP32, rounded to y's dtype.
void int8_expected(const GroupedReference& ref, qrt_dtype y_dtype, unsigned char* out) {
    const volatile float value = static_cast<float>(ref.integer_total);
    const volatile float scale = static_cast<float>(ref.row_scale) * static_cast<float>(ref.col_scale);
    volatile float result = scale * value;
    if (ref.bias != 0.0) result = result + static_cast<float>(ref.bias);
    store_element(out, y_dtype, 0, result);
}

void check_case(Random& random, const GroupedCase& c) {
    CpuStream cpu;
    GroupedProblem p = make_grouped_problem(random, c);
    QRT_CHECK_OK(run_grouped(cpu, p, c, false));
    const size_t size = qrt_dtype_size(c.y_dtype);

    // The naive loop per expert.
    long bad = 0;
    for (int64_t e = 0; e < c.experts(); ++e) {
        for (int64_t m = p.offset_values[static_cast<size_t>(e)]; m < p.offset_values[static_cast<size_t>(e) + 1]; ++m) {
            for (int64_t n = 0; n < c.n; ++n) {
                const GroupedReference ref = grouped_reference(p, c, e, m, n);
                const size_t i = p.y.index(m, n);
                bool ok;
                if (c.op == GroupedOp::Int8) {
                    unsigned char expected[4];
                    int8_expected(ref, c.y_dtype, expected);
                    ok = std::memcmp(expected, p.y.bytes.data() + i * size, size) == 0;
                } else {
                    const double scale = std::fabs(ref.row_scale * ref.col_scale);
                    const double fp32_error =
                        gamma_fp32(c.k + 3) * scale * ref.products + kUnitRoundoff * std::fabs(ref.bias);
                    const double bound = rounded_output_error(fp32_error, std::fabs(ref.exact()), c.y_dtype);
                    ok = std::fabs(static_cast<double>(p.y.get(i)) - ref.exact()) <= bound;
                }
                if (!ok && bad++ < 3) {
                    std::fprintf(stderr, "%s: y[%lld][%lld] (expert %lld) = %.9g, reference %.9g\n",
                                 grouped_op_name(c.op), static_cast<long long>(m), static_cast<long long>(n),
                                 static_cast<long long>(e), p.y.get(i), ref.exact());
                }
            }
        }
    }
    QRT_CHECK(bad == 0);

    // The ungrouped op on each slice: the same bits.
    Operand ungrouped(c.y_dtype, {c.rows(), c.n});
    for (int64_t e = 0; e < c.experts(); ++e) {
        QRT_CHECK_OK(run_ungrouped_segment(cpu, p, c, e, ungrouped, false));
    }
    QRT_CHECK(ungrouped.bytes == p.y.bytes);
}

const qrt_dtype kFloatTypes[] = {QRT_DTYPE_F32, QRT_DTYPE_F16, QRT_DTYPE_BF16};

void check_gemms(Random& random) {
    // E = 8 with uneven segments and zero-row experts (first, middle and last), one expert, one row, no rows.
    const std::vector<std::vector<int32_t>> layouts = {
        {0, 3, 5, 0, 1, 0, 7, 0}, {2, 1, 0, 0, 9, 4, 1, 3}, {6}, {0, 0, 1, 0}, {0, 0, 0}};
    int index = 0;
    for (GroupedOp op : {GroupedOp::Dense, GroupedOp::Int8, GroupedOp::Fp8, GroupedOp::W8A16}) {
        for (const std::vector<int32_t>& rows : layouts) {
            for (int variant = 0; variant < 3; ++variant) {
                GroupedCase c{op, rows, 24, 40, kFloatTypes[index % 3], index % 3, index % 2 == 0,
                              kFloatTypes[(index + 1) % 3], index % 4 < 2, index % 5 != 0, kFloatTypes[(index + 2) % 3]};
                check_case(random, c);
                ++index;
            }
        }
    }
    // A deeper K (many panels of the CPU core) with 16-bit activations.
    check_case(random, GroupedCase{GroupedOp::W8A16, {5, 0, 17}, 33, 700, QRT_DTYPE_BF16, 0, true, QRT_DTYPE_F32,
                                   false, true, QRT_DTYPE_F32});
    check_case(random, GroupedCase{GroupedOp::Int8, {5, 0, 17}, 33, 700, QRT_DTYPE_BF16, 2, true, QRT_DTYPE_BF16,
                                   true, true, QRT_DTYPE_BF16});
}

// Static quantization per expert: each segment equals the ungrouped static op with its expert's scale, and INT8 codes
// equal sat(round_half_even(x / scale) + zero_point) computed here.
void check_quantize(Random& random, bool int8, qrt_dtype x_dtype, qrt_dtype scale_dtype, bool zero_point) {
    CpuStream cpu;
    const std::vector<int32_t> rows = {3, 0, 4, 1, 0, 2, 0, 5};
    const int64_t e_count = 8, k = 37;
    std::vector<int32_t> offsets{0};
    for (int32_t r : rows) offsets.push_back(offsets.back() + r);
    const int64_t r_count = offsets.back();
    Operand x(x_dtype, {r_count, k});
    fill_uniform(random, x, -3.0f, 3.0f);
    Operand scale(scale_dtype, {e_count});
    fill_uniform(random, scale, 0.004f, 0.03f);
    std::vector<int32_t> zero_points(static_cast<size_t>(e_count));
    for (int32_t& z : zero_points) z = random.integer(-40, 40);
    const qrt_dtype code = int8 ? QRT_DTYPE_I8 : QRT_DTYPE_F8_E4M3;
    std::vector<uint8_t> q(static_cast<size_t>(r_count * k), 0x5a), expected(q.size(), 0xa5);
    qrt_tensor xt = x.host(), st = scale.host();
    qrt_tensor zt = tensor(zero_points.data(), QRT_DTYPE_I32, {e_count});
    qrt_tensor ot = tensor(offsets.data(), QRT_DTYPE_I32, {e_count + 1});
    qrt_tensor qt = tensor(q.data(), code, {r_count, k});
    if (int8) {
        QRT_CHECK_OK(qrt_quantize_int8_grouped(cpu, &xt, &st, zero_point ? &zt : nullptr, &ot, &qt));
    } else {
        QRT_CHECK_OK(qrt_quantize_fp8_grouped(cpu, &xt, &st, &ot, &qt));
    }
    for (int64_t e = 0; e < e_count; ++e) {
        const int64_t begin = offsets[static_cast<size_t>(e)], count = rows[static_cast<size_t>(e)];
        qrt_tensor xs = part_of(xt, begin * k, {count, k});
        qrt_tensor ss = part_of(st, e, {1});
        qrt_tensor zs = tensor(&zero_points[static_cast<size_t>(e)], QRT_DTYPE_I32, {1});
        qrt_tensor qs = tensor(expected.data() + begin * k, code, {count, k});
        if (int8) {
            QRT_CHECK_OK(qrt_quantize_int8(cpu, &xs, &ss, zero_point ? &zs : nullptr, &qs, nullptr));
        } else {
            QRT_CHECK_OK(qrt_quantize_fp8(cpu, &xs, &ss, &qs, nullptr));
        }
        if (!int8) continue;
        long bad = 0;
        for (int64_t m = begin; m < begin + count; ++m) {
            for (int64_t j = 0; j < k; ++j) {
                const volatile float quotient = x.get(x.index(m, j)) / scale.get(static_cast<size_t>(e));
                double code_value = std::nearbyint(static_cast<double>(quotient));
                if (zero_point) code_value += zero_points[static_cast<size_t>(e)];
                code_value = std::fmin(127.0, std::fmax(-128.0, code_value));
                if (static_cast<int8_t>(q[static_cast<size_t>(m * k + j)]) != static_cast<int8_t>(code_value)) ++bad;
            }
        }
        QRT_CHECK(bad == 0);
    }
    QRT_CHECK(q == expected);
}

void check_refusals() {
    CpuStream cpu;
    const int64_t e = 2, n = 4, k = 16, r = 3;
    std::vector<float> x(r * k, 0.5f), w(e * n * k, 0.25f), y(r * n), bias(e * n), w_scale(e, 1.0f);
    std::vector<int8_t> a(r * k), w8(e * n * k);
    std::vector<float> a_scale(r, 1.0f);
    qrt_tensor xt = tensor(x.data(), QRT_DTYPE_F32, {r, k});
    qrt_tensor wt = tensor(w.data(), QRT_DTYPE_F32, {e, n, k});
    qrt_tensor yt = tensor(y.data(), QRT_DTYPE_F32, {r, n});
    auto gemm = [&](std::vector<int32_t> offsets, qrt_tensor* w_arg = nullptr, qrt_tensor* bias_arg = nullptr,
                    qrt_tensor* y_arg = nullptr, qrt_dtype offset_dtype = QRT_DTYPE_I32) {
        qrt_tensor ot = tensor(offsets.data(), offset_dtype, {static_cast<int64_t>(offsets.size())});
        return qrt_gemm_grouped(cpu, &xt, w_arg ? w_arg : &wt, bias_arg, &ot, y_arg ? y_arg : &yt);
    };
    QRT_CHECK_OK(gemm({0, 1, 3}));
    QRT_CHECK_FAILS(gemm({1, 1, 3}), QRT_STATUS_INVALID_ARGUMENT, "start at 0");
    QRT_CHECK_FAILS(gemm({0, 2, 1}), QRT_STATUS_INVALID_ARGUMENT, "must not decrease");
    QRT_CHECK_FAILS(gemm({0, 1, 2}), QRT_STATUS_INVALID_ARGUMENT, "must end at R = 3");
    QRT_CHECK_FAILS(gemm({0, 1, 4}), QRT_STATUS_INVALID_ARGUMENT, "must end at R = 3");
    QRT_CHECK_FAILS(gemm({0, -1, 3}), QRT_STATUS_INVALID_ARGUMENT, "must not decrease");
    QRT_CHECK_FAILS(gemm({0, 3}), QRT_STATUS_INVALID_ARGUMENT, "'expert_offsets'");
    QRT_CHECK_FAILS(gemm({0, 1, 3, 3}), QRT_STATUS_INVALID_ARGUMENT, "'expert_offsets'");
    QRT_CHECK_FAILS(gemm({0, 0, 1, 0, 3, 0}, nullptr, nullptr, nullptr, QRT_DTYPE_I64), QRT_STATUS_INVALID_ARGUMENT,
                    "'expert_offsets'");
    // w must be [E, N, K] with x's K; bias [E, N]; y [R, N].
    qrt_tensor flat = tensor(w.data(), QRT_DTYPE_F32, {e * n, k});
    QRT_CHECK_FAILS(gemm({0, 1, 3}, &flat), QRT_STATUS_INVALID_ARGUMENT, "'w'");
    qrt_tensor narrow = tensor(w.data(), QRT_DTYPE_F32, {e, n * 2, k / 2});
    QRT_CHECK_FAILS(gemm({0, 1, 3}, &narrow), QRT_STATUS_INVALID_ARGUMENT, "'w'");
    qrt_tensor short_bias = tensor(bias.data(), QRT_DTYPE_F32, {n});
    QRT_CHECK_FAILS(gemm({0, 1, 3}, nullptr, &short_bias), QRT_STATUS_INVALID_ARGUMENT, "'bias'");
    qrt_tensor full_bias = tensor(bias.data(), QRT_DTYPE_F32, {e, n});
    QRT_CHECK_OK(gemm({0, 1, 3}, nullptr, &full_bias));
    qrt_tensor y_short = tensor(y.data(), QRT_DTYPE_F32, {r - 1, n});
    QRT_CHECK_FAILS(gemm({0, 1, 3}, nullptr, nullptr, &y_short), QRT_STATUS_INVALID_ARGUMENT, "'y'");

    // Scales: w_scale [E] or [E, N]; a_scale one element, [E] or [R, 1] (a rank-1 [R] is refused: with R = E it
    // would read as per expert); a_zero_point [E].
    std::vector<int32_t> offsets{0, 1, 3};
    std::vector<int32_t> zero_points(3, 0);
    qrt_tensor at = tensor(a.data(), QRT_DTYPE_I8, {r, k});
    qrt_tensor w8t = tensor(w8.data(), QRT_DTYPE_I8, {e, n, k});
    qrt_tensor ot = tensor(offsets.data(), QRT_DTYPE_I32, {e + 1});
    qrt_tensor ws = tensor(w_scale.data(), QRT_DTYPE_F32, {e});
    qrt_tensor ws_bad = tensor(w_scale.data(), QRT_DTYPE_F32, {1});
    qrt_tensor as_rows = tensor(a_scale.data(), QRT_DTYPE_F32, {r, 1});
    qrt_tensor as_rank1 = tensor(a_scale.data(), QRT_DTYPE_F32, {r});
    qrt_tensor zp_bad = tensor(zero_points.data(), QRT_DTYPE_I32, {3});
    qrt_tensor zp = tensor(zero_points.data(), QRT_DTYPE_I32, {e});
    QRT_CHECK_OK(qrt_gemm_w8a8_int8_grouped(cpu, &at, &as_rows, &zp, &w8t, &ws, nullptr, &ot, &yt));
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8_grouped(cpu, &at, &as_rank1, nullptr, &w8t, &ws, nullptr, &ot, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'a_scale'");
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8_grouped(cpu, &at, &as_rows, &zp_bad, &w8t, &ws, nullptr, &ot, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'a_zero_point'");
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8_grouped(cpu, &at, &as_rows, nullptr, &w8t, &ws_bad, nullptr, &ot, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'w_scale'");
    QRT_CHECK_FAILS(qrt_gemm_w8a8_int8_grouped(cpu, &at, &as_rows, nullptr, &wt, &ws, nullptr, &ot, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'w'");
    QRT_CHECK_FAILS(qrt_gemm_w8a16_fp8_grouped(cpu, &xt, &w8t, &ws, nullptr, &ot, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'w'");
    // Quantizers: static_scale [E] with E from the offsets; q like x.
    std::vector<int8_t> q(r * k);
    qrt_tensor qt = tensor(q.data(), QRT_DTYPE_I8, {r, k});
    qrt_tensor scale_one = tensor(w_scale.data(), QRT_DTYPE_F32, {1});
    QRT_CHECK_OK(qrt_quantize_int8_grouped(cpu, &xt, &ws, &zp, &ot, &qt));
    QRT_CHECK_FAILS(qrt_quantize_int8_grouped(cpu, &xt, &scale_one, nullptr, &ot, &qt), QRT_STATUS_INVALID_ARGUMENT,
                    "'static_scale'");
    QRT_CHECK_FAILS(qrt_quantize_fp8_grouped(cpu, &xt, &ws, &ot, &qt), QRT_STATUS_INVALID_ARGUMENT, "'q'");
    std::vector<int32_t> bad_offsets{0, 2, 1};
    qrt_tensor bad = tensor(bad_offsets.data(), QRT_DTYPE_I32, {e + 1});
    QRT_CHECK_FAILS(qrt_quantize_int8_grouped(cpu, &xt, &ws, nullptr, &bad, &qt), QRT_STATUS_INVALID_ARGUMENT,
                    "must not decrease");
}

}  // namespace

int main() {
    Random random(20261208);
    check_gemms(random);
    for (bool int8 : {true, false}) {
        for (qrt_dtype x_dtype : kFloatTypes) {
            check_quantize(random, int8, x_dtype, kFloatTypes[(static_cast<int>(x_dtype) + 1) % 3], int8);
        }
    }
    check_quantize(random, true, QRT_DTYPE_BF16, QRT_DTYPE_F32, false);
    check_refusals();
    return finish("test_gemm_grouped");
}
