#include "cpu/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu/attention_math.h"
#include "cpu/row_convert.h"
#include "cpu/simd.h"
#include "cpu/thread_pool.h"
#include "cpu/vector_math.h"

namespace qrt::cpu {
namespace {

// A chunk of (query, head) pairs should do at least this many multiply-adds; smaller chunks cost more to
// hand to a thread than they save.
constexpr int64_t kWorkPerChunk = 1 << 15;

// The keys one query sees always form one run [begin, end): its segment (or the whole sequence), cut
// above by the causal mask and below by the sliding window.
struct KeyRange {
    int64_t begin = 0;
    int64_t end = 0;
};

KeyRange visible_keys(const AttentionMask& mask, int64_t query, int64_t query_count, int64_t key_count) {
    int64_t segment_begin = 0;
    int64_t segment_end = key_count;
    int64_t position = query + key_count - query_count;
    if (mask.segment_offsets != nullptr) {
        // The query's segment is the last one starting at or before it; an empty segment starts where
        // the next one does, so the search passes over it.
        const int32_t* offsets = mask.segment_offsets;
        const int32_t* next_start = std::upper_bound(offsets, offsets + mask.segment_count + 1, query);
        segment_begin = next_start[-1];
        segment_end = next_start[0];
        position = query - segment_begin;
    }
    KeyRange range{segment_begin, segment_end};
    if (mask.causal) range.end = std::min(segment_end, segment_begin + position + 1);
    if (mask.sliding_window > 0) {
        range.begin = std::max(segment_begin, segment_begin + position - mask.sliding_window + 1);
    }
    return range;
}

// The tensors of one call and how query heads map onto key/value heads.
struct Operands {
    const HeadsView& q;
    const HeadsView& k;
    const HeadsView& v;
    const HeadsView& out;
    float scale;
    int64_t group;  // query heads per key/value head

    int64_t kv_head(int64_t head) const { return head / group; }
};

// One chunk's scratch: O(Tk + D + Dv) floats, whatever the number of pairs it handles.
struct Workspace {
    std::vector<float> query;
    std::vector<float> key;
    std::vector<float> value;
    std::vector<float> weights;
    std::vector<float> output;

    explicit Workspace(const Operands& operands)
        : query(static_cast<size_t>(operands.q.dim)),
          key(static_cast<size_t>(operands.k.dim)),
          value(static_cast<size_t>(operands.v.dim)),
          weights(static_cast<size_t>(operands.k.tokens)),
          output(static_cast<size_t>(operands.v.dim)) {}
};

// Attention of one query head over the keys in `keys`: exp(score − max score) weights the value rows,
// and the weighted sum is divided by the total weight once, at the end.
void attend(const Operands& operands, int64_t query, int64_t head, KeyRange keys, Workspace& work) {
    const HeadsView& q = operands.q;
    const HeadsView& k = operands.k;
    const HeadsView& v = operands.v;
    const int64_t kv_head = operands.kv_head(head);
    float* output = work.output.data();
    std::fill(output, output + v.dim, 0.0f);
    if (keys.begin < keys.end) {
        const float* query_row = row_f32(q.at(query, head), q.dtype, q.dim, work.query.data());
        const int64_t count = keys.end - keys.begin;
        float* weights = work.weights.data();
        float largest = -std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j < count; ++j) {
            const float* key_row = row_f32(k.at(keys.begin + j, kv_head), k.dtype, k.dim, work.key.data());
            weights[j] = dot(query_row, key_row, q.dim) * operands.scale;
            largest = weights[j] > largest ? weights[j] : largest;
        }
        for (int64_t j = 0; j < count; ++j) weights[j] = std::exp(weights[j] - largest);
        const float total = sum(weights, count);
        for (int64_t j = 0; j < count; ++j) {
            const float* value_row = row_f32(v.at(keys.begin + j, kv_head), v.dtype, v.dim, work.value.data());
            add_scaled(output, value_row, weights[j], v.dim);
        }
        for (int64_t d = 0; d < v.dim; ++d) output[d] = output[d] / total;
    }
    store_row_f32(output, v.dim, operands.out.at(query, head), operands.out.dtype);
}

}  // namespace

void attention(const HeadsView& q, const HeadsView& k, const HeadsView& v, const AttentionMask& mask, float scale,
               const HeadsView& out) {
    // out has Tq·Hq·Dv elements, so once Dv > 0 the pair count below cannot overflow.
    if (out.tokens == 0 || out.heads == 0 || out.dim == 0) return;
    const Operands operands{q, k, v, out, scale, q.heads / k.heads};
    const int64_t work_per_pair = std::max<int64_t>(1, k.tokens * (q.dim + v.dim));
    const int64_t grain = std::max<int64_t>(1, kWorkPerChunk / work_per_pair);
    // Pairs run query-major, so the heads of one group, which share key and value rows, run back to back.
    parallel_for(q.tokens * q.heads, grain, [&](int64_t begin, int64_t end) {
        Workspace work(operands);
        for (int64_t pair = begin; pair < end; ++pair) {
            const int64_t query = pair / q.heads;
            attend(operands, query, pair % q.heads, visible_keys(mask, query, q.tokens, k.tokens), work);
        }
    });
}

}  // namespace qrt::cpu
