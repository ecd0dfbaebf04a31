// Host entry point of test_cuda_mma_gemm's kernel (test_cuda_mma_gemm_kernels.cu).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mma_gemm_test {

// Tile sizes of the kernel: m, n and k must be multiples of these.
constexpr int kTileM = 64;
constexpr int kTileN = 64;
constexpr int kTileK = 32;

// y[m x n] (f32) = x[m x k] · w[n x k]ᵀ, with x and w BF16 given as raw bits, row-major. Returns cudaGetLastError()
// after the launch.
cudaError_t launch_bf16_gemm(cudaStream_t stream, const uint16_t* x, const uint16_t* w, float* y, int m, int n, int k);

}  // namespace mma_gemm_test
