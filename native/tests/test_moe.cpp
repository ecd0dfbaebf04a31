// The mixture-of-experts routing ops on the CPU against loops written here from their definitions in qrt.h:
// route as the managed SparseMoe routes (qrt_softmax's probabilities, its TopK loop, its renormalisation), and
// against an exact softmax in double; sort as a naive expert-by-expert scan; gather as a row copy; combine as the
// weighted sum in increasing expert id. Bad arguments fail naming the argument.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "test_bounds.h"
#include "test_formats.h"
#include "test_tensors.h"
#include "moe_test_util.h"
#include "test_util.h"

using namespace qrt_test;

namespace {

using Shape = MoeShape;

const Shape kShapes[] = {{1, 8, 2}, {37, 8, 2}, {1, 5, 3}, {37, 5, 3}, {19, 64, 8}, {5, 3, 3}};

// SparseMoe.TopK: the indices of the k largest values, largest first; on ties the lower index.
std::vector<int32_t> sparse_moe_top_k(const float* values, int64_t count, int64_t k) {
    std::vector<int32_t> best;
    for (int64_t slot = 0; slot < k; ++slot) {
        int64_t pick = -1;
        for (int64_t i = 0; i < count; ++i) {
            if (std::find(best.begin(), best.end(), static_cast<int32_t>(i)) != best.end()) continue;
            if (pick < 0 || values[i] > values[pick]) pick = i;
        }
        best.push_back(static_cast<int32_t>(pick));
    }
    return best;
}

// Route against SparseMoe's own steps: qrt_softmax into F32 (what SparseMoe routes on), its TopK, and its
// renormalisation (the kept probabilities added in slot order from 0, then each divided by the sum): the same
// operations on the same values, so the same bits.
void check_route_like_sparse_moe(qrt_stream* stream, const Shape& s, qrt_dtype dtype, bool renormalize,
                                 Random& random) {
    FloatBuffer logits(dtype, grid_logits(s, random, false));
    std::vector<int32_t> ids(static_cast<size_t>(s.tokens * s.top_k), -7);
    std::vector<float> weights(ids.size(), -7.0f);
    qrt_tensor logits_t = tensor(logits.data(), dtype, {s.tokens, s.experts});
    qrt_tensor ids_t = tensor(ids.data(), QRT_DTYPE_I32, {s.tokens, s.top_k});
    qrt_tensor weights_t = tensor(weights.data(), QRT_DTYPE_F32, {s.tokens, s.top_k});
    QRT_CHECK_OK(qrt_moe_route(stream, &logits_t, static_cast<int32_t>(s.top_k), renormalize ? 1 : 0, &ids_t,
                               &weights_t));

    std::vector<float> probabilities(static_cast<size_t>(s.tokens * s.experts));
    qrt_tensor probabilities_t = tensor(probabilities.data(), QRT_DTYPE_F32, {s.tokens, s.experts});
    QRT_CHECK_OK(qrt_softmax(stream, &logits_t, &probabilities_t));
    size_t wrong = 0;
    for (int64_t t = 0; t < s.tokens; ++t) {
        const float* row = probabilities.data() + t * s.experts;
        const std::vector<int32_t> best = sparse_moe_top_k(row, s.experts, s.top_k);
        float total = 0.0f;
        for (int32_t e : best) total += row[e];
        for (int64_t slot = 0; slot < s.top_k; ++slot) {
            const size_t i = static_cast<size_t>(t * s.top_k + slot);
            const float expected = renormalize ? row[best[slot]] / total : row[best[slot]];
            if (ids[i] != best[slot] || std::memcmp(&weights[i], &expected, 4) != 0) ++wrong;
        }
    }
    if (wrong > 0) {
        std::fprintf(stderr, "%s renormalize=%d: %zu slots differ from SparseMoe's routing\n",
                     moe_label("route", s, dtype).c_str(), renormalize, wrong);
        ++failures();
    }
}

// Route against an exact softmax in double: the same experts, lower index first on ties, and weights within
//   (E + 20)·u relative without renormalising, (2E + k + 40)·u with it, u = 2^-24,
// to first order. The op computes each probability as fl(exp(fl(x − m))) / fl(Σ): x − m (|x − m| ≤ 8 here) rounds
// by at most 8u absolute, which exp turns into 8u relative; expf errs by at most 2u (one ulp); the FP32 sum of E such
// terms adds (E − 1)u to their 10u; the division u. That is 10u + 10u + (E − 1)u + u = (E + 20)u for a probability.
// A renormalised weight divides one probability by the FP32 sum of k of them: (E + 20)u twice, (k − 1)u for that
// sum and u for the division. The factor 1.01 covers the neglected second-order terms (products of two of these
// bounds, each below 2^-15).
void check_route_exact(qrt_stream* stream, const Shape& s, qrt_dtype dtype, bool renormalize, Random& random) {
    FloatBuffer logits(dtype, grid_logits(s, random, false));
    std::vector<int32_t> ids(static_cast<size_t>(s.tokens * s.top_k), -7);
    std::vector<float> weights(ids.size(), -7.0f);
    qrt_tensor logits_t = tensor(logits.data(), dtype, {s.tokens, s.experts});
    qrt_tensor ids_t = tensor(ids.data(), QRT_DTYPE_I32, {s.tokens, s.top_k});
    qrt_tensor weights_t = tensor(weights.data(), QRT_DTYPE_F32, {s.tokens, s.top_k});
    QRT_CHECK_OK(qrt_moe_route(stream, &logits_t, static_cast<int32_t>(s.top_k), renormalize ? 1 : 0, &ids_t,
                               &weights_t));
    const double u = kUnitRoundoff;
    const double bound =
        1.01 * u * (renormalize ? 2.0 * static_cast<double>(s.experts) + static_cast<double>(s.top_k) + 40.0
                                : static_cast<double>(s.experts) + 20.0);
    size_t wrong_ids = 0, wrong_weights = 0;
    for (int64_t t = 0; t < s.tokens; ++t) {
        std::vector<double> p(static_cast<size_t>(s.experts));
        double largest = -INFINITY;
        for (int64_t e = 0; e < s.experts; ++e) largest = std::max<double>(largest, logits.get(t * s.experts + e));
        double sum = 0.0;
        for (int64_t e = 0; e < s.experts; ++e) sum += p[e] = std::exp(logits.get(t * s.experts + e) - largest);
        for (double& value : p) value /= sum;
        // Experts by decreasing probability, the lower index first on ties.
        std::vector<int32_t> order(static_cast<size_t>(s.experts));
        for (int64_t e = 0; e < s.experts; ++e) order[e] = static_cast<int32_t>(e);
        std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return p[a] > p[b]; });
        double kept = 0.0;
        for (int64_t slot = 0; slot < s.top_k; ++slot) kept += p[order[slot]];
        for (int64_t slot = 0; slot < s.top_k; ++slot) {
            const size_t i = static_cast<size_t>(t * s.top_k + slot);
            const double expected = renormalize ? p[order[slot]] / kept : p[order[slot]];
            if (ids[i] != order[slot]) ++wrong_ids;
            if (!(std::fabs(weights[i] - expected) <= bound * expected)) ++wrong_weights;
        }
    }
    if (wrong_ids + wrong_weights > 0) {
        std::fprintf(stderr, "%s renormalize=%d: %zu experts and %zu weights differ from the exact routing\n",
                     moe_label("route", s, dtype).c_str(), renormalize, wrong_ids, wrong_weights);
        ++failures();
    }
}

// A hand-worked row: logits ln 1, ln 4, ln 3, ln 2 give probabilities 0.1, 0.4, 0.3, 0.2; the top two are experts
// 1 and 2, with weights 0.4 and 0.3, or 4/7 and 3/7 renormalised. A row of NaN routes to experts 0 and 1.
void test_route_by_hand(qrt_stream* stream) {
    std::vector<float> logits = {0.0f, std::log(4.0f), std::log(3.0f), std::log(2.0f), std::nanf(""), 1, 2, 3};
    std::vector<int32_t> ids(4);
    std::vector<float> weights(4);
    qrt_tensor logits_t = tensor(logits.data(), QRT_DTYPE_F32, {2, 4});
    qrt_tensor ids_t = tensor(ids.data(), QRT_DTYPE_I32, {2, 2});
    qrt_tensor weights_t = tensor(weights.data(), QRT_DTYPE_F32, {2, 2});
    // Within 1e-6 relative: a few FP32 roundings of each input (ln k in FP32 is off by u) and of each step.
    const auto near = [](float actual, double expected) { return std::fabs(actual - expected) <= 1e-6 * expected; };
    QRT_CHECK_OK(qrt_moe_route(stream, &logits_t, 2, 0, &ids_t, &weights_t));
    QRT_CHECK(ids[0] == 1 && ids[1] == 2 && near(weights[0], 0.4) && near(weights[1], 0.3));
    QRT_CHECK(ids[2] == 0 && ids[3] == 1 && std::isnan(weights[2]) && std::isnan(weights[3]));
    QRT_CHECK_OK(qrt_moe_route(stream, &logits_t, 2, 1, &ids_t, &weights_t));
    QRT_CHECK(ids[0] == 1 && ids[1] == 2 && near(weights[0], 4.0 / 7.0) && near(weights[1], 3.0 / 7.0));
}

// Sort against a naive scan: expert by expert, the pairs holding it in increasing order.
void check_sort(qrt_stream* stream, const Shape& s, Random& random) {
    const int64_t pairs = s.tokens * s.top_k;
    std::vector<int32_t> ids(static_cast<size_t>(pairs));
    for (int32_t& id : ids) id = random.integer(0, static_cast<int32_t>(s.experts - 1));
    std::vector<int32_t> rows(ids.size(), -7), offsets(static_cast<size_t>(s.experts + 1), -7), positions(ids.size(), -7);
    qrt_tensor ids_t = tensor(ids.data(), QRT_DTYPE_I32, {s.tokens, s.top_k});
    qrt_tensor rows_t = tensor(rows.data(), QRT_DTYPE_I32, {pairs});
    qrt_tensor offsets_t = tensor(offsets.data(), QRT_DTYPE_I32, {s.experts + 1});
    qrt_tensor positions_t = tensor(positions.data(), QRT_DTYPE_I32, {s.tokens, s.top_k});
    QRT_CHECK_OK(qrt_moe_sort(stream, &ids_t, static_cast<int32_t>(s.experts), &rows_t, &offsets_t, &positions_t));

    std::vector<int32_t> expected_rows, expected_offsets = {0}, expected_positions(ids.size(), -1);
    for (int32_t e = 0; e < s.experts; ++e) {
        for (int32_t p = 0; p < pairs; ++p) {
            if (ids[p] != e) continue;
            expected_positions[p] = static_cast<int32_t>(expected_rows.size());
            expected_rows.push_back(p);
        }
        expected_offsets.push_back(static_cast<int32_t>(expected_rows.size()));
    }
    if (rows != expected_rows || offsets != expected_offsets || positions != expected_positions) {
        std::fprintf(stderr, "%s: sorted rows, offsets or positions differ from the naive sort\n",
                     moe_label("sort", s, QRT_DTYPE_I32).c_str());
        ++failures();
    }
}

// Gather against a row copy, with x's rows padded: each xs row is the bytes of its token's row.
void check_gather(qrt_stream* stream, const Shape& s, qrt_dtype dtype, Random& random) {
    const int64_t pairs = s.tokens * s.top_k, hidden = 37, x_stride = 40;
    FloatBuffer x(dtype, random.normal(static_cast<size_t>(s.tokens * x_stride)));
    std::vector<int32_t> rows(static_cast<size_t>(pairs));
    for (int32_t& row : rows) row = random.integer(0, static_cast<int32_t>(pairs - 1));
    FloatBuffer xs(dtype, static_cast<size_t>(pairs * hidden), -7.0f);
    qrt_tensor x_t = matrix(x.data(), dtype, s.tokens, hidden, x_stride);
    qrt_tensor rows_t = tensor(rows.data(), QRT_DTYPE_I32, {pairs});
    qrt_tensor xs_t = tensor(xs.data(), dtype, {pairs, hidden});
    QRT_CHECK_OK(qrt_moe_gather(stream, &x_t, &rows_t, static_cast<int32_t>(s.top_k), &xs_t));
    size_t wrong = 0;
    const size_t size = qrt_dtype_size(dtype);
    for (int64_t i = 0; i < pairs; ++i) {
        const int64_t token = rows[i] / s.top_k;
        if (std::memcmp(xs.element(static_cast<size_t>(i * hidden)), x.element(static_cast<size_t>(token * x_stride)),
                        size * static_cast<size_t>(hidden)) != 0) {
            ++wrong;
        }
    }
    if (wrong > 0) {
        std::fprintf(stderr, "%s: %zu gathered rows differ\n", moe_label("gather", s, dtype).c_str(), wrong);
        ++failures();
    }
}

// Combine against the weighted sum in increasing expert id (slot order on equal ids), each product and sum rounded
// to FP32 in turn as qrt.h defines it: the same bits. Some tokens repeat an expert, and some slots are dropped (-1).
void check_combine(qrt_stream* stream, const Shape& s, qrt_dtype out_dtype, qrt_dtype y_dtype, Random& random) {
    const int64_t pairs = s.tokens * s.top_k, hidden = 45;
    FloatBuffer out(out_dtype, random.normal(static_cast<size_t>(pairs * hidden), 2.0f));
    std::vector<int32_t> positions(static_cast<size_t>(pairs));
    for (int32_t p = 0; p < pairs; ++p) positions[p] = p;
    std::shuffle(positions.begin(), positions.end(), random.engine());
    if (pairs > 3) positions[2] = -1;
    std::vector<int32_t> ids(static_cast<size_t>(pairs));
    for (int32_t& id : ids) id = random.integer(0, static_cast<int32_t>(s.experts - 1));
    std::vector<float> weights = random.uniform(static_cast<size_t>(pairs), 0.0f, 1.0f);
    FloatBuffer y(y_dtype, static_cast<size_t>(s.tokens * hidden), -7.0f);
    qrt_tensor out_t = tensor(out.data(), out_dtype, {pairs, hidden});
    qrt_tensor positions_t = tensor(positions.data(), QRT_DTYPE_I32, {s.tokens, s.top_k});
    qrt_tensor weights_t = tensor(weights.data(), QRT_DTYPE_F32, {s.tokens, s.top_k});
    qrt_tensor ids_t = tensor(ids.data(), QRT_DTYPE_I32, {s.tokens, s.top_k});
    qrt_tensor y_t = tensor(y.data(), y_dtype, {s.tokens, hidden});
    QRT_CHECK_OK(qrt_moe_combine(stream, &out_t, &positions_t, &weights_t, &ids_t, &y_t));
    size_t wrong = 0;
    for (int64_t t = 0; t < s.tokens; ++t) {
        for (int64_t h = 0; h < hidden; ++h) {
            float sum = 0.0f;
            for (int32_t e = 0; e < s.experts; ++e) {
                for (int64_t slot = 0; slot < s.top_k; ++slot) {
                    const size_t i = static_cast<size_t>(t * s.top_k + slot);
                    if (ids[i] != e || positions[i] < 0) continue;
                    // volatile: the product is rounded on its own, never fused with the sum.
                    volatile float product = out.get(static_cast<size_t>(positions[i] * hidden + h)) * weights[i];
                    sum = sum + product;
                }
            }
            const float expected = round_to(y_dtype, sum);
            const float actual = y.get(static_cast<size_t>(t * hidden + h));
            if (std::memcmp(&actual, &expected, 4) != 0) ++wrong;
        }
    }
    if (wrong > 0) {
        std::fprintf(stderr, "%s -> %s: %zu combined elements differ\n", moe_label("combine", s, out_dtype).c_str(),
                     qrt_dtype_name(y_dtype), wrong);
        ++failures();
    }
}

void test_bad_route_arguments(qrt_stream* stream) {
    std::vector<float> logits(3 * 5), weights(3 * 2);
    std::vector<int32_t> ids(3 * 2);
    qrt_tensor logits_t = tensor(logits.data(), QRT_DTYPE_F32, {3, 5});
    qrt_tensor ids_t = tensor(ids.data(), QRT_DTYPE_I32, {3, 2});
    qrt_tensor weights_t = tensor(weights.data(), QRT_DTYPE_F32, {3, 2});
    QRT_CHECK_OK(qrt_moe_route(stream, &logits_t, 2, 1, &ids_t, &weights_t));
    QRT_CHECK_FAILS(qrt_moe_route(nullptr, &logits_t, 2, 1, &ids_t, &weights_t), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'stream'");
    QRT_CHECK_FAILS(qrt_moe_route(stream, nullptr, 2, 1, &ids_t, &weights_t), QRT_STATUS_INVALID_ARGUMENT,
                    "qrt_moe_route: argument 'router_logits'");
    qrt_tensor flat_logits = tensor(logits.data(), QRT_DTYPE_F32, {15});
    QRT_CHECK_FAILS(qrt_moe_route(stream, &flat_logits, 2, 1, &ids_t, &weights_t), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'router_logits'");
    QRT_CHECK_FAILS(qrt_moe_route(stream, &logits_t, 0, 1, &ids_t, &weights_t), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'top_k'");
    QRT_CHECK_FAILS(qrt_moe_route(stream, &logits_t, 6, 1, &ids_t, &weights_t), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'top_k'");
    QRT_CHECK_FAILS(qrt_moe_route(stream, &logits_t, 2, 2, &ids_t, &weights_t), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'renormalize'");
    qrt_tensor i64_ids = tensor(ids.data(), QRT_DTYPE_I64, {3, 1});
    QRT_CHECK_FAILS(qrt_moe_route(stream, &logits_t, 1, 1, &i64_ids, &weights_t), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'expert_ids'");
    qrt_tensor short_ids = tensor(ids.data(), QRT_DTYPE_I32, {2, 2});
    QRT_CHECK_FAILS(qrt_moe_route(stream, &logits_t, 2, 1, &short_ids, &weights_t), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'expert_ids'");
    qrt_tensor f16_weights = tensor(weights.data(), QRT_DTYPE_F16, {3, 2});
    QRT_CHECK_FAILS(qrt_moe_route(stream, &logits_t, 2, 1, &ids_t, &f16_weights), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'expert_weights'");
    qrt_tensor weights_on_ids = tensor(ids.data(), QRT_DTYPE_F32, {3, 2});
    QRT_CHECK_FAILS(qrt_moe_route(stream, &logits_t, 2, 1, &ids_t, &weights_on_ids), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'expert_weights'");
}

void test_bad_sort_arguments(qrt_stream* stream) {
    std::vector<int32_t> ids = {0, 1, 2, 3, 1, 0}, rows(6), offsets(5), positions(6);
    qrt_tensor ids_t = tensor(ids.data(), QRT_DTYPE_I32, {3, 2});
    qrt_tensor rows_t = tensor(rows.data(), QRT_DTYPE_I32, {6});
    qrt_tensor offsets_t = tensor(offsets.data(), QRT_DTYPE_I32, {5});
    qrt_tensor positions_t = tensor(positions.data(), QRT_DTYPE_I32, {3, 2});
    QRT_CHECK_OK(qrt_moe_sort(stream, &ids_t, 4, &rows_t, &offsets_t, &positions_t));
    QRT_CHECK_FAILS(qrt_moe_sort(stream, &ids_t, 0, &rows_t, &offsets_t, &positions_t), QRT_STATUS_INVALID_ARGUMENT,
                    "qrt_moe_sort: argument 'num_experts'");
    // An id outside [0, E): named by token and slot, and nothing written.
    std::fill(rows.begin(), rows.end(), -7);
    qrt_tensor three_offsets = tensor(offsets.data(), QRT_DTYPE_I32, {4});
    QRT_CHECK_FAILS(qrt_moe_sort(stream, &ids_t, 3, &rows_t, &three_offsets, &positions_t),
                    QRT_STATUS_INVALID_ARGUMENT, "argument 'expert_ids'");
    QRT_CHECK(std::strstr(qrt_last_error(), "token 1, slot 1 holds 3") != nullptr);
    QRT_CHECK(std::all_of(rows.begin(), rows.end(), [](int32_t v) { return v == -7; }));
    ids[4] = -1;
    QRT_CHECK_FAILS(qrt_moe_sort(stream, &ids_t, 4, &rows_t, &offsets_t, &positions_t), QRT_STATUS_INVALID_ARGUMENT,
                    "token 2, slot 0 holds -1");
    ids[4] = 1;
    qrt_tensor flat_ids = tensor(ids.data(), QRT_DTYPE_I32, {6});
    QRT_CHECK_FAILS(qrt_moe_sort(stream, &flat_ids, 4, &rows_t, &offsets_t, &positions_t),
                    QRT_STATUS_INVALID_ARGUMENT, "argument 'expert_ids'");
    qrt_tensor short_rows = tensor(rows.data(), QRT_DTYPE_I32, {5});
    QRT_CHECK_FAILS(qrt_moe_sort(stream, &ids_t, 4, &short_rows, &offsets_t, &positions_t),
                    QRT_STATUS_INVALID_ARGUMENT, "argument 'sorted_rows'");
    QRT_CHECK_FAILS(qrt_moe_sort(stream, &ids_t, 3, &rows_t, &offsets_t, &positions_t), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'expert_offsets'");
    qrt_tensor positions_on_rows = tensor(rows.data(), QRT_DTYPE_I32, {3, 2});
    QRT_CHECK_FAILS(qrt_moe_sort(stream, &ids_t, 4, &rows_t, &offsets_t, &positions_on_rows),
                    QRT_STATUS_INVALID_ARGUMENT, "argument 'row_positions'");
}

void test_bad_gather_arguments(qrt_stream* stream) {
    std::vector<float> x(3 * 4), xs(6 * 4);
    std::vector<int32_t> rows = {0, 1, 2, 3, 4, 5};
    qrt_tensor x_t = tensor(x.data(), QRT_DTYPE_F32, {3, 4});
    qrt_tensor rows_t = tensor(rows.data(), QRT_DTYPE_I32, {6});
    qrt_tensor xs_t = tensor(xs.data(), QRT_DTYPE_F32, {6, 4});
    QRT_CHECK_OK(qrt_moe_gather(stream, &x_t, &rows_t, 2, &xs_t));
    QRT_CHECK_FAILS(qrt_moe_gather(stream, &x_t, &rows_t, 0, &xs_t), QRT_STATUS_INVALID_ARGUMENT,
                    "qrt_moe_gather: argument 'top_k'");
    QRT_CHECK_FAILS(qrt_moe_gather(stream, &x_t, &rows_t, 3, &xs_t), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'sorted_rows'");
    qrt_tensor bf16_xs = tensor(xs.data(), QRT_DTYPE_BF16, {6, 4});
    QRT_CHECK_FAILS(qrt_moe_gather(stream, &x_t, &rows_t, 2, &bf16_xs), QRT_STATUS_INVALID_ARGUMENT, "argument 'xs'");
    qrt_tensor narrow_xs = tensor(xs.data(), QRT_DTYPE_F32, {6, 3});
    QRT_CHECK_FAILS(qrt_moe_gather(stream, &x_t, &rows_t, 2, &narrow_xs), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'xs'");
    qrt_tensor xs_on_x = tensor(x.data(), QRT_DTYPE_F32, {6, 2});
    qrt_tensor narrow_x = tensor(x.data(), QRT_DTYPE_F32, {3, 2});
    QRT_CHECK_FAILS(qrt_moe_gather(stream, &narrow_x, &rows_t, 2, &xs_on_x), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'xs'");
    rows[4] = 6;
    std::fill(xs.begin(), xs.end(), -7.0f);
    QRT_CHECK_FAILS(qrt_moe_gather(stream, &x_t, &rows_t, 2, &xs_t), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'sorted_rows': entry 4 holds 6");
    QRT_CHECK(std::all_of(xs.begin(), xs.end(), [](float v) { return v == -7.0f; }));
}

void test_bad_combine_arguments(qrt_stream* stream) {
    std::vector<float> out(6 * 4), weights(6, 0.5f), y(3 * 4);
    std::vector<int32_t> positions = {0, 1, 2, 3, 4, 5}, ids = {0, 1, 0, 1, 0, 1};
    qrt_tensor out_t = tensor(out.data(), QRT_DTYPE_F32, {6, 4});
    qrt_tensor positions_t = tensor(positions.data(), QRT_DTYPE_I32, {3, 2});
    qrt_tensor weights_t = tensor(weights.data(), QRT_DTYPE_F32, {3, 2});
    qrt_tensor ids_t = tensor(ids.data(), QRT_DTYPE_I32, {3, 2});
    qrt_tensor y_t = tensor(y.data(), QRT_DTYPE_F32, {3, 4});
    QRT_CHECK_OK(qrt_moe_combine(stream, &out_t, &positions_t, &weights_t, &ids_t, &y_t));
    qrt_tensor short_out = tensor(out.data(), QRT_DTYPE_F32, {5, 4});
    QRT_CHECK_FAILS(qrt_moe_combine(stream, &short_out, &positions_t, &weights_t, &ids_t, &y_t),
                    QRT_STATUS_INVALID_ARGUMENT, "qrt_moe_combine: argument 'expert_out'");
    qrt_tensor flat_positions = tensor(positions.data(), QRT_DTYPE_I32, {6});
    QRT_CHECK_FAILS(qrt_moe_combine(stream, &out_t, &flat_positions, &weights_t, &ids_t, &y_t),
                    QRT_STATUS_INVALID_ARGUMENT, "argument 'row_positions'");
    qrt_tensor wide_weights = tensor(weights.data(), QRT_DTYPE_F32, {2, 3});
    QRT_CHECK_FAILS(qrt_moe_combine(stream, &out_t, &positions_t, &wide_weights, &ids_t, &y_t),
                    QRT_STATUS_INVALID_ARGUMENT, "argument 'expert_weights'");
    qrt_tensor float_ids = tensor(ids.data(), QRT_DTYPE_F32, {3, 2});
    QRT_CHECK_FAILS(qrt_moe_combine(stream, &out_t, &positions_t, &weights_t, &float_ids, &y_t),
                    QRT_STATUS_INVALID_ARGUMENT, "argument 'expert_ids'");
    qrt_tensor narrow_y = tensor(y.data(), QRT_DTYPE_F32, {3, 3});
    QRT_CHECK_FAILS(qrt_moe_combine(stream, &out_t, &positions_t, &weights_t, &ids_t, &narrow_y),
                    QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");
    qrt_tensor y_on_out = tensor(out.data() + 4, QRT_DTYPE_F32, {3, 4});
    QRT_CHECK_FAILS(qrt_moe_combine(stream, &out_t, &positions_t, &weights_t, &ids_t, &y_on_out),
                    QRT_STATUS_INVALID_ARGUMENT, "argument 'y': overlaps expert_out");
    positions[3] = 6;
    std::fill(y.begin(), y.end(), -7.0f);
    QRT_CHECK_FAILS(qrt_moe_combine(stream, &out_t, &positions_t, &weights_t, &ids_t, &y_t),
                    QRT_STATUS_INVALID_ARGUMENT, "argument 'row_positions': token 1, slot 1 holds 6");
    QRT_CHECK(std::all_of(y.begin(), y.end(), [](float v) { return v == -7.0f; }));
    positions[3] = -2;
    QRT_CHECK_FAILS(qrt_moe_combine(stream, &out_t, &positions_t, &weights_t, &ids_t, &y_t),
                    QRT_STATUS_INVALID_ARGUMENT, "token 1, slot 1 holds -2");
    positions[3] = -1;  // dropped: allowed
    QRT_CHECK_OK(qrt_moe_combine(stream, &out_t, &positions_t, &weights_t, &ids_t, &y_t));
}

// No tokens: nothing to route, sort, gather or combine; the offsets are all zero.
void test_no_tokens(qrt_stream* stream) {
    std::vector<int32_t> offsets(9, -7);
    qrt_tensor logits = tensor(nullptr, QRT_DTYPE_F32, {0, 8});
    qrt_tensor ids = tensor(nullptr, QRT_DTYPE_I32, {0, 2});
    qrt_tensor weights = tensor(nullptr, QRT_DTYPE_F32, {0, 2});
    qrt_tensor rows = tensor(nullptr, QRT_DTYPE_I32, {0});
    qrt_tensor offsets_t = tensor(offsets.data(), QRT_DTYPE_I32, {9});
    qrt_tensor positions = tensor(nullptr, QRT_DTYPE_I32, {0, 2});
    qrt_tensor x = tensor(nullptr, QRT_DTYPE_F32, {0, 16});
    qrt_tensor xs = tensor(nullptr, QRT_DTYPE_F32, {0, 16});
    QRT_CHECK_OK(qrt_moe_route(stream, &logits, 2, 1, &ids, &weights));
    QRT_CHECK_OK(qrt_moe_sort(stream, &ids, 8, &rows, &offsets_t, &positions));
    QRT_CHECK(std::all_of(offsets.begin(), offsets.end(), [](int32_t v) { return v == 0; }));
    QRT_CHECK_OK(qrt_moe_gather(stream, &x, &rows, 2, &xs));
    QRT_CHECK_OK(qrt_moe_combine(stream, &xs, &positions, &weights, &ids, &x));
}

}  // namespace

int main() {
    CpuStream stream;
    Random random(8022);
    for (const Shape& s : kShapes) {
        for (qrt_dtype dtype : kFloatDtypes) {
            for (bool renormalize : {true, false}) {
                check_route_like_sparse_moe(stream, s, dtype, renormalize, random);
                check_route_exact(stream, s, dtype, renormalize, random);
            }
            check_gather(stream, s, dtype, random);
            for (qrt_dtype y_dtype : kFloatDtypes) check_combine(stream, s, dtype, y_dtype, random);
        }
        check_sort(stream, s, random);
    }
    test_route_by_hand(stream);
    test_bad_route_arguments(stream);
    test_bad_sort_arguments(stream);
    test_bad_gather_arguments(stream);
    test_bad_combine_arguments(stream);
    test_no_tokens(stream);
    return finish("test_moe");
}
