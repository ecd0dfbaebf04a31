// A tiled BF16 GEMM on the tensor cores, as a test of the PTX wrappers working together and a yardstick of the
// emulator's speed: a two-stage cp.async pipeline fills shared memory (weights with the evict-first hint), ldmatrix
// turns it into mma fragments, and mma.sync m16n8k16 accumulates in FP32. A block of four warps computes a 64 x 64
// tile of y; each warp a 32 x 32 quarter, as 2 x 4 mma tiles.
//
// Shared rows hold 32 BF16 (64 bytes) padded to 40 (80 bytes): the eight 16-byte rows one ldmatrix phase reads then
// start at 80-byte steps, which fall in eight different 16-byte bank groups (0, 80, 160, ... mod 128 are distinct),
// so the loads are free of bank conflicts; unpadded 64-byte rows would pair up on the same banks.
#include "test_cuda_mma_gemm_kernels.h"


#include "cuda/launch.cuh"
#include "cuda/ptx.cuh"
#include "cuda/shared.cuh"

namespace mma_gemm_test {
namespace {

namespace ptx = qrt::cuda::ptx;

constexpr int kThreads = 128;
constexpr int kRowStride = kTileK + 8;  // elements per padded shared row
constexpr int kStageElements = kTileM * kRowStride;

// Each thread copies two 16-byte chunks of the x tile and two of the w tile per stage: 64 rows of four chunks each.
template <class Tile>
__device__ __forceinline__ void load_stage(Tile x_stage, Tile w_stage, const uint16_t* x, const uint16_t* w, int k,
                                           int row0_x, int row0_w, int k0) {
    for (int chunk = static_cast<int>(threadIdx.x); chunk < kTileM * 4; chunk += kThreads) {
        const int row = chunk / 4;
        const int column = (chunk % 4) * 8;
        ptx::cp_async<16>(x_stage + row * kRowStride + column, x + static_cast<long long>(row0_x + row) * k + k0 + column);
        ptx::cp_async<16, ptx::CacheAt::L2EvictFirst>(w_stage + row * kRowStride + column,
                                                      w + static_cast<long long>(row0_w + row) * k + k0 + column);
    }
}

__global__ void bf16_gemm(const uint16_t* x, const uint16_t* w, float* y, int n, int k) {
    QRT_SHARED(uint16_t, x_tiles, 2 * kStageElements);
    QRT_SHARED(uint16_t, w_tiles, 2 * kStageElements);
    const int lane = static_cast<int>(threadIdx.x % 32);
    const int warp = static_cast<int>(threadIdx.x / 32);
    const int warp_m = (warp / 2) * 32;
    const int warp_n = (warp % 2) * 32;
    const int row0_x = static_cast<int>(blockIdx.y) * kTileM;
    const int row0_w = static_cast<int>(blockIdx.x) * kTileN;

    float acc[2][4][4] = {};
    const int steps = k / kTileK;
    load_stage(x_tiles + 0, w_tiles + 0, x, w, k, row0_x, row0_w, 0);
    ptx::cp_async_commit_group();
    for (int step = 0; step < steps; ++step) {
        const int stage = step % 2;
        // The next stage's copies fly while this one computes; the last step commits an empty group instead.
        if (step + 1 < steps) {
            load_stage(x_tiles + (1 - stage) * kStageElements, w_tiles + (1 - stage) * kStageElements, x, w, k, row0_x,
                       row0_w, (step + 1) * kTileK);
        }
        ptx::cp_async_commit_group();
        ptx::cp_async_wait_group<1>();
        __syncthreads();
        const auto x_stage = x_tiles + stage * kStageElements;
        const auto w_stage = w_tiles + stage * kStageElements;
        for (int kk = 0; kk < kTileK; kk += 16) {
            // A fragments: lane l addresses row l % 16, column 8 (l / 16) of each 16 x 16 tile (ldmatrix.x4).
            uint32_t a[2][4];
            for (int i = 0; i < 2; ++i) {
                ptx::ldmatrix(a[i], x_stage + (warp_m + i * 16 + lane % 16) * kRowStride + kk + (lane / 16) * 8);
            }
            // B fragments from w's rows (n) with k contiguous: matrices (n rows 0-7, k 0-7), (0-7, 8-15), then the
            // same for n rows 8-15, so registers 0-1 are one n8 tile's b[0..1] and 2-3 the next one's.
            uint32_t b[4][2];
            for (int j = 0; j < 4; j += 2) {
                uint32_t r[4];
                const int matrix = lane / 8;
                const int row = warp_n + j * 8 + (matrix / 2) * 8 + lane % 8;
                ptx::ldmatrix(r, w_stage + row * kRowStride + kk + (matrix % 2) * 8);
                b[j][0] = r[0];
                b[j][1] = r[1];
                b[j + 1][0] = r[2];
                b[j + 1][1] = r[3];
            }
            for (int i = 0; i < 2; ++i) {
                for (int j = 0; j < 4; ++j) ptx::mma_bf16_m16n8k16(acc[i][j], a[i], b[j]);
            }
        }
        // Every warp is done with this stage before the next step's copies overwrite it.
        __syncthreads();
    }
    ptx::cp_async_wait_all();

    // acc[i][j] holds D[g][2t], D[g][2t+1], D[g+8][2t], D[g+8][2t+1] of the 16 x 8 tile (i, j).
    const int g = lane / 4;
    const int t = lane % 4;
    for (int i = 0; i < 2; ++i) {
        for (int j = 0; j < 4; ++j) {
            const long long row = row0_x + warp_m + i * 16 + g;
            const int column = row0_w + warp_n + j * 8 + 2 * t;
            y[row * n + column] = acc[i][j][0];
            y[row * n + column + 1] = acc[i][j][1];
            y[(row + 8) * n + column] = acc[i][j][2];
            y[(row + 8) * n + column + 1] = acc[i][j][3];
        }
    }
}

}  // namespace

cudaError_t launch_bf16_gemm(cudaStream_t stream, const uint16_t* x, const uint16_t* w, float* y, int m, int n, int k) {
    const qrt::cuda::LaunchShape shape{dim3(static_cast<unsigned>(n / kTileN), static_cast<unsigned>(m / kTileM)),
                                       dim3(kThreads)};
    QRT_LAUNCH(bf16_gemm, shape, stream, x, w, y, n, k);
    return cudaGetLastError();
}

}  // namespace mma_gemm_test
