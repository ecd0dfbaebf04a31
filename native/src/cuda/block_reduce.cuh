// Block-wide reductions for kernels that give one row to one thread block.
#pragma once

#include <cuda_runtime.h>

#include "cuda/shared.cuh"

namespace qrt::cuda {

constexpr unsigned kFullWarpMask = 0xffffffffu;

// Sum of `value` over the block, returned to every thread. The order of additions depends only on the
// block size, so results are reproducible. blockDim.x must be a multiple of 32 (at most 1024).
__device__ __forceinline__ float block_sum(float value) {
    QRT_SHARED(float, warp_sums, 32);
    QRT_SHARED(float, total, 1);
    for (int offset = 16; offset > 0; offset >>= 1) value += __shfl_xor_sync(kFullWarpMask, value, offset);
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    if (lane == 0) warp_sums[warp] = value;
    __syncthreads();
    if (warp == 0) {
        const int warps = blockDim.x >> 5;
        value = lane < warps ? warp_sums[lane] : 0.0f;
        for (int offset = 16; offset > 0; offset >>= 1) value += __shfl_xor_sync(kFullWarpMask, value, offset);
        if (lane == 0) total[0] = value;
    }
    __syncthreads();
    return total[0];
}

// Largest `value` over the block, returned to every thread. fmaxf returns its other operand when one is NaN, so NaN
// values are skipped; the maximum does not depend on the order, so the result is exact. Same block shape rules as
// block_sum.
__device__ __forceinline__ float block_max(float value) {
    QRT_SHARED(float, warp_maxima, 32);
    QRT_SHARED(float, total, 1);
    for (int offset = 16; offset > 0; offset >>= 1) value = fmaxf(value, __shfl_xor_sync(kFullWarpMask, value, offset));
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    if (lane == 0) warp_maxima[warp] = value;
    __syncthreads();
    if (warp == 0) {
        const int warps = blockDim.x >> 5;
        value = lane < warps ? warp_maxima[lane] : value;
        for (int offset = 16; offset > 0; offset >>= 1) value = fmaxf(value, __shfl_xor_sync(kFullWarpMask, value, offset));
        if (lane == 0) total[0] = value;
    }
    __syncthreads();
    return total[0];
}

}  // namespace qrt::cuda
