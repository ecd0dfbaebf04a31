// qrt_attention against a double-precision loop written from its definition in qrt.h: the mask is
// evaluated key by key from the rules (segment, causal, sliding window), not derived as a range.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "attention_problem.h"
#include "test_bounds.h"
#include "test_formats.h"
#include "test_tensors.h"
#include "test_util.h"

using namespace qrt_test;

namespace {

// The view's elements, token-major, as doubles.
std::vector<double> gather(const FloatBuffer& buffer, const HeadsLayout& layout) {
    std::vector<double> out;
    for (int64_t t = 0; t < layout.tokens; ++t) {
        for (int64_t h = 0; h < layout.heads; ++h) {
            for (int64_t d = 0; d < layout.dim; ++d) {
                out.push_back(buffer.get(static_cast<size_t>(layout.index(t, h, d))));
            }
        }
    }
    return out;
}

// Whether query i sees key j, straight from the rules in qrt.h.
bool visible(const Problem& p, int64_t i, int64_t j) {
    int64_t query_position = i + p.k.tokens - p.q.tokens;
    int64_t key_position = j;
    if (!p.segments.empty()) {
        int64_t query_segment = -1;
        int64_t key_segment = -1;
        for (size_t s = 0; s + 1 < p.segments.size(); ++s) {
            if (p.segments[s] <= i && i < p.segments[s + 1]) query_segment = static_cast<int64_t>(s);
            if (p.segments[s] <= j && j < p.segments[s + 1]) key_segment = static_cast<int64_t>(s);
        }
        if (query_segment != key_segment) return false;
        query_position = i - p.segments[static_cast<size_t>(query_segment)];
        key_position = j - p.segments[static_cast<size_t>(key_segment)];
    }
    if (p.causal != 0 && key_position > query_position) return false;
    if (p.sliding_window > 0 && key_position <= query_position - p.sliding_window) return false;
    return true;
}

// out [Tq, Hq, Dv] token-major, in double.
std::vector<double> reference_attention(const Problem& p, const std::vector<double>& q, const std::vector<double>& k,
                                        const std::vector<double>& v) {
    const int64_t group = p.q.heads / p.k.heads;
    const int64_t dim = p.q.dim;
    const int64_t value_dim = p.v.dim;
    const double scale = scale_of(p);
    std::vector<double> out(static_cast<size_t>(p.q.tokens * p.q.heads * value_dim), 0.0);
    for (int64_t i = 0; i < p.q.tokens; ++i) {
        for (int64_t h = 0; h < p.q.heads; ++h) {
            const int64_t g = h / group;
            std::vector<int64_t> keys;
            std::vector<double> scores;
            for (int64_t j = 0; j < p.k.tokens; ++j) {
                if (!visible(p, i, j)) continue;
                double score = 0.0;
                for (int64_t d = 0; d < dim; ++d) {
                    score += q[static_cast<size_t>((i * p.q.heads + h) * dim + d)] *
                             k[static_cast<size_t>((j * p.k.heads + g) * dim + d)];
                }
                keys.push_back(j);
                scores.push_back(score * scale);
            }
            if (keys.empty()) continue;
            const double largest = *std::max_element(scores.begin(), scores.end());
            double total = 0.0;
            for (double& s : scores) total += (s = std::exp(s - largest));
            for (size_t n = 0; n < keys.size(); ++n) {
                for (int64_t d = 0; d < value_dim; ++d) {
                    out[static_cast<size_t>((i * p.q.heads + h) * value_dim + d)] +=
                        scores[n] / total * v[static_cast<size_t>((keys[n] * p.k.heads + g) * value_dim + d)];
                }
            }
        }
    }
    return out;
}

// Worst-case error of the FP32 computation for |q|, |k|, |v| <= 1:
//  a score is scale·Σ q·k over D products, |s| <= scale·D; the dot product is within D·2^-24 of it
//  relative to that bound and the scaling adds one rounding;
//  a weight exp(s − max) then errs by twice the score error (s and max both move), plus the rounding of
//  s − max (|s − max| <= 2·scale·D) and expf's (within 1 ulp, 2 roundings);
//  normalising by the sum of Tk weights doubles the weight error and adds Tk roundings, and Σ p·v over
//  Tk terms adds Tk + 1 more, times |v| <= 1.
// A F16 or BF16 output is then rounded once more: half its spacing, 2^-11 or 2^-8 relative (F16 below
// 2^-14 costs up to 2^-25 absolute).
Tolerance attention_tolerance(const Problem& p, qrt_dtype out_dtype) {
    const double score_bound = static_cast<double>(scale_of(p)) * static_cast<double>(p.q.dim);
    const double score_error = (static_cast<double>(p.q.dim) + 1.0) * kUnitRoundoff * score_bound;
    const double weight_error = 2.0 * score_error + (2.0 * score_bound + 2.0) * kUnitRoundoff;
    const double keys = static_cast<double>(p.k.tokens);
    return {2.0 * weight_error + (2.0 * keys + 3.0) * kUnitRoundoff + output_underflow(out_dtype),
            output_rounding(out_dtype)};
}

// Buffers for one problem, filled with values in [-1, 1] rounded to their dtypes.
struct Buffers {
    FloatBuffer q;
    FloatBuffer k;
    FloatBuffer v;
    FloatBuffer out;
};

Buffers make_buffers(const Problem& p, Random& random, qrt_dtype q_dtype, qrt_dtype k_dtype, qrt_dtype v_dtype,
                     qrt_dtype out_dtype) {
    return Buffers{FloatBuffer(q_dtype, random.uniform(static_cast<size_t>(p.q.extent()))),
                   FloatBuffer(k_dtype, random.uniform(static_cast<size_t>(p.k.extent()))),
                   FloatBuffer(v_dtype, random.uniform(static_cast<size_t>(p.v.extent()))),
                   FloatBuffer(out_dtype, std::vector<float>(static_cast<size_t>(p.out.extent()), 5.0f))};
}

qrt_status run_attention(qrt_stream* stream, const Problem& p, FloatBuffer& q, FloatBuffer& k, FloatBuffer& v,
                         FloatBuffer& out) {
    qrt_tensor q_t = heads_tensor(q, p.q);
    qrt_tensor k_t = heads_tensor(k, p.k);
    qrt_tensor v_t = heads_tensor(v, p.v);
    qrt_tensor out_t = heads_tensor(out, p.out);
    std::vector<int32_t> segments = p.segments;
    qrt_tensor segments_t = tensor(segments.data(), QRT_DTYPE_I32, {static_cast<int64_t>(segments.size())});
    return qrt_attention(stream, &q_t, &k_t, &v_t, segments.empty() ? nullptr : &segments_t, scale_of(p), p.causal,
                         p.sliding_window, &out_t);
}

// Runs a problem and checks out against the reference.
void check_problem(const Problem& p, Random& random, qrt_dtype q_dtype, qrt_dtype k_dtype, qrt_dtype v_dtype,
                   qrt_dtype out_dtype, const char* name) {
    CpuStream stream;
    Buffers b = make_buffers(p, random, q_dtype, k_dtype, v_dtype, out_dtype);
    QRT_CHECK_OK(run_attention(stream, p, b.q, b.k, b.v, b.out));
    const std::vector<double> expected = reference_attention(p, gather(b.q, p.q), gather(b.k, p.k), gather(b.v, p.v));
    const std::vector<double> actual = gather(b.out, p.out);
    const Tolerance tol = attention_tolerance(p, out_dtype);
    char what[200];
    std::snprintf(what, sizeof what, "%s: q %s k %s v %s out %s, Tq %lld Tk %lld Hq %lld Hkv %lld D %lld Dv %lld", name,
                  qrt_dtype_name(q_dtype), qrt_dtype_name(k_dtype), qrt_dtype_name(v_dtype), qrt_dtype_name(out_dtype),
                  static_cast<long long>(p.q.tokens), static_cast<long long>(p.k.tokens),
                  static_cast<long long>(p.q.heads), static_cast<long long>(p.k.heads), static_cast<long long>(p.q.dim),
                  static_cast<long long>(p.v.dim));
    all_close(std::vector<float>(actual.begin(), actual.end()), expected, tol.atol, tol.rtol, what);
}

void check_problem(const Problem& p, Random& random, const char* name) {
    check_problem(p, random, QRT_DTYPE_F32, QRT_DTYPE_F32, QRT_DTYPE_F32, QRT_DTYPE_F32, name);
}

void test_dtypes(Random& random) {
    const Problem p = simple_problem(9, 9, 4, 2, 16, 16, 1);
    for (qrt_dtype q_dtype : kFloatDtypes) {
        for (qrt_dtype kv_dtype : kFloatDtypes) {
            for (qrt_dtype out_dtype : kFloatDtypes) {
                check_problem(p, random, q_dtype, kv_dtype, kv_dtype, out_dtype, "dtypes");
            }
        }
    }
    // k and v need not share a dtype either.
    check_problem(p, random, QRT_DTYPE_BF16, QRT_DTYPE_F16, QRT_DTYPE_BF16, QRT_DTYPE_F32, "mixed k and v");
    check_problem(p, random, QRT_DTYPE_F16, QRT_DTYPE_F32, QRT_DTYPE_F16, QRT_DTYPE_BF16, "mixed k and v");
    // A BF16 model's prefill, at a realistic head size.
    const Problem bf16 = simple_problem(33, 33, 8, 2, 128, 128, 1);
    check_problem(bf16, random, QRT_DTYPE_BF16, QRT_DTYPE_BF16, QRT_DTYPE_BF16, QRT_DTYPE_BF16, "bf16 prefill");
}

void test_sequences(Random& random) {
    // Prefill: Tq == Tk, causal, at sizes around the lane width.
    for (int64_t tokens : {1, 3, 17, 33}) {
        check_problem(simple_problem(tokens, tokens, 2, 2, 64, 64, 1), random, "prefill");
        check_problem(simple_problem(tokens, tokens, 3, 1, 7, 7, 0), random, "prefill, not causal");
    }
    // Decode: one new query after 36 cached tokens sees all 37 keys, causal or not.
    check_problem(simple_problem(1, 37, 4, 4, 32, 32, 1), random, "decode");
    check_problem(simple_problem(1, 37, 4, 4, 32, 32, 0), random, "decode, not causal");
    // Chunked prefill: 5 new queries after 7 cached tokens.
    check_problem(simple_problem(5, 12, 2, 1, 16, 16, 1), random, "chunked prefill");
    // Grouped-query and multi-query heads.
    check_problem(simple_problem(7, 7, 8, 2, 16, 16, 1), random, "GQA 8/2");
    check_problem(simple_problem(6, 11, 4, 1, 33, 33, 1), random, "MQA 4/1");
    // Value heads narrower or wider than query/key heads, and odd head sizes.
    check_problem(simple_problem(5, 9, 2, 2, 24, 40, 1), random, "Dv > D");
    check_problem(simple_problem(4, 4, 3, 3, 17, 3, 0), random, "Dv < D");
    check_problem(simple_problem(3, 3, 1, 1, 1, 1, 1), random, "D = Dv = 1");
    // A scale other than 1/√D.
    Problem scaled = simple_problem(8, 8, 2, 1, 16, 16, 1);
    scaled.scale = 0.3f;
    check_problem(scaled, random, "scale 0.3");
}

void test_segments(Random& random) {
    // Block-diagonal, not causal: unequal lengths and an empty segment (3..3), as images of a vision
    // encoder.
    Problem blocks = simple_problem(18, 18, 4, 2, 16, 8, 0);
    blocks.segments = {0, 3, 3, 10, 11, 18};
    check_problem(blocks, random, "block-diagonal segments");
    // Packed sequences: causal within each segment, positions counted from the segment's start.
    Problem packed = simple_problem(20, 20, 4, 4, 16, 16, 1);
    packed.segments = {0, 5, 12, 12, 13, 20};
    check_problem(packed, random, "packed causal segments");
    check_problem(packed, random, QRT_DTYPE_BF16, QRT_DTYPE_BF16, QRT_DTYPE_BF16, QRT_DTYPE_BF16, "packed, bf16");
    // One segment covering everything is the plain case.
    Problem single = simple_problem(9, 9, 2, 1, 8, 8, 1);
    single.segments = {0, 9};
    check_problem(single, random, "one segment");
    // Empty segments at both ends.
    Problem empty_ends = simple_problem(6, 6, 2, 2, 8, 8, 0);
    empty_ends.segments = {0, 0, 6, 6};
    check_problem(empty_ends, random, "empty first and last segments");
}

void test_sliding_window(Random& random) {
    for (int32_t window : {1, 3, 8, 100}) {
        Problem causal = simple_problem(17, 17, 2, 1, 16, 16, 1);
        causal.sliding_window = window;
        check_problem(causal, random, "sliding window, causal");
        Problem decode = simple_problem(1, 37, 2, 2, 16, 16, 1);
        decode.sliding_window = window;
        check_problem(decode, random, "sliding window, decode");
        Problem chunked = simple_problem(5, 12, 2, 2, 16, 16, 1);
        chunked.sliding_window = window;
        check_problem(chunked, random, "sliding window, chunked");
        Problem open = simple_problem(9, 9, 2, 2, 16, 16, 0);
        open.sliding_window = window;
        check_problem(open, random, "sliding window, not causal");
        Problem packed = simple_problem(20, 20, 2, 1, 16, 16, 1);
        packed.segments = {0, 5, 12, 12, 13, 20};
        packed.sliding_window = window;
        check_problem(packed, random, "sliding window, packed segments");
    }
}

// q, k and v as strided views into one fused qkv projection output [T, (Hq + 2·Hkv)·D]; out a column
// block of a wider buffer; and a head-major ([H, T, D] in memory) cache.
void test_strided_views(Random& random) {
    CpuStream stream;
    const int64_t tokens = 11;
    const int64_t q_heads = 6;
    const int64_t kv_heads = 2;
    const int64_t dim = 16;
    const int64_t row = (q_heads + 2 * kv_heads) * dim;
    for (qrt_dtype dtype : kFloatDtypes) {
        Problem p;
        p.q = HeadsLayout{tokens, q_heads, dim, row, dim, 0};
        p.k = HeadsLayout{tokens, kv_heads, dim, row, dim, q_heads * dim};
        p.v = HeadsLayout{tokens, kv_heads, dim, row, dim, (q_heads + kv_heads) * dim};
        p.out = HeadsLayout{tokens, q_heads, dim, q_heads * dim + 9, dim, 4};
        p.causal = 1;
        FloatBuffer qkv(dtype, random.uniform(static_cast<size_t>(tokens * row)));
        const std::vector<unsigned char> qkv_before = qkv.bytes();
        FloatBuffer out(dtype, std::vector<float>(static_cast<size_t>(p.out.extent() + 9), 5.0f));
        QRT_CHECK_OK(run_attention(stream, p, qkv, qkv, qkv, out));
        QRT_CHECK(qkv.bytes() == qkv_before);
        const std::vector<double> expected =
            reference_attention(p, gather(qkv, p.q), gather(qkv, p.k), gather(qkv, p.v));
        const std::vector<double> actual = gather(out, p.out);
        const Tolerance tol = attention_tolerance(p, dtype);
        all_close(std::vector<float>(actual.begin(), actual.end()), expected, tol.atol, tol.rtol, "fused qkv views");
        // Elements of out outside the view keep their fill.
        size_t outside = 0;
        for (size_t i = 0; i < out.size(); ++i) outside += out.get(i) == 5.0f;
        QRT_CHECK(outside == out.size() - static_cast<size_t>(tokens * q_heads * dim));
    }

    Problem head_major = simple_problem(4, 10, 4, 2, 8, 8, 1);
    head_major.k = HeadsLayout{10, 2, 8, 8, 10 * 8, 0};
    head_major.v = HeadsLayout{10, 2, 8, 8, 10 * 8, 0};
    check_problem(head_major, random, "head-major k and v");
}

// Splitting a packed batch at its segment boundaries and running each segment alone gives the same bits.
void test_segments_match_separate_runs(Random& random) {
    CpuStream stream;
    const std::vector<int32_t> segments = {0, 4, 4, 11, 12, 19};
    const int64_t tokens = 19;
    for (int32_t causal : {0, 1}) {
        for (int32_t window : {0, 3}) {
            Problem packed = simple_problem(tokens, tokens, 4, 2, 16, 12, causal);
            packed.segments = segments;
            packed.sliding_window = window;
            Buffers b = make_buffers(packed, random, QRT_DTYPE_BF16, QRT_DTYPE_F32, QRT_DTYPE_F16, QRT_DTYPE_F32);
            QRT_CHECK_OK(run_attention(stream, packed, b.q, b.k, b.v, b.out));

            FloatBuffer separate(QRT_DTYPE_F32, std::vector<float>(b.out.size(), 5.0f));
            for (size_t s = 0; s + 1 < segments.size(); ++s) {
                const int64_t begin = segments[s];
                const int64_t length = segments[s + 1] - begin;
                if (length == 0) continue;
                Problem alone = packed;
                alone.segments.clear();
                alone.q.tokens = alone.k.tokens = alone.v.tokens = alone.out.tokens = length;
                alone.q.offset = begin * packed.q.token_stride;
                alone.k.offset = begin * packed.k.token_stride;
                alone.v.offset = begin * packed.v.token_stride;
                alone.out.offset = begin * packed.out.token_stride;
                QRT_CHECK_OK(run_attention(stream, alone, b.q, b.k, b.v, separate));
            }
            QRT_CHECK(separate.bytes() == b.out.bytes());
        }
    }
}

// Each (query, head) output is computed by one thread in a fixed order, so the thread count does not
// change any bit.
void test_thread_count_invariance(Random& random) {
    CpuStream stream;
    Problem p = simple_problem(48, 48, 8, 2, 64, 64, 1);
    p.segments = {0, 20, 48};
    Buffers b = make_buffers(p, random, QRT_DTYPE_BF16, QRT_DTYPE_BF16, QRT_DTYPE_BF16, QRT_DTYPE_F32);
    FloatBuffer three(QRT_DTYPE_F32, std::vector<float>(b.out.size(), 0.0f));
    QRT_CHECK_OK(qrt_cpu_set_thread_count(1));
    QRT_CHECK_OK(run_attention(stream, p, b.q, b.k, b.v, b.out));
    QRT_CHECK_OK(qrt_cpu_set_thread_count(3));
    QRT_CHECK_OK(run_attention(stream, p, b.q, b.k, b.v, three));
    QRT_CHECK(three.bytes() == b.out.bytes());
    QRT_CHECK_OK(qrt_cpu_set_thread_count(0));
}

// No queries (with or without keys) and no heads are valid and touch nothing.
void test_empty() {
    CpuStream stream;
    std::vector<float> k(5 * 2 * 4, 0.25f);
    qrt_tensor q_t = tensor(nullptr, QRT_DTYPE_F32, {0, 2, 4});
    q_t.strides[0] = 8;  // the contiguous stride 0 is refused for an extent above 1
    qrt_tensor out_t = q_t;
    qrt_tensor k_t = tensor(k.data(), QRT_DTYPE_F32, {5, 2, 4});
    QRT_CHECK_OK(qrt_attention(stream, &q_t, &k_t, &k_t, nullptr, 0.5f, 1, 0, &out_t));
    qrt_tensor no_keys = tensor(nullptr, QRT_DTYPE_F32, {0, 2, 4});
    no_keys.strides[0] = 8;
    QRT_CHECK_OK(qrt_attention(stream, &q_t, &no_keys, &no_keys, nullptr, 0.5f, 1, 0, &out_t));
    std::vector<int32_t> segments = {0, 0};
    qrt_tensor segments_t = tensor(segments.data(), QRT_DTYPE_I32, {2});
    QRT_CHECK_OK(qrt_attention(stream, &q_t, &no_keys, &no_keys, &segments_t, 0.5f, 0, 0, &out_t));
}

void test_bad_arguments() {
    CpuStream stream;
    const qrt_device gpu{QRT_BACKEND_CUDA, 0};
    std::vector<float> q(4 * 4 * 8, 0.0f);
    std::vector<float> k(6 * 2 * 8, 0.0f);
    std::vector<float> v(6 * 2 * 8, 0.0f);
    std::vector<float> out(4 * 4 * 8, 0.0f);
    qrt_tensor q_t = tensor(q.data(), QRT_DTYPE_F32, {4, 4, 8});
    qrt_tensor k_t = tensor(k.data(), QRT_DTYPE_F32, {6, 2, 8});
    qrt_tensor v_t = tensor(v.data(), QRT_DTYPE_F32, {6, 2, 8});
    qrt_tensor out_t = tensor(out.data(), QRT_DTYPE_F32, {4, 4, 8});
    const float scale = 0.35f;
    auto attend = [&](const qrt_tensor* qq, const qrt_tensor* kk, const qrt_tensor* vv, const qrt_tensor* segments,
                      float s, int32_t causal, int32_t window,
                      qrt_tensor* o) { return qrt_attention(stream, qq, kk, vv, segments, s, causal, window, o); };
    QRT_CHECK_OK(attend(&q_t, &k_t, &v_t, nullptr, scale, 1, 0, &out_t));

    QRT_CHECK_FAILS(qrt_attention(nullptr, &q_t, &k_t, &v_t, nullptr, scale, 1, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'stream'");
    QRT_CHECK_FAILS(attend(nullptr, &k_t, &v_t, nullptr, scale, 1, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT, "'q'");
    QRT_CHECK_FAILS(attend(&q_t, nullptr, &v_t, nullptr, scale, 1, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT, "'k'");
    QRT_CHECK_FAILS(attend(&q_t, &k_t, nullptr, nullptr, scale, 1, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT, "'v'");
    QRT_CHECK_FAILS(attend(&q_t, &k_t, &v_t, nullptr, scale, 1, 0, nullptr), QRT_STATUS_INVALID_ARGUMENT, "'out'");

    // dtypes, ranks, strides, data and devices of each tensor.
    qrt_tensor integer_k = tensor(k.data(), QRT_DTYPE_I32, {6, 2, 8});
    QRT_CHECK_FAILS(attend(&q_t, &integer_k, &v_t, nullptr, scale, 1, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT, "'k'");
    qrt_tensor fp8_out = tensor(out.data(), QRT_DTYPE_F8_E4M3, {4, 4, 8});
    QRT_CHECK_FAILS(attend(&q_t, &k_t, &v_t, nullptr, scale, 1, 0, &fp8_out), QRT_STATUS_INVALID_ARGUMENT, "'out'");
    qrt_tensor flat_q = tensor(q.data(), QRT_DTYPE_F32, {4, 32});
    QRT_CHECK_FAILS(attend(&flat_q, &k_t, &v_t, nullptr, scale, 1, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'q': must be");
    qrt_tensor strided_v = tensor(v.data(), QRT_DTYPE_F32, {6, 2, 4});
    strided_v.strides[2] = 2;
    qrt_tensor narrow_out = tensor(out.data(), QRT_DTYPE_F32, {4, 4, 4});
    QRT_CHECK_FAILS(attend(&q_t, &k_t, &strided_v, nullptr, scale, 1, 0, &narrow_out), QRT_STATUS_INVALID_ARGUMENT,
                    "'v': the last dimension");
    qrt_tensor no_data_q = tensor(nullptr, QRT_DTYPE_F32, {4, 4, 8});
    QRT_CHECK_FAILS(attend(&no_data_q, &k_t, &v_t, nullptr, scale, 1, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'q': data is NULL");
    qrt_tensor gpu_out = tensor(out.data(), QRT_DTYPE_F32, {4, 4, 8}, gpu);
    QRT_CHECK_FAILS(attend(&q_t, &k_t, &v_t, nullptr, scale, 1, 0, &gpu_out), QRT_STATUS_INVALID_ARGUMENT,
                    "'out': lives on cuda:0");

    // Shapes that do not fit together; each message names both sides.
    qrt_tensor short_v = tensor(v.data(), QRT_DTYPE_F32, {5, 2, 8});
    QRT_CHECK_FAILS(attend(&q_t, &k_t, &short_v, nullptr, scale, 1, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'v': has 5 tokens but k has 6");
    qrt_tensor one_head_v = tensor(v.data(), QRT_DTYPE_F32, {6, 1, 8});
    QRT_CHECK_FAILS(attend(&q_t, &k_t, &one_head_v, nullptr, scale, 1, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'v': has 1 heads but k has 2");
    qrt_tensor three_head_k = tensor(k.data(), QRT_DTYPE_F32, {4, 3, 8});
    qrt_tensor three_head_v = tensor(v.data(), QRT_DTYPE_F32, {4, 3, 8});
    QRT_CHECK_FAILS(attend(&q_t, &three_head_k, &three_head_v, nullptr, scale, 1, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'q': has 4 heads, which is not a multiple of the 3");
    qrt_tensor headless_k = tensor(k.data(), QRT_DTYPE_F32, {6, 0, 8});
    qrt_tensor headless_v = tensor(v.data(), QRT_DTYPE_F32, {6, 0, 8});
    headless_k.strides[0] = headless_v.strides[0] = 8;  // the contiguous stride 0 is refused for 6 tokens
    QRT_CHECK_FAILS(attend(&q_t, &headless_k, &headless_v, nullptr, scale, 1, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'k': must have at least one");
    qrt_tensor wide_k = tensor(k.data(), QRT_DTYPE_F32, {4, 2, 12});
    qrt_tensor four_token_v = tensor(v.data(), QRT_DTYPE_F32, {4, 2, 8});
    QRT_CHECK_FAILS(attend(&q_t, &wide_k, &four_token_v, nullptr, scale, 1, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'k': has head dim 12 but q has 8");
    QRT_CHECK_FAILS(attend(&q_t, &k_t, &v_t, nullptr, scale, 1, 0, &narrow_out), QRT_STATUS_INVALID_ARGUMENT,
                    "'out': has head dim 4 but v has 8");
    qrt_tensor short_out = tensor(out.data(), QRT_DTYPE_F32, {3, 4, 8});
    QRT_CHECK_FAILS(attend(&q_t, &k_t, &v_t, nullptr, scale, 1, 0, &short_out), QRT_STATUS_INVALID_ARGUMENT,
                    "'out': has 3 tokens but q has 4");
    qrt_tensor two_head_out = tensor(out.data(), QRT_DTYPE_F32, {4, 2, 8});
    QRT_CHECK_FAILS(attend(&q_t, &k_t, &v_t, nullptr, scale, 1, 0, &two_head_out), QRT_STATUS_INVALID_ARGUMENT,
                    "'out': has 2 heads but q has 4");
    qrt_tensor three_token_k = tensor(k.data(), QRT_DTYPE_F32, {3, 2, 8});
    qrt_tensor three_token_v = tensor(v.data(), QRT_DTYPE_F32, {3, 2, 8});
    QRT_CHECK_FAILS(attend(&q_t, &three_token_k, &three_token_v, nullptr, scale, 1, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'q': has 4 tokens but k has only 3");

    // Segments: dtype, layout, and every rule on their values, with the bad index named.
    qrt_tensor k4 = tensor(k.data(), QRT_DTYPE_F32, {4, 2, 8});
    qrt_tensor v4 = tensor(v.data(), QRT_DTYPE_F32, {4, 2, 8});
    std::vector<int32_t> good = {0, 1, 4};
    qrt_tensor good_t = tensor(good.data(), QRT_DTYPE_I32, {3});
    QRT_CHECK_OK(attend(&q_t, &k4, &v4, &good_t, scale, 1, 0, &out_t));
    std::vector<int64_t> wide = {0, 1, 4};
    qrt_tensor wide_t = tensor(wide.data(), QRT_DTYPE_I64, {3});
    QRT_CHECK_FAILS(attend(&q_t, &k4, &v4, &wide_t, scale, 1, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT, "'segments'");
    qrt_tensor strided_t = tensor(good.data(), QRT_DTYPE_I32, {2});
    strided_t.strides[0] = 2;
    QRT_CHECK_FAILS(attend(&q_t, &k4, &v4, &strided_t, scale, 1, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'segments': must be contiguous");
    qrt_tensor no_data_t = tensor(nullptr, QRT_DTYPE_I32, {3});
    QRT_CHECK_FAILS(attend(&q_t, &k4, &v4, &no_data_t, scale, 1, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'segments': data is NULL");
    qrt_tensor gpu_t = tensor(good.data(), QRT_DTYPE_I32, {3}, gpu);
    QRT_CHECK_FAILS(attend(&q_t, &k4, &v4, &gpu_t, scale, 1, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'segments': lives on cuda:0");
    qrt_tensor one_offset = tensor(good.data(), QRT_DTYPE_I32, {1});
    QRT_CHECK_FAILS(attend(&q_t, &k4, &v4, &one_offset, scale, 1, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'segments': needs at least 2");
    QRT_CHECK_FAILS(attend(&q_t, &k_t, &v_t, &good_t, scale, 1, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'segments': are given, so q and k must hold the same tokens");
    const std::vector<int32_t> bad_offsets[] = {{1, 2, 4}, {0, 3, 2, 4}, {0, 2, 3}, {0, 2, 5}, {0, -1, 4}};
    const char* const bad_messages[] = {"segments[0] = 1, expected 0", "segments[2] = 2 is less than segments[1] = 3",
                                        "segments[2] = 3 must equal the 4 tokens",
                                        "segments[2] = 5 must equal the 4 tokens",
                                        "segments[1] = -1 is less than segments[0] = 0"};
    for (size_t n = 0; n < 5; ++n) {
        std::vector<int32_t> offsets = bad_offsets[n];
        qrt_tensor offsets_t = tensor(offsets.data(), QRT_DTYPE_I32, {static_cast<int64_t>(offsets.size())});
        QRT_CHECK_FAILS(attend(&q_t, &k4, &v4, &offsets_t, scale, 0, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT,
                        bad_messages[n]);
    }

    // Scalars.
    QRT_CHECK_FAILS(attend(&q_t, &k_t, &v_t, nullptr, scale, 2, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT, "'causal'");
    QRT_CHECK_FAILS(attend(&q_t, &k_t, &v_t, nullptr, scale, -1, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT, "'causal'");
    QRT_CHECK_FAILS(attend(&q_t, &k_t, &v_t, nullptr, scale, 1, -4, &out_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'sliding_window'");
    for (float bad_scale : {0.0f, -0.5f, std::numeric_limits<float>::infinity(), std::nanf("")}) {
        QRT_CHECK_FAILS(attend(&q_t, &k_t, &v_t, nullptr, bad_scale, 1, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT,
                        "'scale'");
    }
}

}  // namespace

int main() {
    Random random(31337);
    test_dtypes(random);
    test_sequences(random);
    test_segments(random);
    test_sliding_window(random);
    test_strided_views(random);
    test_segments_match_separate_runs(random);
    test_thread_count_invariance(random);
    test_empty();
    test_bad_arguments();
    return finish("test_attention");
}
