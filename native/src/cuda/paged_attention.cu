// Causal grouped-query attention of several sequences over block-paged caches on the GPU (decode and short
// queries), with the semantics of the CPU backend (cpu/paged_attention.cpp).
//
// One thread block per (query token, query head). The block walks the query's visible keys in chunks of
// kChunk positions, always first to last: a warp per key computes the FP32 score q·k · scale into shared
// memory, the block takes the chunk's maximum, turns the scores into weights exp(score − running max) and
// folds the chunk into the running (max, sum of weights, weighted value sum) with one rescale. The chunk
// partials never leave shared memory, so the op needs no workspace and, with every sum in a fixed order,
// each run gives the same bits.
//
// Why not split a long context over several blocks: that needs a scratch buffer for the per-chunk partials
// and a workspace argument on the op. One block per (query, head) already fills the GPU for batched decode
// (Tq·Hq blocks); a lone long sequence runs its chunks in one block, which is slower than a split, but the
// op stays deterministic and its interface unchanged.
//
// The index tensors live in device memory and are not checked by the host. The kernel never reads outside
// them or the caches: a query whose sequence cannot be found from query_starts, key positions past
// context_lengths[s] − 1 or past the block table's row, and keys in blocks outside [0, num_blocks) are
// skipped; a query with no key left gets zeros.
#include <climits>

#include "core/stream.h"
#include "cuda/block_reduce.cuh"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_check.h"
#include "cuda/float_types.cuh"
#include "cuda/launch.cuh"
#include "cuda/row_blocks.cuh"
#include "cuda/shared.cuh"

namespace qrt::cuda {
namespace {

constexpr int kThreads = 128;
constexpr int kWarps = kThreads / 32;
// Key positions per chunk: the scores of one chunk sit in shared memory.
constexpr int kChunk = 256;
// The largest head dims the shared query row and value accumulator take (with the chunk, under 48 KiB).
constexpr int64_t kMaxHeadDim = 4096;

struct AttentionArgs {
    const void* q;
    qrt_dtype q_dtype;
    long long q_token_stride;  // strides of q and out in bytes
    long long q_head_stride;
    void* out;
    qrt_dtype out_dtype;
    long long out_token_stride;
    long long out_head_stride;
    const void* k_cache;
    const void* v_cache;
    const int* query_starts;
    const int* context_lengths;
    const int* block_tables;
    int sequence_count;
    int max_blocks_per_sequence;
    int block_size;
    long long num_blocks;
    int q_heads;
    int group;  // query heads per key/value head
    int kv_heads;
    int head_dim;
    int value_dim;
    float scale;
    int sliding_window;
};

// q and out are read and written once per block, so their dtypes are switched on at run time rather than
// multiplying the kernel's instantiations.
__device__ __forceinline__ float load_element(const void* row, qrt_dtype dtype, int i) {
    switch (dtype) {
        case QRT_DTYPE_F16: return to_float(static_cast<const __half*>(row)[i]);
        case QRT_DTYPE_BF16: return to_float(static_cast<const __nv_bfloat16*>(row)[i]);
        default: return static_cast<const float*>(row)[i];
    }
}

__device__ __forceinline__ void store_element(void* row, qrt_dtype dtype, int i, float value) {
    switch (dtype) {
        case QRT_DTYPE_F16: static_cast<__half*>(row)[i] = from_float<__half>(value); return;
        case QRT_DTYPE_BF16: static_cast<__nv_bfloat16*>(row)[i] = from_float<__nv_bfloat16>(value); return;
        default: static_cast<float*>(row)[i] = value; return;
    }
}

// The key positions [first, last] a query sees in its sequence (last < first: none).
struct KeyRange {
    int sequence;
    long long first;
    long long last;
};

// The query's sequence is the last one starting at or before it (upper bound over the S + 1 offsets, so an
// empty sequence is passed over); its queries are the sequence's last positions.
__device__ __forceinline__ KeyRange keys_of(const AttentionArgs& a, long long query) {
    int low = 0;
    int high = a.sequence_count + 1;
    while (low < high) {
        const int middle = (low + high) / 2;
        if (a.query_starts[middle] <= query) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    KeyRange range{low - 1, 0, -1};
    if (range.sequence < 0 || range.sequence >= a.sequence_count) return range;
    const long long start = a.query_starts[range.sequence];
    const long long count = static_cast<long long>(a.query_starts[range.sequence + 1]) - start;
    const long long context = a.context_lengths[range.sequence];
    const long long position = context - count + (query - start);
    long long last = position;
    if (last > context - 1) last = context - 1;
    const long long table_positions = static_cast<long long>(a.max_blocks_per_sequence) * a.block_size;
    if (last > table_positions - 1) last = table_positions - 1;
    range.last = last;
    if (a.sliding_window > 0 && position - a.sliding_window + 1 > 0) range.first = position - a.sliding_window + 1;
    return range;
}

template <class C>
__global__ void paged_attention_kernel(AttentionArgs a) {
    QRT_DYNAMIC_SHARED(float, shared);
    auto slots = shared_cast<long long>(shared);         // [kChunk] cache slot of each key, −1: skipped
    auto scores = shared_cast<float>(slots + kChunk);    // [kChunk] scores, then weights
    auto query_row = scores + kChunk;                    // [head_dim]
    auto accumulator = query_row + a.head_dim;           // [value_dim] weighted value sum

    const long long query = blockIdx.x / a.q_heads;
    const int head = static_cast<int>(blockIdx.x % a.q_heads);
    const int kv_head = head / a.group;
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const C* k_cache = static_cast<const C*>(a.k_cache);
    const C* v_cache = static_cast<const C*>(a.v_cache);

    const void* q_row = static_cast<const char*>(a.q) + query * a.q_token_stride + head * a.q_head_stride;
    for (int d = threadIdx.x; d < a.head_dim; d += blockDim.x) query_row[d] = load_element(q_row, a.q_dtype, d);
    for (int d = threadIdx.x; d < a.value_dim; d += blockDim.x) accumulator[d] = 0.0f;

    const KeyRange keys = keys_of(a, query);
    const int* table = a.block_tables + static_cast<long long>(keys.sequence) * a.max_blocks_per_sequence;
    float running_max = -INFINITY;
    float total_weight = 0.0f;
    __syncthreads();

    for (long long chunk_first = keys.first; chunk_first <= keys.last; chunk_first += kChunk) {
        const int count = static_cast<int>(keys.last - chunk_first + 1 < kChunk ? keys.last - chunk_first + 1 : kChunk);
        // Scores, a warp per key, the lanes along the head dim.
        for (int j = warp; j < count; j += kWarps) {
            const long long position = chunk_first + j;
            const long long block = table[position / a.block_size];
            const bool present = block >= 0 && block < a.num_blocks;
            float partial = 0.0f;
            long long slot = -1;
            if (present) {
                slot = block * a.block_size + position % a.block_size;
                const C* key_row = k_cache + (slot * a.kv_heads + kv_head) * a.head_dim;
                for (int d = lane; d < a.head_dim; d += 32) partial += query_row[d] * to_float(key_row[d]);
            }
            for (int offset = 16; offset > 0; offset >>= 1) partial += __shfl_xor_sync(kFullWarpMask, partial, offset);
            if (lane == 0) {
                slots[j] = slot;
                scores[j] = present ? partial * a.scale : -INFINITY;
            }
        }
        __syncthreads();

        float local_max = -INFINITY;
        for (int j = threadIdx.x; j < count; j += blockDim.x) local_max = fmaxf(local_max, scores[j]);
        const float new_max = fmaxf(running_max, block_max(local_max));
        if (new_max == -INFINITY) {
            // Every key so far was skipped: nothing to add (and exp(−inf − −inf) would be NaN).
            __syncthreads();
            continue;
        }
        float local_sum = 0.0f;
        for (int j = threadIdx.x; j < count; j += blockDim.x) {
            const float weight = slots[j] >= 0 ? expf(scores[j] - new_max) : 0.0f;
            scores[j] = weight;
            local_sum += weight;
        }
        const float chunk_weight = block_sum(local_sum);  // its barriers publish the weights
        // exp(−inf) = 0 for the first chunk, where the accumulator and total are still 0.
        const float rescale = expf(running_max - new_max);
        total_weight = total_weight * rescale + chunk_weight;
        running_max = new_max;
        for (int d = threadIdx.x; d < a.value_dim; d += blockDim.x) {
            float chunk_sum = 0.0f;
            for (int j = 0; j < count; ++j) {
                const long long slot = slots[j];
                if (slot < 0) continue;
                chunk_sum += scores[j] * to_float(v_cache[(slot * a.kv_heads + kv_head) * a.value_dim + d]);
            }
            accumulator[d] = accumulator[d] * rescale + chunk_sum;
        }
        __syncthreads();  // the next chunk overwrites slots and scores
    }

    void* out_row = static_cast<char*>(a.out) + query * a.out_token_stride + head * a.out_head_stride;
    for (int d = threadIdx.x; d < a.value_dim; d += blockDim.x) {
        store_element(out_row, a.out_dtype, d, total_weight > 0.0f ? accumulator[d] / total_weight : 0.0f);
    }
}

}  // namespace

void paged_attention(const qrt_stream* stream, const HeadsView& q, const HeadsView& k_cache, const HeadsView& v_cache,
                     const PagedSequences& sequences, float scale, int32_t sliding_window, const HeadsView& out) {
    constexpr const char* op = "qrt_paged_attention";
    if (out.tokens == 0 || out.heads == 0 || out.dim == 0) return;
    if (q.dim > kMaxHeadDim) {
        throw Error(QRT_STATUS_UNSUPPORTED,
                    concat(op, ": argument 'q': head dim ", q.dim, " exceeds the CUDA kernel's limit of ", kMaxHeadDim));
    }
    if (v_cache.dim > kMaxHeadDim) {
        throw Error(QRT_STATUS_UNSUPPORTED, concat(op, ": argument 'v_cache': head dim ", v_cache.dim,
                                                   " exceeds the CUDA kernel's limit of ", kMaxHeadDim));
    }
    const int64_t blocks = q.tokens * q.heads;
    if (blocks > INT32_MAX || sequences.sequence_count >= INT32_MAX || sequences.max_blocks_per_sequence > INT32_MAX ||
        sequences.block_size > INT32_MAX || q.heads > INT32_MAX || k_cache.heads > INT32_MAX) {
        throw Error(QRT_STATUS_UNSUPPORTED, concat(op, ": sizes exceed the CUDA kernel's limit of 2^31 - 1"));
    }
    AttentionArgs a{};
    a.q = q.data;
    a.q_dtype = q.dtype;
    a.q_token_stride = q.token_stride * static_cast<long long>(dtype_size(q.dtype));
    a.q_head_stride = q.head_stride * static_cast<long long>(dtype_size(q.dtype));
    a.out = out.data;
    a.out_dtype = out.dtype;
    a.out_token_stride = out.token_stride * static_cast<long long>(dtype_size(out.dtype));
    a.out_head_stride = out.head_stride * static_cast<long long>(dtype_size(out.dtype));
    a.k_cache = k_cache.data;
    a.v_cache = v_cache.data;
    a.query_starts = sequences.query_starts;
    a.context_lengths = sequences.context_lengths;
    a.block_tables = sequences.block_tables;
    a.sequence_count = static_cast<int>(sequences.sequence_count);
    a.max_blocks_per_sequence = static_cast<int>(sequences.max_blocks_per_sequence);
    a.block_size = static_cast<int>(sequences.block_size);
    a.num_blocks = sequences.num_blocks;
    a.q_heads = static_cast<int>(q.heads);
    a.kv_heads = static_cast<int>(k_cache.heads);
    a.group = static_cast<int>(q.heads / k_cache.heads);
    a.head_dim = static_cast<int>(q.dim);
    a.value_dim = static_cast<int>(v_cache.dim);
    a.scale = scale;
    a.sliding_window = sliding_window;

    LaunchShape shape;
    shape.grid = dim3(static_cast<unsigned>(blocks));
    shape.block = dim3(kThreads);
    shape.dynamic_shared_bytes = kChunk * sizeof(long long) + (kChunk + q.dim + v_cache.dim) * sizeof(float);
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    dispatch_float(k_cache.dtype, [&](auto cache_type) {
        using C = typename decltype(cache_type)::type;
        QRT_LAUNCH((paged_attention_kernel<C>), shape, cuda_stream, a);
    });
    check_launch(op);
}

}  // namespace qrt::cuda
