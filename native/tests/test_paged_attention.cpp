// qrt_kv_cache_write and qrt_paged_attention against loops written from their definitions in qrt.h: the
// reference gathers each sequence's keys and values through its block table into contiguous arrays and
// runs plain causal softmax attention over them in double precision.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "test_bounds.h"
#include "test_formats.h"
#include "test_tensors.h"
#include "test_util.h"

using namespace qrt_test;

namespace {

// One sequence of a batch: how many keys it has in the cache (new tokens included) and how many of its
// last positions are queries.
struct Sequence {
    int32_t context;
    int32_t queries;
};

// A batch of sequences over one pair of caches.
struct Problem {
    std::vector<Sequence> sequences;
    int64_t q_heads = 2;
    int64_t kv_heads = 1;
    int64_t dim = 16;
    int64_t value_dim = 16;
    int64_t block_size = 16;
    int32_t sliding_window = 0;
    int64_t spare_blocks = 3;   // blocks no sequence uses
    int64_t spare_columns = 2;  // block-table entries past the longest sequence's, to be ignored

    int64_t query_count() const {
        int64_t total = 0;
        for (const Sequence& s : sequences) total += s.queries;
        return total;
    }
    int32_t longest_context() const {
        int32_t longest = 0;
        for (const Sequence& s : sequences) longest = std::max(longest, s.context);
        return longest;
    }
    int64_t blocks_of(const Sequence& s) const { return (s.context + block_size - 1) / block_size; }
    float scale() const { return 1.0f / std::sqrt(static_cast<float>(dim)); }
};

Problem single(int32_t context, int32_t queries, int64_t q_heads, int64_t kv_heads, int64_t dim, int64_t value_dim,
               int64_t block_size) {
    Problem p;
    p.sequences = {{context, queries}};
    p.q_heads = q_heads;
    p.kv_heads = kv_heads;
    p.dim = dim;
    p.value_dim = value_dim;
    p.block_size = block_size;
    return p;
}

// The index tensors and caches of a problem. Blocks are handed out in a shuffled order, so neighbouring
// positions of a sequence sit in unrelated blocks; every cache row, used or not, holds random values.
struct Paged {
    int64_t num_blocks = 0;
    int64_t max_blocks = 0;
    std::vector<int32_t> query_starts;
    std::vector<int32_t> context_lengths;
    std::vector<int32_t> block_tables;
    FloatBuffer k_cache;
    FloatBuffer v_cache;

    qrt_tensor k_tensor(const Problem& p) {
        return tensor(k_cache.data(), k_cache.dtype(), {num_blocks, p.block_size, p.kv_heads, p.dim});
    }
    qrt_tensor v_tensor(const Problem& p) {
        return tensor(v_cache.data(), v_cache.dtype(), {num_blocks, p.block_size, p.kv_heads, p.value_dim});
    }
    qrt_tensor starts_tensor() {
        return tensor(query_starts.data(), QRT_DTYPE_I32, {static_cast<int64_t>(query_starts.size())});
    }
    qrt_tensor lengths_tensor() {
        return tensor(context_lengths.data(), QRT_DTYPE_I32, {static_cast<int64_t>(context_lengths.size())});
    }
    qrt_tensor tables_tensor() {
        return tensor(block_tables.data(), QRT_DTYPE_I32, {static_cast<int64_t>(context_lengths.size()), max_blocks});
    }
};

Paged make_paged(const Problem& p, Random& random, qrt_dtype cache_dtype) {
    int64_t used_blocks = 0;
    int64_t max_blocks = 0;
    for (const Sequence& s : p.sequences) {
        used_blocks += p.blocks_of(s);
        max_blocks = std::max(max_blocks, p.blocks_of(s));
    }
    const int64_t num_blocks = used_blocks + p.spare_blocks;
    max_blocks += p.spare_columns;
    std::vector<int32_t> free_blocks(static_cast<size_t>(num_blocks));
    std::iota(free_blocks.begin(), free_blocks.end(), 0);
    std::shuffle(free_blocks.begin(), free_blocks.end(), random.engine());

    Paged paged{
        num_blocks,
        max_blocks,
        {0},
        {},
        {},
        FloatBuffer(cache_dtype, random.uniform(static_cast<size_t>(num_blocks * p.block_size * p.kv_heads * p.dim))),
        FloatBuffer(cache_dtype,
                    random.uniform(static_cast<size_t>(num_blocks * p.block_size * p.kv_heads * p.value_dim)))};
    size_t next_free = 0;
    for (const Sequence& s : p.sequences) {
        paged.query_starts.push_back(paged.query_starts.back() + s.queries);
        paged.context_lengths.push_back(s.context);
        for (int64_t b = 0; b < max_blocks; ++b) {
            // Entries past the sequence's blocks are ignored: fill them with ids no cache has.
            paged.block_tables.push_back(b < p.blocks_of(s) ? free_blocks[next_free++] : (b % 2 ? -5 : 1 << 30));
        }
    }
    return paged;
}

// The view's elements, token-major, as doubles.
std::vector<double> gather(const FloatBuffer& buffer, const HeadsLayout& layout) {
    std::vector<double> out;
    for (int64_t t = 0; t < layout.tokens; ++t) {
        for (int64_t h = 0; h < layout.heads; ++h) {
            for (int64_t d = 0; d < layout.dim; ++d)
                out.push_back(buffer.get(static_cast<size_t>(layout.index(t, h, d))));
        }
    }
    return out;
}

// Key or value rows [context, heads, dim] of sequence s, read position by position through its block table.
std::vector<double> gather_sequence(const Problem& p, const Paged& paged, const FloatBuffer& cache, int64_t dim,
                                    size_t s) {
    std::vector<double> rows;
    const int32_t* table = paged.block_tables.data() + s * static_cast<size_t>(paged.max_blocks);
    for (int64_t position = 0; position < p.sequences[s].context; ++position) {
        const int64_t slot = table[position / p.block_size] * p.block_size + position % p.block_size;
        for (int64_t h = 0; h < p.kv_heads; ++h) {
            for (int64_t d = 0; d < dim; ++d)
                rows.push_back(cache.get(static_cast<size_t>((slot * p.kv_heads + h) * dim + d)));
        }
    }
    return rows;
}

// out [Tq, Hq, Dv] token-major, in double: each sequence's queries are its last positions, and a query at
// position i sees the keys at positions j <= i (and j > i − W with a window W).
std::vector<double> reference_paged(const Problem& p, const Paged& paged, const std::vector<double>& q) {
    const int64_t group = p.q_heads / p.kv_heads;
    const double scale = p.scale();
    std::vector<double> out(static_cast<size_t>(p.query_count() * p.q_heads * p.value_dim), 0.0);
    int64_t query = 0;
    for (size_t s = 0; s < p.sequences.size(); ++s) {
        const Sequence& sequence = p.sequences[s];
        const std::vector<double> keys = gather_sequence(p, paged, paged.k_cache, p.dim, s);
        const std::vector<double> values = gather_sequence(p, paged, paged.v_cache, p.value_dim, s);
        for (int32_t n = 0; n < sequence.queries; ++n, ++query) {
            const int64_t i = sequence.context - sequence.queries + n;
            for (int64_t h = 0; h < p.q_heads; ++h) {
                const int64_t g = h / group;
                std::vector<int64_t> visible;
                std::vector<double> scores;
                for (int64_t j = 0; j < sequence.context; ++j) {
                    if (j > i || (p.sliding_window > 0 && j <= i - p.sliding_window)) continue;
                    double score = 0.0;
                    for (int64_t d = 0; d < p.dim; ++d) {
                        score += q[static_cast<size_t>((query * p.q_heads + h) * p.dim + d)] *
                                 keys[static_cast<size_t>((j * p.kv_heads + g) * p.dim + d)];
                    }
                    visible.push_back(j);
                    scores.push_back(score * scale);
                }
                const double largest = *std::max_element(scores.begin(), scores.end());
                double total = 0.0;
                for (double& score : scores) total += (score = std::exp(score - largest));
                for (size_t m = 0; m < visible.size(); ++m) {
                    for (int64_t d = 0; d < p.value_dim; ++d) {
                        out[static_cast<size_t>((query * p.q_heads + h) * p.value_dim + d)] +=
                            scores[m] / total *
                            values[static_cast<size_t>((visible[m] * p.kv_heads + g) * p.value_dim + d)];
                    }
                }
            }
        }
    }
    return out;
}

// Worst-case error of the FP32 computation for |q|, |k|, |v| <= 1 and n keys per query:
//  a score is scale·Σ q·k over D products, |s| <= B = scale·D; the dot product and the scaling are within
//  (D + 1)·2^-24·B of it;
//  a key's weight is exp(s − m) at the running maximum m, later multiplied by exp(m − m') each time the
//  maximum rises: the exponents telescope to s − m_final, |s − m_final| <= 2B, so their roundings cost
//  2B·2^-24 together; the key's own expf costs 2 roundings, and each of up to n − 1 rescalings 3 more
//  (expf, and the product with the running sums); the score error counts twice (s and the maximum);
//  normalising by the sum of n weights doubles the weight error and adds n roundings, and Σ w·v over n
//  terms adds n + 1 more, times |v| <= 1.
// A F16 or BF16 output is then rounded once more: half its spacing, 2^-11 or 2^-8 relative (F16 below
// 2^-14 costs up to 2^-25 absolute).
Tolerance paged_tolerance(const Problem& p, qrt_dtype out_dtype) {
    const double keys = static_cast<double>(p.longest_context());
    const double score_bound = static_cast<double>(p.scale()) * static_cast<double>(p.dim);
    const double score_error = (static_cast<double>(p.dim) + 1.0) * kUnitRoundoff * score_bound;
    const double weight_error = 2.0 * score_error + (2.0 * score_bound + 2.0 + 3.0 * (keys - 1.0)) * kUnitRoundoff;
    return {2.0 * weight_error + (2.0 * keys + 3.0) * kUnitRoundoff + output_underflow(out_dtype),
            output_rounding(out_dtype)};
}

qrt_status run_paged(qrt_stream* stream, const Problem& p, Paged& paged, FloatBuffer& q, const HeadsLayout& q_layout,
                     FloatBuffer& out, const HeadsLayout& out_layout) {
    qrt_tensor q_t = heads_tensor(q, q_layout);
    qrt_tensor out_t = heads_tensor(out, out_layout);
    qrt_tensor k_t = paged.k_tensor(p);
    qrt_tensor v_t = paged.v_tensor(p);
    qrt_tensor starts_t = paged.starts_tensor();
    qrt_tensor lengths_t = paged.lengths_tensor();
    qrt_tensor tables_t = paged.tables_tensor();
    return qrt_paged_attention(stream, &q_t, &k_t, &v_t, &starts_t, &lengths_t, &tables_t, p.scale(), p.sliding_window,
                               &out_t);
}

// Runs a problem with contiguous q and out and checks out against the reference.
void check_problem(const Problem& p, Random& random, qrt_dtype q_dtype, qrt_dtype cache_dtype, qrt_dtype out_dtype,
                   const char* name) {
    CpuStream stream;
    Paged paged = make_paged(p, random, cache_dtype);
    const HeadsLayout q_layout = contiguous_heads(p.query_count(), p.q_heads, p.dim);
    const HeadsLayout out_layout = contiguous_heads(p.query_count(), p.q_heads, p.value_dim);
    FloatBuffer q(q_dtype, random.uniform(static_cast<size_t>(q_layout.extent())));
    FloatBuffer out(out_dtype, std::vector<float>(static_cast<size_t>(out_layout.extent()), 5.0f));
    const std::vector<unsigned char> k_before = paged.k_cache.bytes();
    const std::vector<unsigned char> v_before = paged.v_cache.bytes();
    QRT_CHECK_OK(run_paged(stream, p, paged, q, q_layout, out, out_layout));
    QRT_CHECK(paged.k_cache.bytes() == k_before && paged.v_cache.bytes() == v_before);
    const std::vector<double> expected = reference_paged(p, paged, gather(q, q_layout));
    const Tolerance tol = paged_tolerance(p, out_dtype);
    char what[240];
    std::snprintf(what, sizeof what,
                  "%s: q %s cache %s out %s, %zu sequence(s), longest context %d, Hq %lld Hkv %lld D %lld Dv %lld, "
                  "block %lld, window %d",
                  name, qrt_dtype_name(q_dtype), qrt_dtype_name(cache_dtype), qrt_dtype_name(out_dtype),
                  p.sequences.size(), p.longest_context(), static_cast<long long>(p.q_heads),
                  static_cast<long long>(p.kv_heads), static_cast<long long>(p.dim),
                  static_cast<long long>(p.value_dim), static_cast<long long>(p.block_size), p.sliding_window);
    all_close(out.values(), expected, tol.atol, tol.rtol, what);
}

void check_problem(const Problem& p, Random& random, const char* name) {
    check_problem(p, random, QRT_DTYPE_F32, QRT_DTYPE_F32, QRT_DTYPE_F32, name);
}

void test_single_sequence(Random& random) {
    for (int64_t block_size : {1, 3, 16}) {
        // Prefill: every position of the sequence is a query.
        for (int32_t context : {1, 3, 17, 33}) {
            check_problem(single(context, context, 2, 2, 64, 64, block_size), random, "prefill");
        }
        // Decode: one query after a long context spread over many shuffled blocks.
        check_problem(single(300, 1, 4, 4, 32, 32, block_size), random, "decode");
        // Chunked prefill: the last 5 of 12 positions.
        check_problem(single(12, 5, 2, 1, 16, 16, block_size), random, "chunked prefill");
    }
    // A context that fills its last block exactly, and one that spills one row into a new block.
    check_problem(single(48, 48, 2, 1, 16, 16, 16), random, "full last block");
    check_problem(single(49, 3, 2, 1, 16, 16, 16), random, "one row in the last block");
}

void test_heads(Random& random) {
    // Grouped-query heads (Hq = 4·Hkv) and multi-query heads.
    check_problem(single(23, 23, 8, 2, 16, 16, 3), random, "GQA 8/2");
    check_problem(single(40, 1, 4, 1, 33, 33, 16), random, "MQA 4/1");
    // Value heads narrower or wider than query/key heads, and odd head sizes.
    check_problem(single(19, 6, 4, 1, 24, 40, 3), random, "Dv > D");
    check_problem(single(10, 10, 3, 3, 17, 3, 1), random, "Dv < D");
    check_problem(single(5, 5, 1, 1, 1, 1, 3), random, "D = Dv = 1");
}

void test_batches(Random& random) {
    // A prefill, a decode, a chunked prefill and a sequence with no queries this step, in one call.
    Problem batch;
    batch.sequences = {{17, 17}, {70, 1}, {9, 0}, {33, 4}};
    batch.q_heads = 8;
    batch.kv_heads = 2;
    batch.dim = 32;
    batch.value_dim = 24;
    for (int64_t block_size : {1, 3, 16}) {
        batch.block_size = block_size;
        check_problem(batch, random, "four sequences");
    }
    // Several decodes at once: one query each, contexts of different lengths.
    Problem decodes = single(1, 1, 4, 2, 16, 16, 3);
    decodes.sequences = {{1, 1}, {7, 1}, {64, 1}};
    check_problem(decodes, random, "three decodes");
    // Empty sequences at both ends.
    Problem empty_ends = single(0, 0, 2, 1, 8, 8, 3);
    empty_ends.sequences = {{0, 0}, {6, 6}, {4, 0}};
    check_problem(empty_ends, random, "sequences without queries at both ends");
}

void test_sliding_window(Random& random) {
    for (int32_t window : {1, 3, 8, 100}) {
        Problem prefill = single(33, 33, 2, 1, 16, 16, 3);
        prefill.sliding_window = window;
        check_problem(prefill, random, "sliding window, prefill");
        Problem decode = single(90, 1, 2, 2, 16, 16, 16);
        decode.sliding_window = window;
        check_problem(decode, random, "sliding window, decode");
        Problem batch = single(0, 0, 4, 2, 16, 8, 1);
        batch.sequences = {{12, 5}, {20, 20}, {7, 1}};
        batch.sliding_window = window;
        check_problem(batch, random, "sliding window, batch");
    }
}

void test_dtypes(Random& random) {
    Problem p = single(0, 0, 4, 2, 16, 16, 3);
    p.sequences = {{11, 11}, {20, 2}};
    for (qrt_dtype q_dtype : kFloatDtypes) {
        for (qrt_dtype cache_dtype : kFloatDtypes) {
            for (qrt_dtype out_dtype : kFloatDtypes)
                check_problem(p, random, q_dtype, cache_dtype, out_dtype, "dtypes");
        }
    }
    // A BF16 model's prefill and decode at a realistic head size.
    check_problem(single(70, 70, 8, 2, 128, 128, 16), random, QRT_DTYPE_BF16, QRT_DTYPE_BF16, QRT_DTYPE_BF16,
                  "bf16 prefill");
    check_problem(single(300, 1, 8, 2, 128, 128, 16), random, QRT_DTYPE_BF16, QRT_DTYPE_BF16, QRT_DTYPE_BF16,
                  "bf16 decode");
}

// q as a column block of a fused qkv projection output, out as a column block of a wider buffer.
void test_strided_views(Random& random) {
    CpuStream stream;
    Problem p = single(0, 0, 6, 2, 16, 16, 3);
    p.sequences = {{9, 9}, {14, 3}};
    const int64_t tokens = p.query_count();
    const int64_t row = (p.q_heads + 2 * p.kv_heads) * p.dim;
    for (qrt_dtype dtype : kFloatDtypes) {
        Paged paged = make_paged(p, random, dtype);
        const HeadsLayout q_layout{tokens, p.q_heads, p.dim, row, p.dim, 0};
        const HeadsLayout out_layout{tokens, p.q_heads, p.value_dim, p.q_heads * p.value_dim + 9, p.value_dim, 4};
        FloatBuffer qkv(dtype, random.uniform(static_cast<size_t>(tokens * row)));
        FloatBuffer out(dtype, std::vector<float>(static_cast<size_t>(out_layout.extent() + 9), 5.0f));
        QRT_CHECK_OK(run_paged(stream, p, paged, qkv, q_layout, out, out_layout));
        const std::vector<double> expected = reference_paged(p, paged, gather(qkv, q_layout));
        const Tolerance tol = paged_tolerance(p, dtype);
        const std::vector<double> actual = gather(out, out_layout);
        all_close(std::vector<float>(actual.begin(), actual.end()), expected, tol.atol, tol.rtol, "strided q and out");
        // Elements of out outside the view keep their fill.
        size_t outside = 0;
        for (size_t i = 0; i < out.size(); ++i) outside += out.get(i) == 5.0f;
        QRT_CHECK(outside == out.size() - static_cast<size_t>(tokens * p.q_heads * p.value_dim));
    }
}

// A batch gives the same bits as each of its sequences alone, and the thread count changes no bit: each
// (query, head) output is computed by one thread in a fixed order.
void test_determinism(Random& random) {
    CpuStream stream;
    Problem p = single(0, 0, 8, 2, 64, 64, 16);
    p.sequences = {{40, 40}, {100, 1}, {25, 6}};
    Paged paged = make_paged(p, random, QRT_DTYPE_BF16);
    const HeadsLayout q_layout = contiguous_heads(p.query_count(), p.q_heads, p.dim);
    const HeadsLayout out_layout = contiguous_heads(p.query_count(), p.q_heads, p.value_dim);
    FloatBuffer q(QRT_DTYPE_BF16, random.uniform(static_cast<size_t>(q_layout.extent())));
    FloatBuffer one(QRT_DTYPE_F32, static_cast<size_t>(out_layout.extent()), 0.0f);
    FloatBuffer three(QRT_DTYPE_F32, static_cast<size_t>(out_layout.extent()), 0.0f);
    QRT_CHECK_OK(qrt_cpu_set_thread_count(1));
    QRT_CHECK_OK(run_paged(stream, p, paged, q, q_layout, one, out_layout));
    QRT_CHECK_OK(qrt_cpu_set_thread_count(3));
    QRT_CHECK_OK(run_paged(stream, p, paged, q, q_layout, three, out_layout));
    QRT_CHECK_OK(qrt_cpu_set_thread_count(0));
    QRT_CHECK(one.bytes() == three.bytes());

    FloatBuffer separate(QRT_DTYPE_F32, static_cast<size_t>(out_layout.extent()), 5.0f);
    for (size_t s = 0; s < p.sequences.size(); ++s) {
        Problem alone = p;
        alone.sequences = {p.sequences[s]};
        Paged alone_paged = paged;
        alone_paged.query_starts = {0, p.sequences[s].queries};
        alone_paged.context_lengths = {p.sequences[s].context};
        alone_paged.block_tables.assign(
            paged.block_tables.begin() + static_cast<std::ptrdiff_t>(s * paged.max_blocks),
            paged.block_tables.begin() + static_cast<std::ptrdiff_t>((s + 1) * paged.max_blocks));
        HeadsLayout q_alone = q_layout;
        HeadsLayout out_alone = out_layout;
        q_alone.tokens = out_alone.tokens = p.sequences[s].queries;
        q_alone.offset = paged.query_starts[s] * q_layout.token_stride;
        out_alone.offset = paged.query_starts[s] * out_layout.token_stride;
        QRT_CHECK_OK(run_paged(stream, alone, alone_paged, q, q_alone, separate, out_alone));
    }
    QRT_CHECK(separate.bytes() == one.bytes());
}

// k and v [T, H, D] views and the slots they go to, for qrt_kv_cache_write.
qrt_status write_cache(qrt_stream* stream, FloatBuffer& k, const HeadsLayout& k_layout, FloatBuffer& v,
                       const HeadsLayout& v_layout, std::vector<int32_t>& slots, qrt_tensor* k_cache,
                       qrt_tensor* v_cache) {
    qrt_tensor k_t = heads_tensor(k, k_layout);
    qrt_tensor v_t = heads_tensor(v, v_layout);
    qrt_tensor slots_t = tensor(slots.data(), QRT_DTYPE_I32, {static_cast<int64_t>(slots.size())});
    return qrt_kv_cache_write(stream, &k_t, &v_t, &slots_t, k_cache, v_cache);
}

// Exactly the addressed rows change, each to its token's values rounded to the cache's dtype; padding
// tokens (negative slots) and every other row are left alone.
void test_cache_write(Random& random) {
    CpuStream stream;
    const int64_t num_blocks = 5;
    const int64_t block_size = 3;
    const int64_t heads = 2;
    const int64_t dim = 8;
    const int64_t value_dim = 5;
    std::vector<int32_t> slots = {4, -1, 0, 14, 7, -3, 9, 13};
    const int64_t tokens = static_cast<int64_t>(slots.size());
    for (qrt_dtype input_dtype : kFloatDtypes) {
        for (qrt_dtype cache_dtype : kFloatDtypes) {
            // k and v as column blocks of one fused projection output [T, 2·H·D + H·Dv].
            const int64_t row = heads * (2 * dim + value_dim);
            FloatBuffer kv(input_dtype, random.uniform(static_cast<size_t>(tokens * row), -3.0f, 3.0f));
            const HeadsLayout k_layout{tokens, heads, dim, row, dim, heads * dim};
            const HeadsLayout v_layout{tokens, heads, value_dim, row, value_dim, 2 * heads * dim};
            FloatBuffer k_cache(cache_dtype,
                                random.uniform(static_cast<size_t>(num_blocks * block_size * heads * dim)));
            FloatBuffer v_cache(cache_dtype,
                                random.uniform(static_cast<size_t>(num_blocks * block_size * heads * value_dim)));
            const FloatBuffer k_before = k_cache;
            const FloatBuffer v_before = v_cache;
            qrt_tensor k_cache_t = tensor(k_cache.data(), cache_dtype, {num_blocks, block_size, heads, dim});
            qrt_tensor v_cache_t = tensor(v_cache.data(), cache_dtype, {num_blocks, block_size, heads, value_dim});
            QRT_CHECK_OK(write_cache(stream, kv, k_layout, kv, v_layout, slots, &k_cache_t, &v_cache_t));

            // The expected caches: the old ones with each addressed row replaced, rounded as the library must.
            FloatBuffer k_expected = k_before;
            FloatBuffer v_expected = v_before;
            for (int64_t t = 0; t < tokens; ++t) {
                if (slots[static_cast<size_t>(t)] < 0) continue;
                const int64_t slot = slots[static_cast<size_t>(t)];
                for (int64_t h = 0; h < heads; ++h) {
                    for (int64_t d = 0; d < dim; ++d) {
                        k_expected.set(static_cast<size_t>((slot * heads + h) * dim + d),
                                       kv.get(static_cast<size_t>(k_layout.index(t, h, d))));
                    }
                    for (int64_t d = 0; d < value_dim; ++d) {
                        v_expected.set(static_cast<size_t>((slot * heads + h) * value_dim + d),
                                       kv.get(static_cast<size_t>(v_layout.index(t, h, d))));
                    }
                }
            }
            QRT_CHECK(k_cache.bytes() == k_expected.bytes());
            QRT_CHECK(v_cache.bytes() == v_expected.bytes());
        }
    }
    // Only padding, and no tokens at all, write nothing.
    FloatBuffer k_cache(QRT_DTYPE_F32, random.uniform(static_cast<size_t>(num_blocks * block_size * heads * dim)));
    const std::vector<unsigned char> before = k_cache.bytes();
    qrt_tensor k_cache_t = tensor(k_cache.data(), QRT_DTYPE_F32, {num_blocks, block_size, heads, dim});
    FloatBuffer v_cache(QRT_DTYPE_F32, static_cast<size_t>(num_blocks * block_size * heads * dim), 0.5f);
    qrt_tensor v_cache_t = tensor(v_cache.data(), QRT_DTYPE_F32, {num_blocks, block_size, heads, dim});
    FloatBuffer k(QRT_DTYPE_F32, random.uniform(static_cast<size_t>(2 * heads * dim)));
    std::vector<int32_t> padding = {-1, -1};
    QRT_CHECK_OK(write_cache(stream, k, contiguous_heads(2, heads, dim), k, contiguous_heads(2, heads, dim), padding,
                             &k_cache_t, &v_cache_t));
    std::vector<int32_t> none;
    FloatBuffer empty(QRT_DTYPE_F32, 0, 0.0f);
    QRT_CHECK_OK(write_cache(stream, empty, contiguous_heads(0, heads, dim), empty, contiguous_heads(0, heads, dim),
                             none, &k_cache_t, &v_cache_t));
    QRT_CHECK(k_cache.bytes() == before);
}

// A sequence written token by token through qrt_kv_cache_write and attended through its block table gives
// what qrt_attention gives over the same keys and values held contiguously.
void test_matches_contiguous_attention(Random& random) {
    CpuStream stream;
    for (qrt_dtype dtype : {QRT_DTYPE_F32, QRT_DTYPE_BF16}) {
        for (int32_t window : {0, 5}) {
            for (int32_t queries : {37, 4, 1}) {
                Problem p = single(37, queries, 4, 2, 16, 12, 5);
                p.sliding_window = window;
                Paged paged = make_paged(p, random, dtype);
                const int64_t context = p.sequences[0].context;
                const HeadsLayout k_layout = contiguous_heads(context, p.kv_heads, p.dim);
                const HeadsLayout v_layout = contiguous_heads(context, p.kv_heads, p.value_dim);
                FloatBuffer k(dtype, random.uniform(static_cast<size_t>(k_layout.extent())));
                FloatBuffer v(dtype, random.uniform(static_cast<size_t>(v_layout.extent())));
                std::vector<int32_t> slots;
                for (int64_t position = 0; position < context; ++position) {
                    slots.push_back(static_cast<int32_t>(
                        paged.block_tables[static_cast<size_t>(position / p.block_size)] * p.block_size +
                        position % p.block_size));
                }
                qrt_tensor k_cache_t = paged.k_tensor(p);
                qrt_tensor v_cache_t = paged.v_tensor(p);
                QRT_CHECK_OK(write_cache(stream, k, k_layout, v, v_layout, slots, &k_cache_t, &v_cache_t));

                const HeadsLayout q_layout = contiguous_heads(queries, p.q_heads, p.dim);
                const HeadsLayout out_layout = contiguous_heads(queries, p.q_heads, p.value_dim);
                FloatBuffer q(dtype, random.uniform(static_cast<size_t>(q_layout.extent())));
                FloatBuffer paged_out(QRT_DTYPE_F32, static_cast<size_t>(out_layout.extent()), 5.0f);
                FloatBuffer contiguous_out(QRT_DTYPE_F32, static_cast<size_t>(out_layout.extent()), 5.0f);
                QRT_CHECK_OK(run_paged(stream, p, paged, q, q_layout, paged_out, out_layout));
                qrt_tensor q_t = heads_tensor(q, q_layout);
                qrt_tensor k_t = heads_tensor(k, k_layout);
                qrt_tensor v_t = heads_tensor(v, v_layout);
                qrt_tensor out_t = heads_tensor(contiguous_out, out_layout);
                QRT_CHECK_OK(qrt_attention(stream, &q_t, &k_t, &v_t, nullptr, p.scale(), 1, window, &out_t));

                // Both are within paged_tolerance of the exact result (qrt_attention's own bound is the smaller),
                // so they are within twice it of each other.
                const Tolerance tol = paged_tolerance(p, QRT_DTYPE_F32);
                const std::vector<float> contiguous = contiguous_out.values();
                all_close(paged_out.values(), std::vector<double>(contiguous.begin(), contiguous.end()), 2.0 * tol.atol,
                          0.0, "paged vs contiguous attention");
                all_close(paged_out.values(), reference_paged(p, paged, gather(q, q_layout)), tol.atol, tol.rtol,
                          "written cache vs reference");
            }
        }
    }
}

// No queries (no sequences, or sequences with none) are valid and touch nothing.
void test_empty(Random& random) {
    CpuStream stream;
    Problem p = single(5, 0, 2, 1, 8, 8, 3);
    for (const std::vector<Sequence>& sequences : {std::vector<Sequence>{}, std::vector<Sequence>{{5, 0}, {0, 0}}}) {
        p.sequences = sequences;
        Paged paged = make_paged(p, random, QRT_DTYPE_F32);
        FloatBuffer none(QRT_DTYPE_F32, 0, 0.0f);
        QRT_CHECK_OK(run_paged(stream, p, paged, none, contiguous_heads(0, p.q_heads, p.dim), none,
                               contiguous_heads(0, p.q_heads, p.value_dim)));
    }
}

void test_cache_write_bad_arguments() {
    CpuStream stream;
    const qrt_device gpu{QRT_BACKEND_CUDA, 0};
    std::vector<float> k(4 * 2 * 8, 0.0f);
    std::vector<float> v(4 * 2 * 6, 0.0f);
    std::vector<int32_t> slots = {3, -1, 0, 11};
    std::vector<float> k_cache(4 * 3 * 2 * 8, 1.0f);
    std::vector<float> v_cache(4 * 3 * 2 * 6, 1.0f);
    qrt_tensor k_t = tensor(k.data(), QRT_DTYPE_F32, {4, 2, 8});
    qrt_tensor v_t = tensor(v.data(), QRT_DTYPE_F32, {4, 2, 6});
    qrt_tensor slots_t = tensor(slots.data(), QRT_DTYPE_I32, {4});
    qrt_tensor kc_t = tensor(k_cache.data(), QRT_DTYPE_F32, {4, 3, 2, 8});
    qrt_tensor vc_t = tensor(v_cache.data(), QRT_DTYPE_F32, {4, 3, 2, 6});
    auto write = [&](const qrt_tensor* kk, const qrt_tensor* vv, const qrt_tensor* ss, qrt_tensor* kc, qrt_tensor* vc) {
        return qrt_kv_cache_write(stream, kk, vv, ss, kc, vc);
    };
    QRT_CHECK_OK(write(&k_t, &v_t, &slots_t, &kc_t, &vc_t));

    QRT_CHECK_FAILS(qrt_kv_cache_write(nullptr, &k_t, &v_t, &slots_t, &kc_t, &vc_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'stream'");
    QRT_CHECK_FAILS(write(nullptr, &v_t, &slots_t, &kc_t, &vc_t), QRT_STATUS_INVALID_ARGUMENT, "'k': is NULL");
    QRT_CHECK_FAILS(write(&k_t, nullptr, &slots_t, &kc_t, &vc_t), QRT_STATUS_INVALID_ARGUMENT, "'v': is NULL");
    QRT_CHECK_FAILS(write(&k_t, &v_t, nullptr, &kc_t, &vc_t), QRT_STATUS_INVALID_ARGUMENT, "'slots': is NULL");
    QRT_CHECK_FAILS(write(&k_t, &v_t, &slots_t, nullptr, &vc_t), QRT_STATUS_INVALID_ARGUMENT, "'k_cache': is NULL");
    QRT_CHECK_FAILS(write(&k_t, &v_t, &slots_t, &kc_t, nullptr), QRT_STATUS_INVALID_ARGUMENT, "'v_cache': is NULL");

    // dtypes, ranks, strides, data and devices.
    qrt_tensor integer_k = tensor(k.data(), QRT_DTYPE_I32, {4, 2, 8});
    QRT_CHECK_FAILS(write(&integer_k, &v_t, &slots_t, &kc_t, &vc_t), QRT_STATUS_INVALID_ARGUMENT, "'k': dtype I32");
    std::vector<int64_t> wide_slots = {3, -1, 0, 11};
    qrt_tensor wide_slots_t = tensor(wide_slots.data(), QRT_DTYPE_I64, {4});
    QRT_CHECK_FAILS(write(&k_t, &v_t, &wide_slots_t, &kc_t, &vc_t), QRT_STATUS_INVALID_ARGUMENT, "'slots': dtype I64");
    qrt_tensor fp8_cache = tensor(k_cache.data(), QRT_DTYPE_F8_E4M3, {4, 3, 2, 8});
    QRT_CHECK_FAILS(write(&k_t, &v_t, &slots_t, &fp8_cache, &vc_t), QRT_STATUS_INVALID_ARGUMENT, "'k_cache': dtype");
    qrt_tensor bf16_v_cache = tensor(v_cache.data(), QRT_DTYPE_BF16, {4, 3, 2, 6});
    QRT_CHECK_FAILS(write(&k_t, &v_t, &slots_t, &kc_t, &bf16_v_cache), QRT_STATUS_INVALID_ARGUMENT,
                    "'v_cache': has dtype BF16 but k_cache has F32");
    qrt_tensor flat_k = tensor(k.data(), QRT_DTYPE_F32, {4, 16});
    QRT_CHECK_FAILS(write(&flat_k, &v_t, &slots_t, &kc_t, &vc_t), QRT_STATUS_INVALID_ARGUMENT, "'k': must be");
    qrt_tensor flat_cache = tensor(k_cache.data(), QRT_DTYPE_F32, {12, 2, 8});
    QRT_CHECK_FAILS(write(&k_t, &v_t, &slots_t, &flat_cache, &vc_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'k_cache': must be [num_blocks, block_size, heads, dim] (rank 4)");
    qrt_tensor matrix_slots = tensor(slots.data(), QRT_DTYPE_I32, {2, 2});
    QRT_CHECK_FAILS(write(&k_t, &v_t, &matrix_slots, &kc_t, &vc_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'slots': must be a vector");
    qrt_tensor strided_k = tensor(k.data(), QRT_DTYPE_F32, {4, 2, 4});
    strided_k.strides[2] = 2;
    QRT_CHECK_FAILS(write(&strided_k, &v_t, &slots_t, &kc_t, &vc_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'k': the last dimension");
    qrt_tensor head_major_cache = tensor(k_cache.data(), QRT_DTYPE_F32, {4, 3, 2, 8});
    head_major_cache.strides[1] = 8;
    head_major_cache.strides[2] = 3 * 8;
    QRT_CHECK_FAILS(write(&k_t, &v_t, &slots_t, &head_major_cache, &vc_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'k_cache': must be contiguous");
    qrt_tensor strided_slots = tensor(slots.data(), QRT_DTYPE_I32, {2});
    strided_slots.strides[0] = 2;
    qrt_tensor two_token_k = tensor(k.data(), QRT_DTYPE_F32, {2, 2, 8});
    qrt_tensor two_token_v = tensor(v.data(), QRT_DTYPE_F32, {2, 2, 6});
    QRT_CHECK_FAILS(write(&two_token_k, &two_token_v, &strided_slots, &kc_t, &vc_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'slots': must be contiguous");
    qrt_tensor no_data_v = tensor(nullptr, QRT_DTYPE_F32, {4, 2, 6});
    QRT_CHECK_FAILS(write(&k_t, &no_data_v, &slots_t, &kc_t, &vc_t), QRT_STATUS_INVALID_ARGUMENT, "'v': data is NULL");
    qrt_tensor gpu_cache = tensor(v_cache.data(), QRT_DTYPE_F32, {4, 3, 2, 6}, gpu);
    QRT_CHECK_FAILS(write(&k_t, &v_t, &slots_t, &kc_t, &gpu_cache), QRT_STATUS_INVALID_ARGUMENT,
                    "'v_cache': lives on cuda:0");

    // Shapes that do not fit together; each message names both sides.
    qrt_tensor three_token_v = tensor(v.data(), QRT_DTYPE_F32, {3, 2, 6});
    QRT_CHECK_FAILS(write(&k_t, &three_token_v, &slots_t, &kc_t, &vc_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'v': has 3 tokens but k has 4");
    qrt_tensor one_head_v = tensor(v.data(), QRT_DTYPE_F32, {4, 1, 6});
    QRT_CHECK_FAILS(write(&k_t, &one_head_v, &slots_t, &kc_t, &vc_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'v': has 1 heads but k has 2");
    qrt_tensor three_slots = tensor(slots.data(), QRT_DTYPE_I32, {3});
    QRT_CHECK_FAILS(write(&k_t, &v_t, &three_slots, &kc_t, &vc_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'slots': has 3 elements but k has 4 tokens");
    qrt_tensor one_head_cache = tensor(k_cache.data(), QRT_DTYPE_F32, {4, 3, 1, 16});
    QRT_CHECK_FAILS(write(&k_t, &v_t, &slots_t, &one_head_cache, &vc_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'k_cache': has 1 heads but k has 2");
    qrt_tensor wide_cache = tensor(k_cache.data(), QRT_DTYPE_F32, {3, 3, 2, 10});
    QRT_CHECK_FAILS(write(&k_t, &v_t, &slots_t, &wide_cache, &vc_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'k_cache': has head dim 10 but k has 8");
    qrt_tensor narrow_v_cache = tensor(v_cache.data(), QRT_DTYPE_F32, {4, 3, 2, 5});
    QRT_CHECK_FAILS(write(&k_t, &v_t, &slots_t, &kc_t, &narrow_v_cache), QRT_STATUS_INVALID_ARGUMENT,
                    "'v_cache': has head dim 5 but v has 6");
    qrt_tensor fewer_blocks = tensor(v_cache.data(), QRT_DTYPE_F32, {3, 3, 2, 6});
    QRT_CHECK_FAILS(write(&k_t, &v_t, &slots_t, &kc_t, &fewer_blocks), QRT_STATUS_INVALID_ARGUMENT,
                    "'v_cache': has 3 blocks but k_cache has 4");
    qrt_tensor smaller_blocks = tensor(v_cache.data(), QRT_DTYPE_F32, {4, 2, 2, 6});
    QRT_CHECK_FAILS(write(&k_t, &v_t, &slots_t, &kc_t, &smaller_blocks), QRT_STATUS_INVALID_ARGUMENT,
                    "'v_cache': has block_size 2 but k_cache has 3");
    qrt_tensor blockless_k = tensor(k_cache.data(), QRT_DTYPE_F32, {4, 0, 2, 8});
    qrt_tensor blockless_v = tensor(v_cache.data(), QRT_DTYPE_F32, {4, 0, 2, 6});
    blockless_k.strides[0] = 16;
    blockless_v.strides[0] = 12;
    QRT_CHECK_FAILS(write(&k_t, &v_t, &slots_t, &blockless_k, &blockless_v), QRT_STATUS_INVALID_ARGUMENT,
                    "'k_cache': block_size (shape[1]) must be at least 1");
    qrt_tensor cache_over_k = tensor(k.data(), QRT_DTYPE_F32, {1, 2, 2, 8});
    std::vector<float> small_v_cache(2 * 2 * 6, 0.0f);
    qrt_tensor small_vc = tensor(small_v_cache.data(), QRT_DTYPE_F32, {1, 2, 2, 6});
    std::vector<int32_t> low_slots = {0, -1, 1, -1};
    qrt_tensor low_slots_t = tensor(low_slots.data(), QRT_DTYPE_I32, {4});
    QRT_CHECK_FAILS(write(&k_t, &v_t, &low_slots_t, &cache_over_k, &small_vc), QRT_STATUS_INVALID_ARGUMENT,
                    "'k_cache': overlaps k");
    qrt_tensor v_cache_over_k_cache = tensor(k_cache.data(), QRT_DTYPE_F32, {4, 3, 2, 6});
    QRT_CHECK_FAILS(write(&k_t, &v_t, &slots_t, &kc_t, &v_cache_over_k_cache), QRT_STATUS_INVALID_ARGUMENT,
                    "'v_cache': overlaps k_cache");

    // Slot values: checked before anything is written, naming the token and its slot.
    const std::vector<float> k_cache_before = k_cache;
    const std::vector<float> v_cache_before = v_cache;
    std::fill(k.begin(), k.end(), 2.0f);
    const std::vector<int32_t> bad_slots[] = {{3, -1, 0, 12}, {40, 0, 1, 2}, {3, 5, 7, 5}};
    const char* const bad_messages[] = {"token 3 has slot 12, outside [0, 12)", "token 0 has slot 40, outside [0, 12)",
                                        "tokens 1 and 3 both have slot 5"};
    for (size_t n = 0; n < 3; ++n) {
        std::vector<int32_t> values = bad_slots[n];
        qrt_tensor values_t = tensor(values.data(), QRT_DTYPE_I32, {4});
        QRT_CHECK_FAILS(write(&k_t, &v_t, &values_t, &kc_t, &vc_t), QRT_STATUS_INVALID_ARGUMENT, bad_messages[n]);
        QRT_CHECK(k_cache == k_cache_before && v_cache == v_cache_before);
    }
}

void test_paged_attention_bad_arguments(Random& random) {
    CpuStream stream;
    const qrt_device gpu{QRT_BACKEND_CUDA, 0};
    // Two sequences: 3 queries over 7 keys and 1 query over 4 keys, blocks of 3 (3 + 2 blocks of 6).
    Problem p = single(0, 0, 4, 2, 8, 6, 3);
    p.sequences = {{7, 3}, {4, 1}};
    p.spare_blocks = 1;
    p.spare_columns = 0;
    Paged paged = make_paged(p, random, QRT_DTYPE_F32);
    std::vector<float> q(4 * 4 * 8, 0.0f);
    std::vector<float> out(4 * 4 * 6, 0.0f);
    qrt_tensor q_t = tensor(q.data(), QRT_DTYPE_F32, {4, 4, 8});
    qrt_tensor out_t = tensor(out.data(), QRT_DTYPE_F32, {4, 4, 6});
    qrt_tensor kc_t = paged.k_tensor(p);
    qrt_tensor vc_t = paged.v_tensor(p);
    qrt_tensor starts_t = paged.starts_tensor();
    qrt_tensor lengths_t = paged.lengths_tensor();
    qrt_tensor tables_t = paged.tables_tensor();
    const float scale = 0.35f;
    auto attend = [&](const qrt_tensor* qq, const qrt_tensor* kc, const qrt_tensor* vc, const qrt_tensor* starts,
                      const qrt_tensor* lengths, const qrt_tensor* tables, float s, int32_t window, qrt_tensor* o) {
        return qrt_paged_attention(stream, qq, kc, vc, starts, lengths, tables, s, window, o);
    };
    QRT_CHECK_OK(attend(&q_t, &kc_t, &vc_t, &starts_t, &lengths_t, &tables_t, scale, 0, &out_t));

    QRT_CHECK_FAILS(
        qrt_paged_attention(nullptr, &q_t, &kc_t, &vc_t, &starts_t, &lengths_t, &tables_t, scale, 0, &out_t),
        QRT_STATUS_INVALID_ARGUMENT, "'stream'");
    QRT_CHECK_FAILS(attend(nullptr, &kc_t, &vc_t, &starts_t, &lengths_t, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'q': is NULL");
    QRT_CHECK_FAILS(attend(&q_t, nullptr, &vc_t, &starts_t, &lengths_t, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'k_cache': is NULL");
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, nullptr, &starts_t, &lengths_t, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'v_cache': is NULL");
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, nullptr, &lengths_t, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'query_starts': is NULL");
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &starts_t, nullptr, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'context_lengths': is NULL");
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &starts_t, &lengths_t, nullptr, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'block_tables': is NULL");
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &starts_t, &lengths_t, &tables_t, scale, 0, nullptr),
                    QRT_STATUS_INVALID_ARGUMENT, "'out': is NULL");

    // dtypes, ranks, strides, data and devices.
    qrt_tensor integer_q = tensor(q.data(), QRT_DTYPE_I32, {4, 4, 8});
    QRT_CHECK_FAILS(attend(&integer_q, &kc_t, &vc_t, &starts_t, &lengths_t, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'q': dtype I32");
    qrt_tensor fp8_out = tensor(out.data(), QRT_DTYPE_F8_E4M3, {4, 4, 6});
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &starts_t, &lengths_t, &tables_t, scale, 0, &fp8_out),
                    QRT_STATUS_INVALID_ARGUMENT, "'out': dtype F8_E4M3");
    qrt_tensor bf16_v_cache = vc_t;
    bf16_v_cache.dtype = QRT_DTYPE_BF16;
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &bf16_v_cache, &starts_t, &lengths_t, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'v_cache': has dtype BF16 but k_cache has F32");
    std::vector<int64_t> wide_starts = {0, 3, 4};
    qrt_tensor wide_starts_t = tensor(wide_starts.data(), QRT_DTYPE_I64, {3});
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &wide_starts_t, &lengths_t, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'query_starts': dtype I64");
    qrt_tensor float_lengths = lengths_t;
    float_lengths.dtype = QRT_DTYPE_F32;
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &starts_t, &float_lengths, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'context_lengths': dtype F32");
    qrt_tensor u8_tables = tables_t;
    u8_tables.dtype = QRT_DTYPE_U8;
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &starts_t, &lengths_t, &u8_tables, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'block_tables': dtype U8");
    qrt_tensor flat_q = tensor(q.data(), QRT_DTYPE_F32, {4, 32});
    QRT_CHECK_FAILS(attend(&flat_q, &kc_t, &vc_t, &starts_t, &lengths_t, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'q': must be");
    qrt_tensor flat_cache = tensor(paged.k_cache.data(), QRT_DTYPE_F32, {paged.num_blocks * 3, 2, 8});
    QRT_CHECK_FAILS(attend(&q_t, &flat_cache, &vc_t, &starts_t, &lengths_t, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'k_cache': must be [num_blocks, block_size, heads, dim] (rank 4)");
    qrt_tensor flat_tables = tensor(paged.block_tables.data(), QRT_DTYPE_I32, {2 * paged.max_blocks});
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &starts_t, &lengths_t, &flat_tables, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'block_tables': must be [S, max_blocks_per_sequence] (rank 2)");
    qrt_tensor matrix_starts = tensor(paged.query_starts.data(), QRT_DTYPE_I32, {3, 1});
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &matrix_starts, &lengths_t, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'query_starts': must be a vector");
    qrt_tensor strided_q = tensor(q.data(), QRT_DTYPE_F32, {4, 4, 4});
    strided_q.strides[2] = 2;
    qrt_tensor narrow_k_cache = tensor(paged.k_cache.data(), QRT_DTYPE_F32, {paged.num_blocks, 3, 2, 4});
    QRT_CHECK_FAILS(attend(&strided_q, &narrow_k_cache, &vc_t, &starts_t, &lengths_t, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'q': the last dimension");
    qrt_tensor head_major_v = vc_t;
    head_major_v.strides[1] = 6;
    head_major_v.strides[2] = 3 * 6;
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &head_major_v, &starts_t, &lengths_t, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'v_cache': must be contiguous");
    qrt_tensor strided_tables = tables_t;
    strided_tables.shape[1] = 2;  // the first two entries of each row of the 3-wide table
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &starts_t, &lengths_t, &strided_tables, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'block_tables': must be contiguous");
    qrt_tensor no_data_k = kc_t;
    no_data_k.data = nullptr;
    QRT_CHECK_FAILS(attend(&q_t, &no_data_k, &vc_t, &starts_t, &lengths_t, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'k_cache': data is NULL");
    qrt_tensor gpu_lengths = lengths_t;
    gpu_lengths.device = gpu;
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &starts_t, &gpu_lengths, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'context_lengths': lives on cuda:0");

    // Shapes that do not fit together; each message names both sides.
    qrt_tensor fewer_blocks = vc_t;
    fewer_blocks.shape[0] = paged.num_blocks - 1;
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &fewer_blocks, &starts_t, &lengths_t, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'v_cache': has 5 blocks but k_cache has 6");
    qrt_tensor smaller_blocks = tensor(paged.v_cache.data(), QRT_DTYPE_F32, {paged.num_blocks, 2, 2, 6});
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &smaller_blocks, &starts_t, &lengths_t, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'v_cache': has block_size 2 but k_cache has 3");
    qrt_tensor one_head_v_cache = tensor(paged.v_cache.data(), QRT_DTYPE_F32, {paged.num_blocks, 3, 1, 6});
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &one_head_v_cache, &starts_t, &lengths_t, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'v_cache': has 1 heads but k_cache has 2");
    qrt_tensor three_head_k = tensor(paged.k_cache.data(), QRT_DTYPE_F32, {paged.num_blocks, 3, 3, 4});
    qrt_tensor three_head_v = tensor(paged.v_cache.data(), QRT_DTYPE_F32, {paged.num_blocks, 3, 3, 4});
    qrt_tensor narrow_q = tensor(q.data(), QRT_DTYPE_F32, {4, 4, 4});
    qrt_tensor narrow_out = tensor(out.data(), QRT_DTYPE_F32, {4, 4, 4});
    QRT_CHECK_FAILS(
        attend(&narrow_q, &three_head_k, &three_head_v, &starts_t, &lengths_t, &tables_t, scale, 0, &narrow_out),
        QRT_STATUS_INVALID_ARGUMENT, "'q': has 4 heads, which is not a multiple of the 3");
    qrt_tensor headless_k = tensor(paged.k_cache.data(), QRT_DTYPE_F32, {paged.num_blocks, 3, 0, 8});
    qrt_tensor headless_v = tensor(paged.v_cache.data(), QRT_DTYPE_F32, {paged.num_blocks, 3, 0, 6});
    headless_k.strides[0] = headless_k.strides[1] = headless_v.strides[0] = headless_v.strides[1] = 1;
    QRT_CHECK_FAILS(attend(&q_t, &headless_k, &headless_v, &starts_t, &lengths_t, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'k_cache': must have at least one");
    QRT_CHECK_FAILS(attend(&narrow_q, &kc_t, &vc_t, &starts_t, &lengths_t, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'k_cache': has head dim 8 but q has 4");
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &starts_t, &lengths_t, &tables_t, scale, 0, &narrow_out),
                    QRT_STATUS_INVALID_ARGUMENT, "'out': has head dim 4 but v_cache has 6");
    qrt_tensor short_out = tensor(out.data(), QRT_DTYPE_F32, {3, 4, 6});
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &starts_t, &lengths_t, &tables_t, scale, 0, &short_out),
                    QRT_STATUS_INVALID_ARGUMENT, "'out': has 3 tokens but q has 4");
    qrt_tensor two_head_out = tensor(out.data(), QRT_DTYPE_F32, {4, 2, 6});
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &starts_t, &lengths_t, &tables_t, scale, 0, &two_head_out),
                    QRT_STATUS_INVALID_ARGUMENT, "'out': has 2 heads but q has 4");
    qrt_tensor out_over_q = tensor(q.data(), QRT_DTYPE_F32, {4, 4, 6});
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &starts_t, &lengths_t, &tables_t, scale, 0, &out_over_q),
                    QRT_STATUS_INVALID_ARGUMENT, "'out': overlaps q");
    qrt_tensor out_over_cache = tensor(paged.v_cache.data(), QRT_DTYPE_F32, {4, 4, 6});
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &starts_t, &lengths_t, &tables_t, scale, 0, &out_over_cache),
                    QRT_STATUS_INVALID_ARGUMENT, "'out': overlaps v_cache");
    qrt_tensor no_offsets = tensor(paged.query_starts.data(), QRT_DTYPE_I32, {0});
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &no_offsets, &lengths_t, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'query_starts': needs at least 1 offset");
    qrt_tensor one_length = tensor(paged.context_lengths.data(), QRT_DTYPE_I32, {1});
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &starts_t, &one_length, &tables_t, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'context_lengths': has 1 elements but query_starts has 3 offsets");
    qrt_tensor one_table = tensor(paged.block_tables.data(), QRT_DTYPE_I32, {1, paged.max_blocks});
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &starts_t, &lengths_t, &one_table, scale, 0, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'block_tables': has 1 rows but query_starts has 3 offsets");

    // Index values: every rule, naming the offending entry.
    struct BadIndices {
        std::vector<int32_t> starts;
        std::vector<int32_t> lengths;
        std::vector<int32_t> tables;  // [2, 3]
        const char* message;
    };
    const std::vector<int32_t> good_tables = paged.block_tables;
    const BadIndices bad[] = {
        {{1, 3, 4}, {7, 4}, good_tables, "'query_starts': query_starts[0] = 1, expected 0"},
        {{0, 3, 2, 4}, {7, 4, 4}, {0, 1, 2, 3, 4, 0, 5, 0, 0}, "query_starts[2] = 2 is less than query_starts[1] = 3"},
        {{0, 3, 3}, {7, 4}, good_tables, "'query_starts': query_starts[2] = 3 must equal the 4 tokens of q"},
        {{0, 3, 5}, {7, 4}, good_tables, "query_starts[2] = 5 must equal the 4 tokens of q"},
        {{0, 3, 4}, {7, -2}, good_tables, "'context_lengths': context_lengths[1] = -2 is negative"},
        {{0, 3, 4}, {2, 4}, good_tables, "'context_lengths': sequence 0 has 3 queries"},
        {{0, 3, 4},
         {10, 4},
         good_tables,
         "'context_lengths': context_lengths[0] = 10 needs 4 blocks of 3 but "
         "block_tables has room for 3 per sequence"},
        {{0, 3, 4}, {7, 4}, {0, 1, 6, 3, 4, 0}, "'block_tables': block_tables[0][2] = 6 is outside [0, 6)"},
        {{0, 3, 4}, {7, 4}, {0, 1, 2, 3, -1, 0}, "'block_tables': block_tables[1][1] = -1 is outside [0, 6)"},
    };
    for (const BadIndices& b : bad) {
        std::vector<int32_t> starts = b.starts;
        std::vector<int32_t> lengths = b.lengths;
        std::vector<int32_t> tables = b.tables;
        qrt_tensor s_t = tensor(starts.data(), QRT_DTYPE_I32, {static_cast<int64_t>(starts.size())});
        qrt_tensor l_t = tensor(lengths.data(), QRT_DTYPE_I32, {static_cast<int64_t>(lengths.size())});
        qrt_tensor t_t = tensor(tables.data(), QRT_DTYPE_I32, {static_cast<int64_t>(lengths.size()), 3});
        QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &s_t, &l_t, &t_t, scale, 0, &out_t), QRT_STATUS_INVALID_ARGUMENT,
                        b.message);
    }
    // Entries past a sequence's blocks are not read: here the second sequence needs 2 of its 3.
    std::vector<int32_t> loose_tables = {0, 1, 2, 3, 4, -9};
    qrt_tensor loose_t = tensor(loose_tables.data(), QRT_DTYPE_I32, {2, 3});
    QRT_CHECK_OK(attend(&q_t, &kc_t, &vc_t, &starts_t, &lengths_t, &loose_t, scale, 0, &out_t));

    // Scalars.
    QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &starts_t, &lengths_t, &tables_t, scale, -1, &out_t),
                    QRT_STATUS_INVALID_ARGUMENT, "'sliding_window': must be 0 (no window) or positive, got -1");
    for (float bad_scale : {0.0f, -0.5f, std::numeric_limits<float>::infinity(), std::nanf("")}) {
        QRT_CHECK_FAILS(attend(&q_t, &kc_t, &vc_t, &starts_t, &lengths_t, &tables_t, bad_scale, 0, &out_t),
                        QRT_STATUS_INVALID_ARGUMENT, "'scale'");
    }
}

}  // namespace

int main() {
    Random random(4099);
    test_single_sequence(random);
    test_heads(random);
    test_batches(random);
    test_sliding_window(random);
    test_dtypes(random);
    test_strided_views(random);
    test_determinism(random);
    test_cache_write(random);
    test_matches_contiguous_attention(random);
    test_empty(random);
    test_cache_write_bad_arguments();
    test_paged_attention_bad_arguments(random);
    return finish("test_paged_attention");
}
