#include "cpu/paged_attention.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu/attention_math.h"
#include "cpu/row_convert.h"
#include "cpu/thread_pool.h"
#include "cpu/vector_math.h"

namespace qrt::cpu {
namespace {

// A chunk of (query, head) pairs should do at least this many multiply-adds; smaller chunks cost more to
// hand to a thread than they save.
constexpr int64_t kWorkPerChunk = 1 << 15;

// Rows copied per chunk of a cache write: each is a short conversion, so a chunk takes many.
constexpr int64_t kRowsPerWriteChunk = 256;

// Stores one row of `count` elements in the cache's dtype: a plain copy when the dtypes agree, else a
// conversion through FP32 (rounding to nearest even).
void store_row(const char* source, qrt_dtype source_dtype, int64_t count, char* target, qrt_dtype target_dtype,
               float* scratch) {
    if (count == 0) return;
    if (source_dtype == target_dtype) {
        std::memcpy(target, source, static_cast<size_t>(count) * dtype_size(target_dtype));
        return;
    }
    load_row_f32(source, source_dtype, count, scratch);
    store_row_f32(scratch, count, target, target_dtype);
}

// The keys one query sees: positions [first, last] of its sequence.
struct QueryKeys {
    int64_t sequence = 0;
    int64_t first = 0;
    int64_t last = 0;
};

QueryKeys keys_of(const PagedSequences& sequences, int64_t query) {
    // The query's sequence is the last one starting at or before it; an empty sequence starts where the
    // next one does, so the search passes over it.
    const int32_t* starts = sequences.query_starts;
    const int32_t* next_start = std::upper_bound(starts, starts + sequences.sequence_count + 1, query);
    const int64_t sequence = next_start - starts - 1;
    const int64_t query_count = next_start[0] - next_start[-1];
    // The sequence's queries are its last positions.
    const int64_t position = sequences.context_lengths[sequence] - query_count + (query - next_start[-1]);
    QueryKeys keys{sequence, 0, position};
    if (sequences.sliding_window > 0) keys.first = std::max<int64_t>(0, position - sequences.sliding_window + 1);
    return keys;
}

// The cache slot holding key position `position` of a sequence.
int64_t slot_of(const PagedSequences& sequences, int64_t sequence, int64_t position) {
    const int32_t* table = sequences.block_tables + sequence * sequences.max_blocks_per_sequence;
    return table[position / sequences.block_size] * sequences.block_size + position % sequences.block_size;
}

// The tensors of one call and how query heads map onto key/value heads.
struct Operands {
    const HeadsView& q;
    const HeadsView& k_cache;
    const HeadsView& v_cache;
    const PagedSequences& sequences;
    const HeadsView& out;
    float scale;
    int64_t group;  // query heads per key/value head

    int64_t kv_head(int64_t head) const { return head / group; }
};

// One chunk's scratch: O(D + Dv) floats, whatever the context length.
struct Workspace {
    std::vector<float> query;
    std::vector<float> key;
    std::vector<float> value;
    std::vector<float> output;
    OnlineSoftmax softmax;

    explicit Workspace(const Operands& operands)
        : query(static_cast<size_t>(operands.q.dim)),
          key(static_cast<size_t>(operands.k_cache.dim)),
          value(static_cast<size_t>(operands.v_cache.dim)),
          output(static_cast<size_t>(operands.v_cache.dim)),
          softmax(operands.v_cache.dim) {}
};

// Attention of one query head over its sequence's visible keys, gathered slot by slot from the caches.
void attend(const Operands& operands, int64_t query, int64_t head, Workspace& work) {
    const HeadsView& k = operands.k_cache;
    const HeadsView& v = operands.v_cache;
    const int64_t kv_head = operands.kv_head(head);
    const QueryKeys keys = keys_of(operands.sequences, query);
    const float* query_row = row_f32(operands.q.at(query, head), operands.q.dtype, operands.q.dim, work.query.data());
    work.softmax.reset();
    for (int64_t position = keys.first; position <= keys.last; ++position) {
        const int64_t slot = slot_of(operands.sequences, keys.sequence, position);
        const float* key_row = row_f32(k.at(slot, kv_head), k.dtype, k.dim, work.key.data());
        const float* value_row = row_f32(v.at(slot, kv_head), v.dtype, v.dim, work.value.data());
        work.softmax.add(dot(query_row, key_row, k.dim) * operands.scale, value_row);
    }
    work.softmax.finish(work.output.data());
    store_row_f32(work.output.data(), v.dim, operands.out.at(query, head), operands.out.dtype);
}

}  // namespace

void kv_cache_write(const HeadsView& k, const HeadsView& v, const IndexVector& slots, const HeadsView& k_cache,
                    const HeadsView& v_cache) {
    // Slots are distinct, so no two rows land on the same cache row and any split of the rows is safe.
    parallel_for(k.tokens * k.heads, kRowsPerWriteChunk, [&](int64_t begin, int64_t end) {
        std::vector<float> scratch(static_cast<size_t>(std::max(k.dim, v.dim)));
        for (int64_t row = begin; row < end; ++row) {
            const int64_t token = row / k.heads;
            const int64_t head = row % k.heads;
            const int64_t slot = slots.at(token);
            if (slot < 0) continue;  // padding
            store_row(k.at(token, head), k.dtype, k.dim, k_cache.at(slot, head), k_cache.dtype, scratch.data());
            store_row(v.at(token, head), v.dtype, v.dim, v_cache.at(slot, head), v_cache.dtype, scratch.data());
        }
    });
}

void paged_attention(const HeadsView& q, const HeadsView& k_cache, const HeadsView& v_cache,
                     const PagedSequences& sequences, float scale, const HeadsView& out) {
    // out has Tq·Hq·Dv elements, so once Dv > 0 the pair count below cannot overflow.
    if (out.tokens == 0 || out.heads == 0 || out.dim == 0) return;
    const Operands operands{q, k_cache, v_cache, sequences, out, scale, q.heads / k_cache.heads};
    // The longest context bounds the keys any query reads.
    const int64_t longest_context =
        *std::max_element(sequences.context_lengths, sequences.context_lengths + sequences.sequence_count);
    const int64_t work_per_pair = std::max<int64_t>(1, longest_context * (q.dim + v_cache.dim));
    const int64_t grain = std::max<int64_t>(1, kWorkPerChunk / work_per_pair);
    // Pairs run query-major, so the heads of one group, which share key and value rows, run back to back.
    parallel_for(q.tokens * q.heads, grain, [&](int64_t begin, int64_t end) {
        Workspace work(operands);
        for (int64_t pair = begin; pair < end; ++pair) attend(operands, pair / q.heads, pair % q.heads, work);
    });
}

}  // namespace qrt::cpu
