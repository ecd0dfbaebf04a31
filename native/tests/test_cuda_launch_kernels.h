// Host entry points of test_cuda_launch's kernels (test_cuda_launch_kernels.cu). Each launch returns what
// cudaGetLastError() says right after it.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

namespace launch_test {

// y[i] = a * x[i] + i for i < n.
cudaError_t launch_scale_and_offset(cudaStream_t stream, const float* x, float a, float* y, int n, unsigned blocks,
                                    unsigned threads);
// Reverses each block's slice of x into y through dynamic shared memory, one element per thread.
cudaError_t launch_reverse_in_blocks(const int* x, int* y, unsigned blocks, unsigned threads, size_t dynamic_shared);
// cudaFuncSetAttribute(reverse_in_blocks, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes).
cudaError_t allow_reverse_in_blocks_shared(size_t bytes);
// totals[b] = the sum of x's block b of 256 elements, reduced through static shared memory.
cudaError_t launch_block_totals(const int* x, int* totals, unsigned blocks);
// cudaOccupancyMaxActiveBlocksPerMultiprocessor for scale_and_offset, without dynamic shared memory.
cudaError_t scale_and_offset_blocks_per_multiprocessor(int* blocks, int threads);

}  // namespace launch_test
