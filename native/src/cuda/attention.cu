// Prefill attention (qrt_attention) on the GPU, tiled in the manner of FlashAttention: a block owns
// kBlockQueries query rows of one head, streams the keys and values it may see through shared memory
// kBlockKeys at a time, and keeps per row a running maximum score, a running total weight and the
// weighted sum of values (online softmax, all FP32), rescaling the sum whenever the maximum grows. The
// scores never leave the block, so memory traffic is O(T·D) per head instead of O(T²).
//
// The mask is the CPU op's (cpu/attention.cpp): every query sees one run [begin, end) of keys, its
// segment cut by the causal mask and the sliding window. Key tiles that no row of the block sees are
// skipped whole, so causal, windowed and block-diagonal attention cost only the band they keep.
//
// Two kernels share these rules. F16/BF16 operands with head dims 64 or 128 and 16-byte aligned rows run
// on the tensor cores (attention_mma.cuh), which round the softmax weights to the input dtype for the
// P·V product. Everything else (F32, other head dims up to 256, unaligned views) runs the kernel below,
// FP32 on the CUDA cores, whose result differs from the CPU's only in the order of the sums.
#include <cstdint>
#include <type_traits>

#include "core/stream.h"
#include "cuda/attention_mask.cuh"
#include "cuda/attention_mma.cuh"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_check.h"
#include "cuda/float_types.cuh"
#include "cuda/launch.cuh"
#include "cuda/row_blocks.cuh"
#include "cuda/shared.cuh"

namespace qrt::cuda {
namespace {

constexpr int kBlockQueries = 16;
constexpr int kBlockKeys = 16;
constexpr int kThreads = 128;
// Head dims up to this many elements; the output accumulators of a thread are a register array sized
// for it.
constexpr int kMaxDim = 256;
constexpr int kAccumulatorsPerThread = kBlockQueries * kMaxDim / kThreads;

// Shared memory of a block: the query tile and one key and one value tile in FP32 (key rows padded by
// one element so that the threads of a warp, reading one element of 16 keys each, hit distinct banks),
// then the tile's scores, overwritten by their softmax weights.
struct TileLayout {
    int dim;
    int value_dim;

    __host__ __device__ int key_row() const { return dim + 1; }
    __host__ __device__ int query_offset() const { return 0; }
    __host__ __device__ int key_offset() const { return kBlockQueries * dim; }
    __host__ __device__ int value_offset() const { return key_offset() + kBlockKeys * key_row(); }
    __host__ __device__ int score_offset() const { return value_offset() + kBlockKeys * value_dim; }
    __host__ __device__ int floats() const { return score_offset() + kBlockQueries * kBlockKeys; }
};

template <class T>
__global__ void attention_kernel(Heads<const T> q, Heads<const T> k, Heads<const T> v, Heads<T> out, MaskParams mask,
                                 float scale, int query_count, int key_count, int head_group, TileLayout layout) {
    QRT_DYNAMIC_SHARED(float, tiles);  // layout.floats()
    QRT_SHARED(long long, row_begin, kBlockQueries);
    QRT_SHARED(long long, row_end, kBlockQueries);
    QRT_SHARED(float, row_max, kBlockQueries);
    QRT_SHARED(float, row_total, kBlockQueries);
    QRT_SHARED(float, row_rescale, kBlockQueries);
    auto query_tile = tiles + layout.query_offset();
    auto key_tile = tiles + layout.key_offset();
    auto value_tile = tiles + layout.value_offset();
    auto scores = tiles + layout.score_offset();

    const int tid = static_cast<int>(threadIdx.x);
    const int dim = layout.dim;
    const int value_dim = layout.value_dim;
    const long long head = blockIdx.y;
    const long long kv_head = head / head_group;
    const long long query0 = static_cast<long long>(blockIdx.x) * kBlockQueries;

    for (int e = tid; e < kBlockQueries * dim; e += kThreads) {
        const long long query = query0 + e / dim;
        query_tile[e] = query < query_count ? to_float(q.row(query, head)[e % dim]) : 0.0f;
    }
    if (tid < kBlockQueries) {
        long long begin = 0;
        long long end = 0;
        if (query0 + tid < query_count) visible_keys(mask, query0 + tid, query_count, key_count, begin, end);
        row_begin[tid] = begin;
        row_end[tid] = end;
        row_max[tid] = -INFINITY;
        row_total[tid] = 0.0f;
    }
    __syncthreads();

    // The keys any row sees; empty rows (past the end, or fully masked) widen nothing.
    long long first_key = key_count;
    long long last_key = 0;
    for (int r = 0; r < kBlockQueries; ++r) {
        if (row_begin[r] < row_end[r]) {
            first_key = row_begin[r] < first_key ? static_cast<long long>(row_begin[r]) : first_key;
            last_key = row_end[r] > last_key ? static_cast<long long>(row_end[r]) : last_key;
        }
    }

    // This thread's outputs: element e = tid + i·kThreads of the [kBlockQueries, value_dim] tile.
    float acc[kAccumulatorsPerThread];
    QRT_UNROLL
    for (int i = 0; i < kAccumulatorsPerThread; ++i) acc[i] = 0.0f;

    for (long long key0 = first_key; key0 < last_key; key0 += kBlockKeys) {
        // Skip a tile no row sees (between two segments, or outside every window of the block); the
        // test reads only shared values, so the whole block takes the same branch.
        bool seen = false;
        for (int r = 0; r < kBlockQueries; ++r) {
            seen = seen || (row_begin[r] < row_end[r] && row_begin[r] < key0 + kBlockKeys && row_end[r] > key0);
        }
        if (!seen) continue;

        // Keys past last_key are loaded as zeros: they are masked for every row, and a zero value row
        // keeps garbage out of the weighted sum.
        for (int e = tid; e < kBlockKeys * dim; e += kThreads) {
            const long long key = key0 + e / dim;
            key_tile[(e / dim) * layout.key_row() + e % dim] =
                key < last_key ? to_float(k.row(key, kv_head)[e % dim]) : 0.0f;
        }
        for (int e = tid; e < kBlockKeys * value_dim; e += kThreads) {
            const long long key = key0 + e / value_dim;
            value_tile[e] = key < last_key ? to_float(v.row(key, kv_head)[e % value_dim]) : 0.0f;
        }
        __syncthreads();

        for (int e = tid; e < kBlockQueries * kBlockKeys; e += kThreads) {
            const int r = e / kBlockKeys;
            const int j = e % kBlockKeys;
            const long long key = key0 + j;
            float score = -INFINITY;
            if (key >= row_begin[r] && key < row_end[r]) {
                float dot = 0.0f;
                for (int d = 0; d < dim; ++d) dot += query_tile[r * dim + d] * key_tile[j * layout.key_row() + d];
                score = dot * scale;
            }
            scores[e] = score;
        }
        __syncthreads();

        // One thread per row: the new maximum, the factor that rescales what came before, the weights.
        // A row that has seen no key yet keeps a maximum of -inf, weights 0 and a rescale of 1, so no
        // exp(-inf - -inf) is taken.
        if (tid < kBlockQueries) {
            const float old_max = row_max[tid];
            float new_max = old_max;
            for (int j = 0; j < kBlockKeys; ++j) {
                const float score = scores[tid * kBlockKeys + j];
                new_max = score > new_max ? score : new_max;
            }
            float total = 0.0f;
            for (int j = 0; j < kBlockKeys; ++j) {
                const float score = scores[tid * kBlockKeys + j];
                const float weight = score == -INFINITY ? 0.0f : expf(score - new_max);
                scores[tid * kBlockKeys + j] = weight;
                total += weight;
            }
            const float rescale = old_max == -INFINITY ? 1.0f : expf(old_max - new_max);
            row_rescale[tid] = rescale;
            row_total[tid] = row_total[tid] * rescale + total;
            row_max[tid] = new_max;
        }
        __syncthreads();

        QRT_UNROLL
        for (int i = 0; i < kAccumulatorsPerThread; ++i) {
            const int e = tid + i * kThreads;
            if (e < kBlockQueries * value_dim) {
                const int r = e / value_dim;
                const int d = e % value_dim;
                float sum = acc[i] * row_rescale[r];
                for (int j = 0; j < kBlockKeys; ++j) sum += scores[r * kBlockKeys + j] * value_tile[j * value_dim + d];
                acc[i] = sum;
            }
        }
        // The next tile overwrites the keys, values and weights read above.
        __syncthreads();
    }

    // A row that saw no key (total 0) gets zeros, as on the CPU.
    QRT_UNROLL
    for (int i = 0; i < kAccumulatorsPerThread; ++i) {
        const int e = tid + i * kThreads;
        if (e < kBlockQueries * value_dim) {
            const int r = e / value_dim;
            const long long query = query0 + r;
            if (query < query_count) {
                const float total = row_total[r];
                out.row(query, head)[e % value_dim] = from_float<T>(total > 0.0f ? acc[i] / total : 0.0f);
            }
        }
    }
}

void require_dtype(qrt_dtype q_dtype, const HeadsView& operand, const char* name) {
    if (operand.dtype != q_dtype) {
        throw Error(QRT_STATUS_UNSUPPORTED,
                    concat("qrt_attention: argument '", name, "': the CUDA kernel needs it in q's dtype (",
                           dtype_name(q_dtype), "), got ", dtype_name(operand.dtype)));
    }
}

void require_at_most(int64_t value, int64_t limit, const char* name, const char* what) {
    if (value > limit) {
        throw Error(QRT_STATUS_UNSUPPORTED, concat("qrt_attention: argument '", name, "': ", what, " ", value,
                                                   " exceeds the CUDA kernel's limit of ", limit));
    }
}

template <class T>
Heads<T> heads_of(const HeadsView& view) {
    return Heads<T>{static_cast<T*>(view.data), static_cast<long long>(view.token_stride),
                    static_cast<long long>(view.head_stride)};
}

}  // namespace

void attention(const qrt_stream* stream, const HeadsView& q, const HeadsView& k, const HeadsView& v,
               const int32_t* segment_offsets, int64_t segment_count, bool causal, int64_t sliding_window, float scale,
               const HeadsView& out) {
    require_dtype(q.dtype, k, "k");
    require_dtype(q.dtype, v, "v");
    require_dtype(q.dtype, out, "out");
    require_at_most(q.dim, kMaxDim, "q", "head dim");
    require_at_most(v.dim, kMaxDim, "v", "head dim");
    require_at_most(q.tokens, INT32_MAX, "q", "token count");
    require_at_most(k.tokens, INT32_MAX, "k", "token count");
    require_at_most(q.heads, 65535, "q", "head count");
    if (out.tokens == 0 || out.heads == 0 || out.dim == 0) return;

    const TileLayout layout{static_cast<int>(q.dim), static_cast<int>(v.dim)};
    const MaskParams mask{segment_offsets, static_cast<int>(segment_count), causal ? 1 : 0,
                          static_cast<int>(sliding_window > INT32_MAX ? INT32_MAX : sliding_window)};
    LaunchShape shape;
    shape.grid =
        dim3(static_cast<unsigned>((q.tokens + kBlockQueries - 1) / kBlockQueries), static_cast<unsigned>(q.heads));
    shape.block = dim3(kThreads);
    shape.dynamic_shared_bytes = static_cast<size_t>(layout.floats()) * sizeof(float);

    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    const bool tensor_cores = (q.dtype == QRT_DTYPE_F16 || q.dtype == QRT_DTYPE_BF16) && q.dim == v.dim &&
                              (q.dim == 64 || q.dim == 128) && mma_attention::copyable(q) &&
                              mma_attention::copyable(k) && mma_attention::copyable(v);
    dispatch_float(q.dtype, [&](auto type) {
        using T = typename decltype(type)::type;
        if constexpr (!std::is_same_v<T, float>) {
            if (tensor_cores) {
                const auto launch = q.dim == 64 ? mma_attention::launch<T, 64> : mma_attention::launch<T, 128>;
                launch(heads_of<const T>(q), heads_of<const T>(k), heads_of<const T>(v), heads_of<T>(out), mask, scale,
                       static_cast<int>(q.tokens), static_cast<int>(k.tokens), static_cast<int>(q.heads),
                       static_cast<int>(q.heads / k.heads), cuda_stream);
                return;
            }
        }
        // Head dims near kMaxDim need more than the default 48 KiB of shared memory.
        if (shape.dynamic_shared_bytes > 48 * 1024) {
            check_cuda(cudaFuncSetAttribute(attention_kernel<T>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                            static_cast<int>(shape.dynamic_shared_bytes)),
                       "cudaFuncSetAttribute (shared memory of the attention kernel)");
        }
        QRT_LAUNCH((attention_kernel<T>), shape, cuda_stream, heads_of<const T>(q), heads_of<const T>(k),
                   heads_of<const T>(v), heads_of<T>(out), mask, scale, static_cast<int>(q.tokens),
                   static_cast<int>(k.tokens), static_cast<int>(q.heads / k.heads), layout);
    });
    check_launch("qrt_attention");
}

}  // namespace qrt::cuda
