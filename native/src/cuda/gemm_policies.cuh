// The MMA policies of the shared GEMM main loop (gemm_tiles.cuh): for each operand pairing, how one warp turns 32
// columns of K of its swizzled shared tiles into mma fragments and multiply-adds them.
//
// 8-bit tiles load with the same ldmatrix as 16-bit ones: the m16n8k32 8-bit A fragment (a[0] = A[g][4t..4t+3], ...)
// is, byte for byte, the m16n8k16 b16 fragment of the same 16 x 32-byte tile (a[0] = {A16[g][2t], A16[g][2t+1]}), and
// likewise for B (ptx-semantics.md §1.1, §2.1). So a "step" always reads 32 bytes of every 8-bit row or 64 bytes of
// every 16-bit row.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

#include "cuda/e4m3_widen.cuh"
#include "cuda/ptx.cuh"
#include "cuda/launch.cuh"

namespace qrt::cuda::tiled {

// A fragments of `Tiles` 16-row tiles: rows row0 + 16i .. +15, bytes byte .. byte + 31 of each row.
// Lane l addresses row l % 16 at byte 16 (l / 16): matrices (rows 0-7 | 8-15) x (bytes 0-15 | 16-31).
template <class Tile, int Tiles>
__device__ __forceinline__ void load_a_fragments(uint32_t (&a)[Tiles][4], uint32_t tile, int row0, int byte) {
    const int lane = static_cast<int>(threadIdx.x) % 32;
    QRT_UNROLL
    for (int i = 0; i < Tiles; ++i) {
        ptx::ldmatrix(a[i], tile + Tile::offset(row0 + 16 * i + lane % 16, byte + 16 * (lane / 16)));
    }
}

// B fragments of `Tiles` 8-row tiles of W (rows n, K contiguous): bytes byte .. byte + 31 of each row. One x4 load
// covers two tiles: matrices (rows 0-7, bytes 0-15), (0-7, 16-31), (8-15, 0-15), (8-15, 16-31).
template <class Tile, int Tiles>
__device__ __forceinline__ void load_b_fragments(uint32_t (&b)[Tiles][2], uint32_t tile, int row0, int byte) {
    const int lane = static_cast<int>(threadIdx.x) % 32;
    const int matrix = lane / 8;
    QRT_UNROLL
    for (int j = 0; j < Tiles; j += 2) {
        uint32_t r[4];
        ptx::ldmatrix(r, tile + Tile::offset(row0 + 8 * j + 8 * (matrix / 2) + lane % 8, byte + 16 * (matrix % 2)));
        b[j][0] = r[0];
        b[j][1] = r[1];
        b[j + 1][0] = r[2];
        b[j + 1][1] = r[3];
    }
}

template <class T>
__device__ __forceinline__ void mma_16bit(float (&acc)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    if constexpr (std::is_same<T, __half>::value) {
        ptx::mma_f16_m16n8k16(acc, a, b);
    } else {
        ptx::mma_bf16_m16n8k16(acc, a, b);
    }
}

// s8 x s8 -> s32 (INT8 W8A8). Exact. With column_sums, acc[TilesM] also receives Σk W[n][k] per column: an mma with an
// A of all ones (every row of D is then the column sum), for the zero-point correction.
struct Int8Policy {
    using A = int8_t;
    using W = int8_t;
    using Acc = int32_t;
    static constexpr bool kColumnSums = true;

    template <class ATile, class WTile, int TilesM, int TilesN, class Accumulators>
    __device__ __forceinline__ static void step(Accumulators& acc, uint32_t a_tile, uint32_t w_tile, int a_row0,
                                                int w_row0, int a_byte, int w_byte, bool column_sums) {
        uint32_t a[TilesM][4];
        uint32_t b[TilesN][2];
        load_a_fragments<ATile, TilesM>(a, a_tile, a_row0, a_byte);
        load_b_fragments<WTile, TilesN>(b, w_tile, w_row0, w_byte);
        QRT_UNROLL
        for (int i = 0; i < TilesM; ++i) {
            QRT_UNROLL
            for (int j = 0; j < TilesN; ++j) ptx::mma_s8_m16n8k32_satfinite(acc[i][j], a[i], b[j]);
        }
        if (column_sums) {
            const uint32_t ones[4] = {0x01010101u, 0x01010101u, 0x01010101u, 0x01010101u};
            QRT_UNROLL
            for (int j = 0; j < TilesN; ++j) ptx::mma_s8_m16n8k32_satfinite(acc[TilesM][j], ones, b[j]);
        }
    }
};

// e4m3 x e4m3 -> f32 on FP8 tensor cores (sm_89+, CUDA >= 12.4).
//
// Ada's and Hopper's FP8 tensor cores add a k32 block of products and the accumulator C aligned to the largest of
// them with only 13 fraction bits (ptx-semantics.md §9.2). Fed the running sum as C, every mma would truncate that sum
// to 13 bits again: over K = 4096 the error reaches percents (DeepSeek-V3 measured about 2 %). So each mma starts
// from zero and its block sum is added to the FP32 accumulator on the CUDA cores: a block then loses at most 33·2⁻¹³
// of its largest product, and the running sum rounds like any FP32 sum. It costs four FP32 additions per mma.
struct Fp8MmaPolicy {
    using A = uint8_t;
    using W = uint8_t;
    using Acc = float;
    static constexpr bool kColumnSums = false;

    template <class ATile, class WTile, int TilesM, int TilesN, class Accumulators>
    __device__ __forceinline__ static void step(Accumulators& acc, uint32_t a_tile, uint32_t w_tile, int a_row0,
                                                int w_row0, int a_byte, int w_byte, bool) {
        uint32_t a[TilesM][4];
        uint32_t b[TilesN][2];
        load_a_fragments<ATile, TilesM>(a, a_tile, a_row0, a_byte);
        load_b_fragments<WTile, TilesN>(b, w_tile, w_row0, w_byte);
        QRT_UNROLL
        for (int i = 0; i < TilesM; ++i) {
            QRT_UNROLL
            for (int j = 0; j < TilesN; ++j) {
                float block[4] = {0.0f, 0.0f, 0.0f, 0.0f};
                ptx::mma_e4m3_m16n8k32(block, a[i], b[j]);
                QRT_UNROLL
                for (int v = 0; v < 4; ++v) acc[i][j][v] += block[v];
            }
        }
    }
};

// e4m3 x e4m3 -> f32 on BF16 tensor cores, for devices (or toolkits) without FP8 mma: both operands' 8-bit fragments
// are widened to BF16 in registers (exact) and multiplied as two k16 mmas.
//
// Widening byte fragment register R = {X[4t], X[4t+1], X[4t+2], X[4t+3]} gives the pairs {X[4t], X[4t+1]} and
// {X[4t+2], X[4t+3]}, which the k16 mma reads as columns {2t, 2t+1} and {2t+8, 2t+9}. So each k16 mma sums a
// permutation of 16 of the 32 columns; A and B go through the same permutation, which leaves the dot product intact:
// mma 0 takes the registers of columns 0-15 (a[0], a[1], b[0]), mma 1 those of columns 16-31 (a[2], a[3], b[1]).
struct Fp8WidenPolicy {
    using A = uint8_t;
    using W = uint8_t;
    using Acc = float;
    static constexpr bool kColumnSums = false;

    template <class ATile, class WTile, int TilesM, int TilesN, class Accumulators>
    __device__ __forceinline__ static void step(Accumulators& acc, uint32_t a_tile, uint32_t w_tile, int a_row0,
                                                int w_row0, int a_byte, int w_byte, bool) {
        uint32_t a8[TilesM][4];
        uint32_t b8[TilesN][2];
        load_a_fragments<ATile, TilesM>(a8, a_tile, a_row0, a_byte);
        load_b_fragments<WTile, TilesN>(b8, w_tile, w_row0, w_byte);
        QRT_UNROLL
        for (int half = 0; half < 2; ++half) {
            uint32_t b[TilesN][2];
            QRT_UNROLL
            for (int j = 0; j < TilesN; ++j) e4m3x4_widen<__nv_bfloat16>(b8[j][half], b[j][0], b[j][1]);
            QRT_UNROLL
            for (int i = 0; i < TilesM; ++i) {
                uint32_t a[4];
                e4m3x4_widen<__nv_bfloat16>(a8[i][2 * half], a[0], a[2]);      // row g
                e4m3x4_widen<__nv_bfloat16>(a8[i][2 * half + 1], a[1], a[3]);  // row g + 8
                QRT_UNROLL
                for (int j = 0; j < TilesN; ++j) ptx::mma_bf16_m16n8k16(acc[i][j], a, b[j]);
            }
        }
    }
};

// 16-bit activations (T = __nv_bfloat16 or __half) x e4m3 weights widened to T in registers (W8A16).
//
// The A fragments come from ldmatrix in the natural layout (columns 2t, 2t+1 and 2t+8, 2t+9 of a k16 block). An x1
// ldmatrix of a weight k16 block (8 rows x 16 bytes) gives lane (g, t) bytes 4t..4t+3 of row g; the bytes it needs,
// 2t, 2t+1 and 2t+8, 2t+9, sit in lanes (g, t/2) and (g, 2 + t/2) at byte 2(t % 2): two shuffles and one prmt.
template <class T>
struct W8A16Policy {
    using A = T;
    using W = uint8_t;
    using Acc = float;
    static constexpr bool kColumnSums = false;

    template <class ATile, class WTile, int TilesM, int TilesN, class Accumulators>
    __device__ __forceinline__ static void step(Accumulators& acc, uint32_t a_tile, uint32_t w_tile, int a_row0,
                                                int w_row0, int a_byte, int w_byte, bool) {
        const int lane = static_cast<int>(threadIdx.x) % 32;
        const int g = lane / 4;
        const int t = lane % 4;
        const uint32_t select = (t % 2 == 0) ? 0x5410u : 0x7632u;  // bytes 0-1 of the first, 0-1 of the second
        QRT_UNROLL
        for (int half = 0; half < 2; ++half) {
            uint32_t a[TilesM][4];
            load_a_fragments<ATile, TilesM>(a, a_tile, a_row0, a_byte + 32 * half);
            QRT_UNROLL
            for (int j = 0; j < TilesN; j += 4 <= TilesN ? 4 : TilesN) {
                constexpr int kCount = TilesN >= 4 ? 4 : TilesN;
                uint32_t r[kCount];
                ptx::ldmatrix(r, w_tile + WTile::offset(w_row0 + 8 * j + 8 * ((lane / 8) % kCount) + lane % 8,
                                                        w_byte + 16 * half));
                QRT_UNROLL
                for (int q = 0; q < kCount; ++q) {
                    const uint32_t low_source = __shfl_sync(0xffffffffu, r[q], g * 4 + t / 2);
                    const uint32_t high_source = __shfl_sync(0xffffffffu, r[q], g * 4 + 2 + t / 2);
                    uint32_t b[2];
                    e4m3x4_widen<T>(ptx::prmt(low_source, high_source, select), b[0], b[1]);
                    QRT_UNROLL
                    for (int i = 0; i < TilesM; ++i) mma_16bit<T>(acc[i][j + q], a[i], b);
                }
            }
        }
    }
};

// 16-bit activations and weights of the same type (dense BF16 or F16).
template <class T>
struct DensePolicy {
    using A = T;
    using W = T;
    using Acc = float;
    static constexpr bool kColumnSums = false;

    template <class ATile, class WTile, int TilesM, int TilesN, class Accumulators>
    __device__ __forceinline__ static void step(Accumulators& acc, uint32_t a_tile, uint32_t w_tile, int a_row0,
                                                int w_row0, int a_byte, int w_byte, bool) {
        QRT_UNROLL
        for (int half = 0; half < 2; ++half) {
            uint32_t a[TilesM][4];
            uint32_t b[TilesN][2];
            load_a_fragments<ATile, TilesM>(a, a_tile, a_row0, a_byte + 32 * half);
            load_b_fragments<WTile, TilesN>(b, w_tile, w_row0, w_byte + 32 * half);
            QRT_UNROLL
            for (int i = 0; i < TilesM; ++i) {
                QRT_UNROLL
                for (int j = 0; j < TilesN; ++j) mma_16bit<T>(acc[i][j], a[i], b[j]);
            }
        }
    }
};

}  // namespace qrt::cuda::tiled
