// Token sampling on the GPU (qrt_sample): one thread block per row, for vocabularies of any size, with no workspace
// beyond a few KiB of shared memory, no allocation and no host synchronisation, so that it can be captured in a graph.
//
// The row is read again in each pass rather than kept (131072 logits would not fit in shared memory), and each pass
// recomputes the fixed-point weights it needs (core/sampling_math.h: integers, exact in any order, and the same bits
// as the CPU op's):
//  1. the first largest logit (TokenSampler.Argmax: NaN never wins unless every logit is NaN) and how many logits are
//     numbers. A greedy row, or one whose largest logit is ±inf, ends here.
//  2. top-k: the k-th largest logit by radix selection over the logits' order keys, 8 bits a pass from the top: a
//     256-bucket histogram of the next digit among the logits that match the digits chosen so far, then the bucket
//     where the count from the top reaches k. Four passes give the exact key; ties with it stay kept.
//  3. the total weight T of the kept logits.
//  4. top-p: the same selection with weights in place of counts, for the largest logit v such that the logits ≥ v
//     weigh at least ceil(top_p · T). That is the CPU's "sort, then accumulate until top_p is reached".
//  5. the draw: target = floor(u · M), M the weight kept, and the token whose stretch of the cumulative weight in id
//     order holds it. Each thread takes a contiguous slice of the row, an exclusive scan of the slices' weights finds
//     the one slice that holds the target, and its thread walks it.
// Histograms add integers with shared-memory atomics: integer addition is associative, so the order in which threads
// arrive does not change a bit. The counter is read before the first barrier and written after it by thread 0 alone.
#include <cstdint>
#include <limits>

#include "core/sampling_math.h"
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

using Mass = unsigned long long;  // the type CUDA's 64-bit atomics and shuffles take

constexpr int kRadixBits = 8;
constexpr int kBuckets = 1 << kRadixBits;
constexpr int kNoIndex = std::numeric_limits<int>::max();  // the index of a thread that saw no logit

// Whether (a, a_index) comes before (b, b_index) in greedy order: a number before a NaN, a larger number before a
// smaller one, and on equal values (or between NaNs) the lower index. The first of all is TokenSampler.Argmax.
__device__ __forceinline__ bool comes_first(float a, int a_index, float b, int b_index) {
    const bool a_nan = a != a;
    const bool b_nan = b != b;
    if (a_nan != b_nan) return b_nan;
    if (!a_nan && a != b) return a > b;
    return a_index < b_index;
}

// The first pair of the block in greedy order, given to every thread.
__device__ __forceinline__ void block_first(float& value, int& index) {
    QRT_SHARED(float, warp_values, 32);
    QRT_SHARED(int, warp_indices, 32);
    for (int offset = 16; offset > 0; offset >>= 1) {
        const float other = __shfl_xor_sync(kFullWarpMask, value, offset);
        const int other_index = __shfl_xor_sync(kFullWarpMask, index, offset);
        if (comes_first(other, other_index, value, index)) {
            value = other;
            index = other_index;
        }
    }
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    if (lane == 0) {
        warp_values[warp] = value;
        warp_indices[warp] = index;
    }
    __syncthreads();
    const int warps = blockDim.x >> 5;
    value = warp_values[0];
    index = warp_indices[0];
    for (int w = 1; w < warps; ++w) {
        const float other = warp_values[w];
        const int other_index = warp_indices[w];
        if (comes_first(other, other_index, value, index)) {
            value = other;
            index = other_index;
        }
    }
    __syncthreads();  // the next call may overwrite the warps' pairs only once every thread has read them
}

// Sum over the block, given to every thread; exact, so the order does not matter.
__device__ __forceinline__ Mass block_total(Mass value) {
    QRT_SHARED(Mass, warp_sums, 32);
    for (int offset = 16; offset > 0; offset >>= 1) value += __shfl_xor_sync(kFullWarpMask, value, offset);
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    if (lane == 0) warp_sums[warp] = value;
    __syncthreads();
    Mass total = 0;
    for (int w = 0; w < static_cast<int>(blockDim.x >> 5); ++w) total += warp_sums[w];
    __syncthreads();
    return total;
}

// The sum of `value` over the threads before this one.
__device__ __forceinline__ Mass block_exclusive_sum(Mass value) {
    QRT_SHARED(Mass, warp_sums, 32);
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    Mass inclusive = value;
    for (int offset = 1; offset < 32; offset <<= 1) {
        const Mass other = __shfl_up_sync(kFullWarpMask, inclusive, offset);
        if (lane >= offset) inclusive += other;
    }
    if (lane == 31) warp_sums[warp] = inclusive;
    __syncthreads();
    Mass before = 0;
    for (int w = 0; w < warp; ++w) before += warp_sums[w];
    __syncthreads();
    return before + inclusive - value;
}

// What the kernel needs to weigh a logit of its row.
struct Weighing {
    float largest;
    float temperature;
    float two_to_shift;

    __device__ __forceinline__ Mass operator()(float x) const {
        return static_cast<Mass>(sampling::fixed_weight(x, largest, temperature, two_to_shift));
    }
};

struct Threshold {
    uint32_t key;  // the selected order key
    Mass at_or_above;  // the count or weight of the logits with keys ≥ key (and ≥ the floor)
};

// Radix selection (steps 2 and 4 at the top of the file): the largest key v among the row's numbers with key ≥ floor
// such that the logits with keys in [max(v, floor), ∞) count (ByWeight false) or weigh (true) at least `needed`.
// needed must be reachable (≤ the count or weight of all keys ≥ floor), else the result is some key of the row.
template <bool ByWeight, class T>
__device__ Threshold select_threshold(const T* row, int cols, uint32_t floor, Mass needed, const Weighing& weigh) {
    QRT_SHARED(Mass, histogram, kBuckets);
    QRT_SHARED(unsigned, chosen_digit, 1);
    QRT_SHARED(Mass, chosen_above, 1);
    QRT_SHARED(Mass, chosen_through, 1);
    uint32_t prefix = 0;
    Mass above = 0;  // the count or weight of the keys above the range the chosen digits leave
    Mass through = 0;
    for (int shift = 32 - kRadixBits; shift >= 0; shift -= kRadixBits) {
        for (int b = threadIdx.x; b < kBuckets; b += blockDim.x) histogram[b] = 0;
        __syncthreads();
        const uint32_t chosen_mask = shift == 32 - kRadixBits ? 0u : ~0u << (shift + kRadixBits);
        for (int col = threadIdx.x; col < cols; col += blockDim.x) {
            const float x = to_float(row[col]);
            if (x != x) continue;
            const uint32_t key = sampling::order_key(x);
            if (key < floor || (key & chosen_mask) != prefix) continue;
            const Mass weight = ByWeight ? weigh(x) : Mass{1};
            if (weight != 0) atomicAdd(&histogram[(key >> shift) & (kBuckets - 1)], weight);
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            Mass cumulative = above;
            unsigned digit = 0;
            Mass reached = cumulative;
            for (int b = kBuckets - 1; b >= 0; --b) {
                const Mass next = cumulative + histogram[b];
                if (next >= needed) {
                    digit = static_cast<unsigned>(b);
                    reached = next;
                    break;
                }
                cumulative = next;
            }
            chosen_digit[0] = digit;
            chosen_above[0] = cumulative;
            chosen_through[0] = reached;
        }
        __syncthreads();
        prefix |= static_cast<uint32_t>(chosen_digit[0]) << shift;
        above = chosen_above[0];
        through = chosen_through[0];
    }
    // The shared choice is read again only after the next call's first barrier.
    return Threshold{prefix, through};
}

template <class T>
__global__ void sample_kernel(const T* logits, long long row_stride, int cols, int shift, const float* temperature,
                              const int32_t* top_k, const float* top_p, const Mass* seed, Mass* counter,
                              int32_t* ids) {
    const int r = blockIdx.x;
    const T* row = logits + r * row_stride;
    const float row_temperature = temperature[r];
    const sampling::RowParameters parameters = sampling::row_parameters(row_temperature, top_k[r], top_p[r]);
    const Mass bits = sampling::draw_bits(seed[r], counter[r]);

    // 1. The greedy token and the count of numbers.
    float best = NAN;
    int best_index = kNoIndex;
    Mass numbers = 0;
    for (int col = threadIdx.x; col < cols; col += blockDim.x) {
        const float x = to_float(row[col]);
        if (x == x) ++numbers;
        if (comes_first(x, col, best, best_index)) {
            best = x;
            best_index = col;
        }
    }
    block_first(best, best_index);
    numbers = block_total(numbers);
    if (threadIdx.x == 0) {
        counter[r] = counter[r] + 1;  // every thread read it before the barriers above
        ids[r] = best_index;          // replaced below unless the row is drawn greedily
    }
    if (parameters.greedy || !(fabsf(best) <= 3.40282347e38f)) return;  // the whole block leaves together

    const Weighing weigh{best, row_temperature, sampling::power_of_two(shift)};
    // 2. Top-k.
    uint32_t floor = 0;
    if (parameters.top_k > 0 && static_cast<Mass>(parameters.top_k) < numbers) {
        floor = select_threshold<false>(row, cols, 0u, static_cast<Mass>(parameters.top_k), weigh).key;
    }
    // 3. The weight top-k keeps.
    Mass partial = 0;
    for (int col = threadIdx.x; col < cols; col += blockDim.x) {
        const float x = to_float(row[col]);
        if (x == x && sampling::order_key(x) >= floor) partial += weigh(x);
    }
    const Mass total = block_total(partial);
    // 4. Top-p.
    uint32_t kept_floor = floor;
    Mass kept = total;
    if (parameters.top_p < 1.0f) {
        const Threshold threshold =
            select_threshold<true>(row, cols, floor, sampling::top_p_mass(parameters.top_p, total), weigh);
        kept_floor = threshold.key;
        kept = threshold.at_or_above;
    }
    // 5. The draw, in id order over contiguous slices.
    const Mass target = sampling::mul_hi_64(bits, kept);
    const long long per_thread = (static_cast<long long>(cols) + blockDim.x - 1) / blockDim.x;
    const long long first = threadIdx.x * per_thread;
    const long long begin = first < cols ? first : cols;
    const long long end = begin + per_thread < cols ? begin + per_thread : cols;
    Mass own = 0;
    for (long long col = begin; col < end; ++col) {
        const float x = to_float(row[col]);
        if (x == x && sampling::order_key(x) >= kept_floor) own += weigh(x);
    }
    Mass cumulative = block_exclusive_sum(own);
    if (cumulative <= target && target < cumulative + own) {
        for (long long col = begin; col < end; ++col) {
            const float x = to_float(row[col]);
            if (!(x == x && sampling::order_key(x) >= kept_floor)) continue;
            cumulative += weigh(x);
            if (target < cumulative) {
                ids[r] = static_cast<int32_t>(col);
                break;
            }
        }
    }
}

}  // namespace

void sample(const qrt_stream* stream, const RowsView& logits, const float* temperature, const int32_t* top_k,
            const float* top_p, const uint64_t* seed, int64_t* counter, int32_t* ids) {
    constexpr const char* op = "qrt_sample";
    require_launchable(op, logits);
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    const int shift = sampling::weight_shift(logits.cols);
    dispatch_float(logits.dtype, [&](auto type) {
        using T = typename decltype(type)::type;
        QRT_LAUNCH((sample_kernel<T>), row_blocks(logits), cuda_stream, static_cast<const T*>(logits.data),
                   static_cast<long long>(logits.row_stride), static_cast<int>(logits.cols), shift, temperature, top_k,
                   top_p, reinterpret_cast<const Mass*>(seed), reinterpret_cast<Mass*>(counter), ids);
    });
    check_launch(op);
}

}  // namespace qrt::cuda
