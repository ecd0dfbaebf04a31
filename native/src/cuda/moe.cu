// Mixture-of-experts routing on the GPU, with the CPU ops' semantics (cpu/moe.h). Every kernel is a fixed launch that
// neither allocates, synchronises nor lets the host read a device value, so a decode step that holds them can be
// captured in a CUDA graph; all of them give the same bits on every run.
//
// route: one warp per token. The softmax follows cpu/softmax.cpp operation for operation (the maximum with NaN
// skipped, exp(x − max), an FP32 sum, a correctly rounded division); only the order of the sum differs, so a
// probability may differ from the CPU's by a few units in the last place. The top k are chosen by k warp-wide
// reductions under one total order — a larger probability first, the lower index first on equal ones, NaN after
// every number — each reduction taking the first element ranked after the previous pick. On rows without NaN that
// is the CPU's choice; a row the softmax turns to NaN (a NaN or +inf logit, or only −inf) is all NaN and gives
// experts 0, 1, …, k − 1 on both.
//
// sort: one block. Its threads count each expert's pairs in shared memory (integer atomics: the counts do not
// depend on the order), one thread turns the counts into offsets, then one warp walks the pairs 32 at a time in
// increasing order: the lanes holding the same expert find each other with ballots over the bits of the id, each
// takes the next free row of its expert's segment plus its rank among them, and the lowest of them advances the
// segment. Walking in pair order keeps the sort stable, as the CPU's counting sort is, so the results are the
// CPU's. A pair whose id is outside [0, E) is dropped (see qrt.h).
//
// gather: one block per routed row, a copy. combine: one block per token, each thread owning columns and adding its
// token's slots in increasing expert id with __fmul_rn/__fadd_rn, which nvcc does not fuse into an FMA: the CPU's
// sum, built with -ffp-contract=off, to the bit.
#include <cstdint>

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

constexpr int kRouteWarps = 4;             // tokens per block of the route kernel
constexpr int kNoIndex = 0x7fffffff;       // the index of a lane that saw no candidate
constexpr int kSortThreads = 1024;         // the sort's one block
constexpr int kMaxSortExperts = 4096;      // the sort's per-expert counters fill 16 KiB of shared memory
constexpr int kMaxCombineSlots = 4096;     // combine's slot order fills 16 KiB of shared memory
constexpr unsigned kMaxRowThreads = 256;   // gather and combine: wide enough for a row of 5120 in a few passes

__device__ __forceinline__ float quiet_nan() { return __int_as_float(0x7fc00000); }

// Whether probability a of expert a_index ranks before b of b_index (see the top of the file).
__device__ __forceinline__ bool ranks_before(float a, int a_index, float b, int b_index) {
    const bool a_nan = a != a;
    const bool b_nan = b != b;
    if (a_nan != b_nan) return b_nan;
    if (!a_nan && a != b) return a > b;
    return a_index < b_index;
}

__device__ __forceinline__ float warp_max(float value) {
    for (int offset = 16; offset > 0; offset >>= 1) value = fmaxf(value, __shfl_xor_sync(kFullWarpMask, value, offset));
    return value;
}

__device__ __forceinline__ float warp_sum(float value) {
    for (int offset = 16; offset > 0; offset >>= 1) value += __shfl_xor_sync(kFullWarpMask, value, offset);
    return value;
}

// The first candidate of the warp under ranks_before, given to every lane; lanes without one hold kNoIndex.
__device__ __forceinline__ void warp_first(float& value, int& index) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        const float other = __shfl_xor_sync(kFullWarpMask, value, offset);
        const int other_index = __shfl_xor_sync(kFullWarpMask, index, offset);
        if (other_index != kNoIndex && (index == kNoIndex || ranks_before(other, other_index, value, index))) {
            value = other;
            index = other_index;
        }
    }
}

template <class T>
__global__ void moe_route_kernel(const T* logits, long long stride, int tokens, int experts, int top_k,
                                 bool renormalize, int32_t* expert_ids, float* expert_weights) {
    const int lane = threadIdx.x & 31;
    const long long token = static_cast<long long>(blockIdx.x) * kRouteWarps + (threadIdx.x >> 5);
    if (token >= tokens) return;  // the whole warp leaves together
    const T* row = logits + token * stride;
    float largest = -INFINITY;
    for (int e = lane; e < experts; e += 32) {
        const float value = to_float(row[e]);
        largest = value > largest ? value : largest;
    }
    largest = warp_max(largest);
    float partial = 0.0f;
    for (int e = lane; e < experts; e += 32) partial += expf(to_float(row[e]) - largest);
    const float total = warp_sum(partial);

    int32_t* ids = expert_ids + token * top_k;
    float* weights = expert_weights + token * top_k;
    float previous = 0.0f;
    int previous_index = kNoIndex;
    float kept = 0.0f;  // the kept probabilities added in slot order, as the CPU adds them
    for (int slot = 0; slot < top_k; ++slot) {
        float best = 0.0f;
        int best_index = kNoIndex;
        for (int e = lane; e < experts; e += 32) {
            // Recomputed rather than kept: the same operations give the same bits, and any E fits.
            const float probability = expf(to_float(row[e]) - largest) / total;
            if (previous_index != kNoIndex && !ranks_before(previous, previous_index, probability, e)) continue;
            if (best_index == kNoIndex || ranks_before(probability, e, best, best_index)) {
                best = probability;
                best_index = e;
            }
        }
        warp_first(best, best_index);  // top_k <= E: some lane always has a candidate
        if (lane == 0) {
            ids[slot] = best_index;
            weights[slot] = best;
        }
        kept += best;
        previous = best;
        previous_index = best_index;
    }
    if (renormalize && lane == 0) {
        for (int slot = 0; slot < top_k; ++slot) weights[slot] = weights[slot] / kept;
    }
}

__global__ void moe_sort_kernel(const int32_t* expert_ids, int pairs, int experts, int32_t* sorted_rows,
                                int32_t* expert_offsets, int32_t* row_positions) {
    QRT_SHARED(int, next, kMaxSortExperts);  // counts, then the next free row of each expert's segment
    QRT_SHARED(int, placed, 1);               // the pairs with an expert: expert_offsets[E]
    for (int e = threadIdx.x; e < experts; e += blockDim.x) next[e] = 0;
    __syncthreads();
    for (int p = threadIdx.x; p < pairs; p += blockDim.x) {
        const int e = expert_ids[p];
        if (e >= 0 && e < experts) {
            atomicAdd(&next[e], 1);
        } else {
            row_positions[p] = -1;
        }
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        int running = 0;
        for (int e = 0; e < experts; ++e) {
            const int count = next[e];
            expert_offsets[e] = running;
            next[e] = running;
            running += count;
        }
        expert_offsets[experts] = running;
        placed[0] = running;
    }
    __syncthreads();
    // Rows past the last segment belong to no expert (only dropped pairs leave any).
    for (int i = placed[0] + static_cast<int>(threadIdx.x); i < pairs; i += blockDim.x) sorted_rows[i] = -1;
    if (threadIdx.x >= 32) return;

    const int lane = threadIdx.x;
    int bits = 1;  // enough bits for every id and for `experts` itself, the mark of a lane without a pair
    while (bits < 31 && (1 << bits) <= experts) ++bits;
    const unsigned lanes_below = (1u << lane) - 1u;
    for (int base = 0; base < pairs; base += 32) {
        const int p = base + lane;
        int e = experts;
        if (p < pairs) {
            const int id = expert_ids[p];
            if (id >= 0 && id < experts) e = id;
        }
        unsigned peers = kFullWarpMask;  // the lanes holding the same expert
        for (int b = 0; b < bits; ++b) {
            const bool bit = ((e >> b) & 1) != 0;
            const unsigned set = __ballot_sync(kFullWarpMask, bit);
            peers &= bit ? set : ~set;
        }
        int position = 0;
        if (e < experts) position = next[e] + __popc(peers & lanes_below);
        __syncwarp();
        if (e < experts) {
            if ((peers & lanes_below) == 0) next[e] = position + __popc(peers);
            sorted_rows[position] = p;
            row_positions[p] = position;
        }
        __syncwarp();
    }
}

template <class T>
__global__ void moe_gather_kernel(const T* x, long long x_stride, const int32_t* sorted_rows, int pairs, int top_k,
                                  T* xs, long long xs_stride, int cols) {
    const int row = sorted_rows[blockIdx.x];
    T* out = xs + blockIdx.x * xs_stride;
    if (row < 0 || row >= pairs) {
        const T nan = from_float<T>(quiet_nan());
        for (int col = threadIdx.x; col < cols; col += blockDim.x) out[col] = nan;
        return;
    }
    const T* in = x + static_cast<long long>(row / top_k) * x_stride;
    for (int col = threadIdx.x; col < cols; col += blockDim.x) out[col] = in[col];
}

template <class Out, class Y>
__global__ void moe_combine_kernel(const Out* expert_out, long long out_stride, const int32_t* row_positions,
                                   const float* expert_weights, const int32_t* expert_ids, int top_k, int pairs,
                                   Y* y, long long y_stride, int cols) {
    QRT_DYNAMIC_SHARED(int, order);  // [top_k]: the token's slots in increasing expert id, slot order on equal ids
    const long long token = blockIdx.x;
    const int32_t* ids = expert_ids + token * top_k;
    const int32_t* positions = row_positions + token * top_k;
    const float* weights = expert_weights + token * top_k;
    for (int slot = threadIdx.x; slot < top_k; slot += blockDim.x) {
        const int id = ids[slot];
        int rank = 0;
        for (int other = 0; other < top_k; ++other) {
            const int other_id = ids[other];
            rank += other_id < id || (other_id == id && other < slot);
        }
        order[rank] = slot;
    }
    __syncthreads();
    // A position neither -1 (dropped) nor a routed row means corrupt routing: the row is NaN rather than a guess.
    bool corrupt = false;
    for (int slot = 0; slot < top_k; ++slot) {
        const int position = positions[slot];
        corrupt = corrupt || (position != -1 && (position < 0 || position >= pairs));
    }
    Y* y_row = y + token * y_stride;
    for (int col = threadIdx.x; col < cols; col += blockDim.x) {
        float sum = 0.0f;
        for (int r = 0; r < top_k; ++r) {
            const int slot = order[r];
            const int position = positions[slot];
            if (position < 0 || position >= pairs) continue;
            sum = __fadd_rn(sum, __fmul_rn(to_float(expert_out[position * out_stride + col]), weights[slot]));
        }
        y_row[col] = from_float<Y>(corrupt ? quiet_nan() : sum);
    }
}

LaunchShape row_copy_blocks(int64_t rows, int64_t cols) {
    LaunchShape shape;
    shape.grid = dim3(static_cast<unsigned>(rows));
    shape.block = dim3(threads_for(cols) < kMaxRowThreads ? threads_for(cols) : kMaxRowThreads);
    return shape;
}

}  // namespace

void moe_route(const qrt_stream* stream, const RowsView& logits, int64_t top_k, bool renormalize, int32_t* expert_ids,
               float* expert_weights) {
    constexpr const char* op = "qrt_moe_route";
    require_launchable(op, logits);
    if (logits.rows == 0) return;
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    LaunchShape shape;
    shape.grid = dim3(static_cast<unsigned>((logits.rows + kRouteWarps - 1) / kRouteWarps));
    shape.block = dim3(32 * kRouteWarps);
    dispatch_float(logits.dtype, [&](auto type) {
        using T = typename decltype(type)::type;
        QRT_LAUNCH((moe_route_kernel<T>), shape, cuda_stream, static_cast<const T*>(logits.data), logits.row_stride,
                   static_cast<int>(logits.rows), static_cast<int>(logits.cols), static_cast<int>(top_k), renormalize,
                   expert_ids, expert_weights);
    });
    check_launch(op);
}

void moe_sort(const qrt_stream* stream, const int32_t* expert_ids, int64_t pairs, int64_t num_experts,
              int32_t* sorted_rows, int32_t* expert_offsets, int32_t* row_positions) {
    constexpr const char* op = "qrt_moe_sort";
    if (num_experts > kMaxSortExperts) {
        throw Error(QRT_STATUS_UNSUPPORTED, concat(op, ": argument 'num_experts': ", num_experts,
                                                   " exceeds the CUDA kernel's limit of ", kMaxSortExperts));
    }
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    LaunchShape shape;
    shape.grid = dim3(1);
    shape.block = dim3(kSortThreads);
    // Launched even without pairs: expert_offsets is then all zeros.
    QRT_LAUNCH(moe_sort_kernel, shape, cuda_stream, expert_ids, static_cast<int>(pairs), static_cast<int>(num_experts),
               sorted_rows, expert_offsets, row_positions);
    check_launch(op);
}

void moe_gather(const qrt_stream* stream, const RowsView& x, const int32_t* sorted_rows, int64_t top_k,
                const RowsView& xs) {
    constexpr const char* op = "qrt_moe_gather";
    require_launchable(op, xs);
    if (xs.rows == 0 || xs.cols == 0) return;
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    dispatch_float(x.dtype, [&](auto type) {
        using T = typename decltype(type)::type;
        QRT_LAUNCH((moe_gather_kernel<T>), row_copy_blocks(xs.rows, xs.cols), cuda_stream,
                   static_cast<const T*>(x.data), x.row_stride, sorted_rows, static_cast<int>(xs.rows),
                   static_cast<int>(top_k), static_cast<T*>(xs.data), xs.row_stride, static_cast<int>(xs.cols));
    });
    check_launch(op);
}

void moe_combine(const qrt_stream* stream, const RowsView& expert_out, const int32_t* row_positions,
                 const float* expert_weights, const int32_t* expert_ids, int64_t top_k, const RowsView& y) {
    constexpr const char* op = "qrt_moe_combine";
    require_launchable(op, y);
    if (top_k > kMaxCombineSlots) {
        throw Error(QRT_STATUS_UNSUPPORTED, concat(op, ": argument 'row_positions': k = ", top_k,
                                                   " exceeds the CUDA kernel's limit of ", kMaxCombineSlots));
    }
    if (y.rows == 0 || y.cols == 0) return;
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    LaunchShape shape = row_copy_blocks(y.rows, y.cols);
    shape.dynamic_shared_bytes = sizeof(int) * static_cast<size_t>(top_k > 0 ? top_k : 1);
    dispatch_float(expert_out.dtype, [&](auto out_type) {
        using Out = typename decltype(out_type)::type;
        dispatch_float(y.dtype, [&](auto y_type) {
            using Y = typename decltype(y_type)::type;
            QRT_LAUNCH((moe_combine_kernel<Out, Y>), shape, cuda_stream, static_cast<const Out*>(expert_out.data),
                       expert_out.row_stride, row_positions, expert_weights, expert_ids, static_cast<int>(top_k),
                       static_cast<int>(y.rows * top_k), static_cast<Y*>(y.data), y.row_stride,
                       static_cast<int>(y.cols));
        });
    });
    check_launch(op);
}

}  // namespace qrt::cuda
