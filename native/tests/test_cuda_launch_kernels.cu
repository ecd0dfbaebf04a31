// The kernels of test_cuda_launch and their host entry points. Compiled by nvcc, or as C++ against the CUDA emulator;
// the checks live in test_cuda_launch.cpp, which the host compiler builds in both modes (nvcc 11.8 cannot parse the
// standard headers the test harness needs).
#include "test_cuda_launch_kernels.h"

#include "cuda/launch.cuh"
#include "cuda/shared.cuh"

namespace launch_test {
namespace {

__global__ void scale_and_offset(const float* x, float a, float* y, int n) {
    const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
    if (i < n) y[i] = a * x[i] + static_cast<float>(i);
}

// Reverses each block's slice of x through dynamic shared memory, one element per thread.
__global__ void reverse_in_blocks(const int* x, int* y) {
    QRT_DYNAMIC_SHARED(int, staging);
    const unsigned t = threadIdx.x;
    const unsigned base = blockIdx.x * blockDim.x;
    staging[t] = x[base + t];
    __syncthreads();
    y[base + t] = staging[blockDim.x - 1 - t];
}

// Sums each block's slice through a static shared array and the block reduction pattern the kernels use.
__global__ void block_totals(const int* x, int* totals) {
    QRT_SHARED(int, partial, 256);
    const unsigned t = threadIdx.x;
    partial[t] = x[blockIdx.x * blockDim.x + t];
    __syncthreads();
    for (unsigned stride = blockDim.x / 2; stride > 0; stride /= 2) {
        if (t < stride) partial[t] = partial[t] + partial[t + stride];
        __syncthreads();
    }
    if (t == 0) totals[blockIdx.x] = partial[0];
}

qrt::cuda::LaunchShape shape(unsigned blocks, unsigned threads, size_t dynamic_shared = 0) {
    qrt::cuda::LaunchShape result;
    result.grid = dim3(blocks);
    result.block = dim3(threads);
    result.dynamic_shared_bytes = dynamic_shared;
    return result;
}

}  // namespace

cudaError_t launch_scale_and_offset(cudaStream_t stream, const float* x, float a, float* y, int n, unsigned blocks,
                                    unsigned threads) {
    QRT_LAUNCH(scale_and_offset, shape(blocks, threads), stream, x, a, y, n);
    return cudaGetLastError();
}

cudaError_t launch_reverse_in_blocks(const int* x, int* y, unsigned blocks, unsigned threads, size_t dynamic_shared) {
    QRT_LAUNCH(reverse_in_blocks, shape(blocks, threads, dynamic_shared), nullptr, x, y);
    return cudaGetLastError();
}

cudaError_t allow_reverse_in_blocks_shared(size_t bytes) {
    return cudaFuncSetAttribute(reverse_in_blocks, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                static_cast<int>(bytes));
}

cudaError_t launch_block_totals(const int* x, int* totals, unsigned blocks) {
    QRT_LAUNCH(block_totals, shape(blocks, 256), nullptr, x, totals);
    return cudaGetLastError();
}

cudaError_t scale_and_offset_blocks_per_multiprocessor(int* blocks, int threads) {
    return cudaOccupancyMaxActiveBlocksPerMultiprocessor(blocks, scale_and_offset, threads, 0);
}

}  // namespace launch_test
