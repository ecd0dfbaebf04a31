// Entry points for block-paged KV caches: writing new tokens into their slots, and attention of several
// sequences over their caches through block tables.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"
#include "cpu/paged_attention.h"
#if defined(QRT_WITH_CUDA)
#  include "cuda/cuda_backend.h"
#endif
#include "qrt.h"

namespace {

using qrt::HeadsView;
using qrt::IndexVector;
using qrt::OpArgs;
using qrt::TensorRef;

// A validated cache [num_blocks, block_size, heads, dim] and the view of its slots that kernels take.
struct PagedCache {
    TensorRef tensor;
    HeadsView slots;
    int64_t num_blocks = 0;
    int64_t block_size = 0;
    int64_t heads = 0;
    int64_t dim = 0;
};

PagedCache paged_cache(const OpArgs& args, const char* name, const qrt_tensor* cache) {
    PagedCache result;
    result.tensor = args.tensor(name, cache, qrt::float_dtypes());
    const TensorRef& t = result.tensor;
    args.require(t.rank == 4, name, "must be [num_blocks, block_size, heads, dim] (rank 4), got rank ", t.rank, " ",
                 t.shape_string());
    // An empty cache has no layout to speak of (and no positive strides could make it contiguous).
    args.require(t.numel() == 0 || t.is_contiguous(), name, "must be contiguous");
    result.num_blocks = t.shape[0];
    result.block_size = t.shape[1];
    result.heads = t.shape[2];
    result.dim = t.shape[3];
    args.require(result.block_size >= 1, name, "block_size (shape[1]) must be at least 1, got ", result.block_size);
    // With no heads or an empty head dim the element count no longer bounds the slot count.
    args.require(result.num_blocks <= std::numeric_limits<int64_t>::max() / result.block_size, name,
                 "slot count overflows 64 bits");
    // Contiguous, so the blocks flatten into one run of slots.
    result.slots.data = t.data;
    result.slots.dtype = t.dtype;
    result.slots.tokens = result.num_blocks * result.block_size;
    result.slots.heads = result.heads;
    result.slots.dim = result.dim;
    result.slots.head_stride = result.dim;
    result.slots.token_stride = result.heads * result.dim;
    return result;
}

// The two caches of one layer share their dtype and block layout, since one slot addresses both.
void check_cache_pair(const OpArgs& args, const PagedCache& k_cache, const PagedCache& v_cache) {
    args.require(v_cache.tensor.dtype == k_cache.tensor.dtype, "v_cache", "has dtype ",
                 qrt::dtype_name(v_cache.tensor.dtype), " but k_cache has ", qrt::dtype_name(k_cache.tensor.dtype));
    args.require(v_cache.num_blocks == k_cache.num_blocks, "v_cache", "has ", v_cache.num_blocks,
                 " blocks but k_cache has ", k_cache.num_blocks);
    args.require(v_cache.block_size == k_cache.block_size, "v_cache", "has block_size ", v_cache.block_size,
                 " but k_cache has ", k_cache.block_size);
    args.require(v_cache.heads == k_cache.heads, "v_cache", "has ", v_cache.heads, " heads but k_cache has ",
                 k_cache.heads);
    args.require(!qrt::may_overlap(v_cache.tensor, k_cache.tensor), "v_cache", "overlaps k_cache");
}

// A rank-1, contiguous I32 tensor, read as integers.
IndexVector index_vector(const OpArgs& args, const char* name, const qrt_tensor* tensor) {
    const TensorRef ref = args.tensor(name, tensor, {QRT_DTYPE_I32});
    args.require(ref.rank == 1, name, "must be a vector (rank 1), got rank ", ref.rank, " ", ref.shape_string());
    return args.indices(name, ref, ref.numel());
}

// Every slot is padding (negative) or names a row of the caches, and no two tokens share one.
void check_slots(const OpArgs& args, const IndexVector& slots, int64_t slot_count, int64_t block_size) {
    std::vector<std::pair<int64_t, int64_t>> used;  // (slot, token)
    for (int64_t token = 0; token < slots.count; ++token) {
        const int64_t slot = slots.at(token);
        if (slot < 0) continue;
        args.require(slot < slot_count, "slots", "token ", token, " has slot ", slot, ", outside [0, ", slot_count,
                     ") (", slot_count / block_size, " blocks of ", block_size, ")");
        used.emplace_back(slot, token);
    }
    std::sort(used.begin(), used.end());
    for (size_t i = 1; i < used.size(); ++i) {
        args.require(used[i].first != used[i - 1].first, "slots", "tokens ", used[i - 1].second, " and ",
                     used[i].second, " both have slot ", used[i].first);
    }
}

// The shapes of qrt_paged_attention's index tensors, before their values are read.
struct SequenceIndices {
    IndexVector query_starts;
    IndexVector context_lengths;
    TensorRef block_tables;
    int64_t sequence_count = 0;
    int64_t max_blocks_per_sequence = 0;
};

SequenceIndices sequence_indices(const OpArgs& args, const qrt_tensor* query_starts, const qrt_tensor* context_lengths,
                                 const qrt_tensor* block_tables) {
    SequenceIndices result;
    result.query_starts = index_vector(args, "query_starts", query_starts);
    args.require(result.query_starts.count >= 1, "query_starts", "needs at least 1 offset (S + 1 for S sequences)");
    result.sequence_count = result.query_starts.count - 1;
    result.context_lengths = index_vector(args, "context_lengths", context_lengths);
    args.require(result.context_lengths.count == result.sequence_count, "context_lengths", "has ",
                 result.context_lengths.count, " elements but query_starts has ", result.query_starts.count,
                 " offsets, so S = ", result.sequence_count, " sequences");
    result.block_tables = args.tensor("block_tables", block_tables, {QRT_DTYPE_I32});
    const TensorRef& tables = result.block_tables;
    args.require(tables.rank == 2, "block_tables", "must be [S, max_blocks_per_sequence] (rank 2), got rank ",
                 tables.rank, " ", tables.shape_string());
    args.require(tables.shape[0] == result.sequence_count, "block_tables", "has ", tables.shape[0],
                 " rows but query_starts has ", result.query_starts.count, " offsets, so S = ", result.sequence_count,
                 " sequences");
    args.require(tables.is_contiguous(), "block_tables", "must be contiguous");
    result.max_blocks_per_sequence = tables.shape[1];
    return result;
}

// The values of the index tensors, against the rules of qrt_paged_attention; read on the host.
void check_sequences(const OpArgs& args, const SequenceIndices& indices, int64_t query_count, const PagedCache& cache) {
    const IndexVector& starts = indices.query_starts;
    args.require(starts.at(0) == 0, "query_starts", "query_starts[0] = ", starts.at(0), ", expected 0");
    for (int64_t i = 1; i < starts.count; ++i) {
        args.require(starts.at(i) >= starts.at(i - 1), "query_starts", "query_starts[", i, "] = ", starts.at(i),
                     " is less than query_starts[", i - 1, "] = ", starts.at(i - 1));
    }
    const int64_t last = starts.count - 1;
    args.require(starts.at(last) == query_count, "query_starts", "query_starts[", last, "] = ", starts.at(last),
                 " must equal the ", query_count, " tokens of q");

    const auto* tables = static_cast<const int32_t*>(indices.block_tables.data);
    for (int64_t s = 0; s < indices.sequence_count; ++s) {
        const int64_t context = indices.context_lengths.at(s);
        const int64_t queries = starts.at(s + 1) - starts.at(s);
        args.require(context >= 0, "context_lengths", "context_lengths[", s, "] = ", context, " is negative");
        args.require(queries <= context, "context_lengths", "sequence ", s, " has ", queries, " queries (query_starts[",
                     s, "..", s + 1, "] = ", starts.at(s), "..", starts.at(s + 1), ") but context_lengths[", s,
                     "] = ", context, " keys; its queries are its last positions");
        const int64_t blocks = (context + cache.block_size - 1) / cache.block_size;
        args.require(blocks <= indices.max_blocks_per_sequence, "context_lengths", "context_lengths[", s,
                     "] = ", context, " needs ", blocks, " blocks of ", cache.block_size,
                     " but block_tables has room for ", indices.max_blocks_per_sequence, " per sequence");
        for (int64_t b = 0; b < blocks; ++b) {
            const int64_t block = tables[s * indices.max_blocks_per_sequence + b];
            args.require(block >= 0 && block < cache.num_blocks, "block_tables", "block_tables[", s, "][", b,
                         "] = ", block, " is outside [0, ", cache.num_blocks, ") (the blocks of k_cache)");
        }
    }
}

}  // namespace

extern "C" {

QRT_API qrt_status qrt_kv_cache_write(qrt_stream* stream, const qrt_tensor* k, const qrt_tensor* v,
                                      const qrt_tensor* slots, qrt_tensor* k_cache, qrt_tensor* v_cache) {
    return qrt::guarded("qrt_kv_cache_write", [&] {
        OpArgs args("qrt_kv_cache_write", stream);
        const TensorRef k_ref = args.tensor("k", k, qrt::float_dtypes());
        const TensorRef v_ref = args.tensor("v", v, qrt::float_dtypes());
        const HeadsView keys = args.heads("k", k_ref);
        const HeadsView values = args.heads("v", v_ref);
        args.require(values.tokens == keys.tokens, "v", "has ", values.tokens, " tokens but k has ", keys.tokens);
        args.require(values.heads == keys.heads, "v", "has ", values.heads, " heads but k has ", keys.heads);
        const IndexVector slot_indices = index_vector(args, "slots", slots);
        args.require(slot_indices.count == keys.tokens, "slots", "has ", slot_indices.count, " elements but k has ",
                     keys.tokens, " tokens");

        const PagedCache key_cache = paged_cache(args, "k_cache", k_cache);
        const PagedCache value_cache = paged_cache(args, "v_cache", v_cache);
        args.require(key_cache.heads == keys.heads, "k_cache", "has ", key_cache.heads, " heads but k has ",
                     keys.heads);
        args.require(key_cache.dim == keys.dim, "k_cache", "has head dim ", key_cache.dim, " but k has ", keys.dim);
        args.require(value_cache.dim == values.dim, "v_cache", "has head dim ", value_cache.dim, " but v has ",
                     values.dim);
        check_cache_pair(args, key_cache, value_cache);
        // The caches are written while k and v are still being read.
        args.require(!qrt::may_overlap(key_cache.tensor, k_ref), "k_cache", "overlaps k");
        args.require(!qrt::may_overlap(key_cache.tensor, v_ref), "k_cache", "overlaps v");
        args.require(!qrt::may_overlap(value_cache.tensor, k_ref), "v_cache", "overlaps k");
        args.require(!qrt::may_overlap(value_cache.tensor, v_ref), "v_cache", "overlaps v");

        switch (args.backend()) {
            case QRT_BACKEND_CPU:
                check_slots(args, slot_indices, key_cache.slots.tokens, key_cache.block_size);
                qrt::cpu::kv_cache_write(keys, values, slot_indices, key_cache.slots, value_cache.slots);
                return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA:
                // The slots live in device memory: the kernel skips those out of range instead.
                qrt::cuda::kv_cache_write(stream, keys, values, slot_indices, key_cache.slots, value_cache.slots);
                return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

QRT_API qrt_status qrt_paged_attention(qrt_stream* stream, const qrt_tensor* q, const qrt_tensor* k_cache,
                                       const qrt_tensor* v_cache, const qrt_tensor* query_starts,
                                       const qrt_tensor* context_lengths, const qrt_tensor* block_tables, float scale,
                                       int32_t sliding_window, qrt_tensor* out) {
    return qrt::guarded("qrt_paged_attention", [&] {
        OpArgs args("qrt_paged_attention", stream);
        const TensorRef q_ref = args.tensor("q", q, qrt::float_dtypes());
        const TensorRef out_ref = args.tensor("out", out, qrt::float_dtypes());
        const HeadsView queries = args.heads("q", q_ref);
        const HeadsView output = args.heads("out", out_ref);
        const PagedCache key_cache = paged_cache(args, "k_cache", k_cache);
        const PagedCache value_cache = paged_cache(args, "v_cache", v_cache);
        check_cache_pair(args, key_cache, value_cache);

        args.require(key_cache.heads >= 1, "k_cache", "must have at least one key/value head");
        args.require(queries.heads % key_cache.heads == 0, "q", "has ", queries.heads,
                     " heads, which is not a multiple of the ", key_cache.heads, " key/value heads of k_cache");
        args.require(key_cache.dim == queries.dim, "k_cache", "has head dim ", key_cache.dim, " but q has ",
                     queries.dim);
        args.require(output.dim == value_cache.dim, "out", "has head dim ", output.dim, " but v_cache has ",
                     value_cache.dim);
        args.require(output.tokens == queries.tokens, "out", "has ", output.tokens, " tokens but q has ",
                     queries.tokens);
        args.require(output.heads == queries.heads, "out", "has ", output.heads, " heads but q has ", queries.heads);
        // One thread's output row must not land on a query or cache row another thread still reads.
        args.require(!qrt::may_overlap(out_ref, q_ref), "out", "overlaps q");
        args.require(!qrt::may_overlap(out_ref, key_cache.tensor), "out", "overlaps k_cache");
        args.require(!qrt::may_overlap(out_ref, value_cache.tensor), "out", "overlaps v_cache");

        const SequenceIndices indices = sequence_indices(args, query_starts, context_lengths, block_tables);
        args.require(sliding_window >= 0, "sliding_window", "must be 0 (no window) or positive, got ", sliding_window);
        args.require(std::isfinite(scale) && scale > 0.0f, "scale", "must be finite and positive, got ", scale);

        switch (args.backend()) {
            case QRT_BACKEND_CPU: {
                // On the CPU backend the index tensors live on the host, so their values can be checked here.
                check_sequences(args, indices, queries.tokens, key_cache);
                qrt::cpu::PagedSequences sequences;
                sequences.query_starts = static_cast<const int32_t*>(indices.query_starts.data);
                sequences.context_lengths = static_cast<const int32_t*>(indices.context_lengths.data);
                sequences.block_tables = static_cast<const int32_t*>(indices.block_tables.data);
                sequences.sequence_count = indices.sequence_count;
                sequences.max_blocks_per_sequence = indices.max_blocks_per_sequence;
                sequences.block_size = key_cache.block_size;
                sequences.sliding_window = sliding_window;
                qrt::cpu::paged_attention(queries, key_cache.slots, value_cache.slots, sequences, scale, output);
                return;
            }
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA: {
                // The index tensors live in device memory: the kernel keeps within them instead (see qrt.h).
                qrt::cuda::PagedSequences sequences;
                sequences.query_starts = static_cast<const int32_t*>(indices.query_starts.data);
                sequences.context_lengths = static_cast<const int32_t*>(indices.context_lengths.data);
                sequences.block_tables = static_cast<const int32_t*>(indices.block_tables.data);
                sequences.sequence_count = indices.sequence_count;
                sequences.max_blocks_per_sequence = indices.max_blocks_per_sequence;
                sequences.block_size = key_cache.block_size;
                sequences.num_blocks = key_cache.num_blocks;
                qrt::cuda::paged_attention(stream, queries, key_cache.slots, value_cache.slots, sequences, scale,
                                           sliding_window, output);
                return;
            }
#endif
            default: args.unsupported_on_backend();
        }
    });
}

}  // extern "C"
