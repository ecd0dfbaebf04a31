// The tiled "TN" GEMM main loop every linear-layer kernel shares: y = A · Wᵀ with A [M, K] and W [N, K], both with K
// contiguous, on the tensor cores (mma.sync), templated on an MMA policy (gemm_policies.cuh) that says how a warp turns
// 32 columns of K of its shared tiles into fragments and multiply-adds, and on a tile configuration.
//
// Block and warps. A block computes a BM x BN tile of y with kWarpsM x kWarpsN x kWarpsK warps. A warp owns
// kTilesM x kTilesN mma tiles (16 x 8 each) and, when kWarpsK > 1, one slice of every stage's K: the warps of a column
// split K and add their accumulators in shared memory at the end, in a fixed order (deterministic, no workspace).
// Decode-shaped calls (M <= 16) use one 16-row tile, four warps along K and BN = 32, so a 4096-wide layer launches 128
// blocks for an H100's 132 SMs and each block streams 4 x 64 bytes of every weight row per stage (the configurations
// are in gemm_kernel.cuh).
//
// Pipeline. kStages stages of shared tiles are filled by cp.async, kStages - 1 ahead of the warps that compute on them
// (weights with the L2 evict-first hint: each byte is read once per call). A step waits for its stage, then, after the
// block barrier that also proves every warp has finished the previous step, refills the stage consumed last step.
//
// Shared layout. Each tile row holds the stage's K slice of one row of A or W as 16-byte chunks; chunk c of row r is
// stored at chunk c ^ swizzle(r). ldmatrix reads eight rows at the same logical chunk per phase; the swizzle puts those
// eight 16-byte pieces in eight different 16-byte bank groups (see swizzle_of), and cp.async fills whole chunks, so
// neither ldmatrix nor the fills meet a bank conflict. No padding is needed.
//
// Edges. Rows of A past M and of W past N, and chunks past K, are zero-filled by cp.async's src-size form without
// reading global memory; the epilogue stores only inside [M, N]. The host requires K · element size to be a multiple
// of 16 bytes (a chunk never straddles K's end) and 16-byte aligned rows.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/ptx.cuh"
#include "cuda/shared.cuh"
#include "cuda/launch.cuh"

namespace qrt::cuda::tiled {

// A block's shape: warps, mma tiles per warp, K elements per warp per stage, and pipeline stages.
template <int WarpsM, int WarpsN, int WarpsK, int TilesM, int TilesN, int KPerWarp, int Stages>
struct TileConfig {
    static constexpr int kWarpsM = WarpsM;
    static constexpr int kWarpsN = WarpsN;
    static constexpr int kWarpsK = WarpsK;
    static constexpr int kTilesM = TilesM;  // 16-row mma tiles per warp
    static constexpr int kTilesN = TilesN;  // 8-column mma tiles per warp (even: ldmatrix.x4 loads two)
    static constexpr int kThreads = 32 * WarpsM * WarpsN * WarpsK;
    static constexpr int kBlockM = 16 * TilesM * WarpsM;
    static constexpr int kBlockN = 8 * TilesN * WarpsN;
    static constexpr int kKPerWarp = KPerWarp;          // K elements per warp per stage, a multiple of 32
    static constexpr int kStageK = KPerWarp * WarpsK;  // K elements per stage
    static constexpr int kStages = Stages;
    static_assert(TilesN % 2 == 0, "B fragments are loaded two n8 tiles at a time");
    static_assert(KPerWarp % 32 == 0, "a warp step covers 32 columns of K");
    static_assert(Stages >= 3, "the pipeline keeps at least two stages in flight");
};

// A shared tile of `Rows` rows of `RowBytes` bytes (a multiple of 32), swizzled in 16-byte chunks.
template <int Rows, int RowBytes>
struct SwizzledTile {
    static constexpr int kChunks = RowBytes / 16;  // per row
    static constexpr int kBytes = Rows * RowBytes;
    static_assert(RowBytes % 32 == 0 && kChunks >= 2, "rows of at least two 16-byte chunks");

    // The XOR applied to row r's chunk index. With C chunks per row, 128 / RowBytes rows share one 128-byte line of
    // banks (C < 8); XOR-ing the chunk with the row's line index (mod C) makes the eight rows r0..r0+7 of an ldmatrix
    // phase land on eight distinct 16-byte bank groups: rows in one line differ in their line offset, rows in
    // different lines in their chunk. With C >= 8, each row spans whole lines and r mod 8 permutes the low 3 bits.
    __device__ __forceinline__ static int swizzle_of(int row) {
        if constexpr (kChunks >= 8) {
            return row & 7;
        } else {
            return (row / (8 / kChunks)) & (kChunks - 1);
        }
    }

    // Byte offset of logical byte `byte` (0 <= byte < RowBytes) of row `row`.
    __device__ __forceinline__ static uint32_t offset(int row, int byte) {
        const int chunk = (byte >> 4) ^ swizzle_of(row);
        return static_cast<uint32_t>(row * RowBytes + chunk * 16 + (byte & 15));
    }
};

// One operand's global rows: `rows` valid rows of `k_bytes` bytes each, `stride` bytes apart.
struct GlobalRows {
    const uint8_t* data;
    long long stride_bytes;
    int rows;
    long long k_bytes;
};

// Issues the copies of rows [row0, row0 + Tile rows) x bytes [k0_bytes, k0_bytes + RowBytes) into `tile`, zero-filling
// what lies outside the matrix. All threads of the block share the chunks.
template <class Tile, int Threads, ptx::CacheAt Cache>
__device__ __forceinline__ void load_tile(uint32_t tile, const GlobalRows& source, int row0, long long k0_bytes) {
    constexpr int kRows = Tile::kBytes / (Tile::kChunks * 16);
    for (int index = static_cast<int>(threadIdx.x); index < kRows * Tile::kChunks; index += Threads) {
        const int row = index / Tile::kChunks;
        const int chunk = index % Tile::kChunks;
        const long long k = k0_bytes + chunk * 16;
        const bool inside = row0 + row < source.rows && k < source.k_bytes;
        // An outside chunk reads nothing (src-size 0); the matrix's first byte stands in as an aligned source.
        const uint8_t* from = inside ? source.data + (row0 + row) * source.stride_bytes + k : source.data;
        ptx::cp_async_zfill<16, Cache>(tile + Tile::offset(row, chunk * 16), from, inside ? 16u : 0u);
    }
}

// The main loop. Policy provides:
//   using A, W (element types), Acc (int32_t or float), static constexpr bool kColumnSums;
//   template <class ATile, class WTile> static void step(Acc (&acc)[TM + kColumnSums][TN][4], uint32_t a_tile,
//       uint32_t w_tile, int a_row0, int w_row0, int k_byte_a, int k_byte_w, bool column_sums)
// which adds 32 columns of K (starting at those byte offsets of the tile rows) of the warp's 16·TM rows of A times
// its 8·TN rows of W to acc; with kColumnSums, acc[TM] receives Σk W[n][k] for every column when column_sums is set.
// Returns, in acc of the warps with warp_k == 0, the whole sum over K (other warps' acc is undefined afterwards).
template <class Policy, class Config>
struct MainLoop {
    using Acc = typename Policy::Acc;
    static constexpr int kAccTilesM = Config::kTilesM + (Policy::kColumnSums ? 1 : 0);
    static constexpr int kARowBytes = Config::kStageK * static_cast<int>(sizeof(typename Policy::A));
    static constexpr int kWRowBytes = Config::kStageK * static_cast<int>(sizeof(typename Policy::W));
    using ATile = SwizzledTile<Config::kBlockM, kARowBytes>;
    using WTile = SwizzledTile<Config::kBlockN, kWRowBytes>;
    static constexpr int kStageBytes = ATile::kBytes + WTile::kBytes;
    static constexpr int kPipelineBytes = kStageBytes * Config::kStages;
    // The split-K reduction reuses the pipeline's memory: one 16-byte slot per lane per accumulator quad per warp.
    static constexpr int kReductionBytes =
        Config::kWarpsK > 1 ? Config::kThreads * kAccTilesM * Config::kTilesN * 16 : 0;
    static constexpr int kSharedBytes = kPipelineBytes > kReductionBytes ? kPipelineBytes : kReductionBytes;
    static_assert(kSharedBytes <= 227 * 1024, "an H100 block takes at most 227 KiB of shared memory");

    using Accumulators = Acc[kAccTilesM][Config::kTilesN][4];

    // shared: kSharedBytes of 16-byte aligned shared memory.
    __device__ __forceinline__ static void run(Accumulators& acc, uint32_t shared, const GlobalRows& a,
                                               const GlobalRows& w, int block_m0, int block_n0, bool column_sums) {
        const int warp = static_cast<int>(threadIdx.x) / 32;
        const int warp_k = warp % Config::kWarpsK;
        const int warp_n = (warp / Config::kWarpsK) % Config::kWarpsN;
        const int warp_m = warp / (Config::kWarpsK * Config::kWarpsN);
        QRT_UNROLL
        for (int i = 0; i < kAccTilesM; ++i) {
            QRT_UNROLL
            for (int j = 0; j < Config::kTilesN; ++j) {
                QRT_UNROLL
                for (int v = 0; v < 4; ++v) acc[i][j][v] = Acc(0);
            }
        }
        const long long k_bytes_a = a.k_bytes;
        const int steps = static_cast<int>((k_bytes_a + kARowBytes - 1) / kARowBytes);
        auto load_stage = [&](int step) {
            const uint32_t stage = shared + static_cast<uint32_t>((step % Config::kStages) * kStageBytes);
            load_tile<ATile, Config::kThreads, ptx::CacheAt::AllLevels>(stage, a, block_m0,
                                                                          static_cast<long long>(step) * kARowBytes);
            load_tile<WTile, Config::kThreads, ptx::CacheAt::L2EvictFirst>(
                stage + ATile::kBytes, w, block_n0, static_cast<long long>(step) * kWRowBytes);
        };
        for (int s = 0; s < Config::kStages - 1; ++s) {
            if (s < steps) load_stage(s);
            ptx::cp_async_commit_group();
        }
        constexpr int kABytesPerWarp = Config::kKPerWarp * static_cast<int>(sizeof(typename Policy::A));
        constexpr int kWBytesPerWarp = Config::kKPerWarp * static_cast<int>(sizeof(typename Policy::W));
        constexpr int kABytesPerStep = 32 * static_cast<int>(sizeof(typename Policy::A));
        constexpr int kWBytesPerStep = 32 * static_cast<int>(sizeof(typename Policy::W));
        for (int step = 0; step < steps; ++step) {
            ptx::cp_async_wait_group<Config::kStages - 2>();
            __syncthreads();
            // The stage refilled here was computed on in the previous step, which every warp finished before the
            // barrier above. An empty group keeps the wait count aligned near the end.
            if (step + Config::kStages - 1 < steps) load_stage(step + Config::kStages - 1);
            ptx::cp_async_commit_group();
            const uint32_t stage = shared + static_cast<uint32_t>((step % Config::kStages) * kStageBytes);
            QRT_UNROLL
            for (int kk = 0; kk < Config::kKPerWarp; kk += 32) {
                Policy::template step<ATile, WTile, Config::kTilesM, Config::kTilesN>(
                    acc, stage, stage + ATile::kBytes, warp_m * 16 * Config::kTilesM, warp_n * 8 * Config::kTilesN,
                    warp_k * kABytesPerWarp + (kk / 32) * kABytesPerStep,
                    warp_k * kWBytesPerWarp + (kk / 32) * kWBytesPerStep, column_sums);
            }
        }
        ptx::cp_async_wait_all();
        if constexpr (Config::kWarpsK > 1) reduce_split_k(acc, shared, warp_k, warp / Config::kWarpsK);
    }

    // Adds the kWarpsK partial sums of each output into the warp with warp_k == 0, in warp order: every warp stores
    // its accumulators (lane-major 16-byte slots: the 32 lanes of a store cover 512 consecutive bytes, no bank
    // conflicts), then the first warp of each group reads the others' slots back.
    __device__ __forceinline__ static void reduce_split_k(Accumulators& acc, uint32_t shared, int warp_k, int group) {
        constexpr int kQuads = kAccTilesM * Config::kTilesN;
        const int lane = static_cast<int>(threadIdx.x) % 32;
        __syncthreads();  // every warp has finished with the pipeline's memory
        auto slot = [&](int k_warp, int quad) {
            return shared + static_cast<uint32_t>((((group * Config::kWarpsK + k_warp) * kQuads + quad) * 32 + lane) * 16);
        };
        if (warp_k != 0) {
            QRT_UNROLL
            for (int i = 0; i < kAccTilesM; ++i) {
                QRT_UNROLL
                for (int j = 0; j < Config::kTilesN; ++j) {
                    uint4 value;
                    value.x = bits_of(acc[i][j][0]);
                    value.y = bits_of(acc[i][j][1]);
                    value.z = bits_of(acc[i][j][2]);
                    value.w = bits_of(acc[i][j][3]);
                    ptx::st_shared_v4(slot(warp_k, i * Config::kTilesN + j), value);
                }
            }
        }
        __syncthreads();
        if (warp_k == 0) {
            QRT_UNROLL
            for (int k_warp = 1; k_warp < Config::kWarpsK; ++k_warp) {
                QRT_UNROLL
                for (int i = 0; i < kAccTilesM; ++i) {
                    QRT_UNROLL
                    for (int j = 0; j < Config::kTilesN; ++j) {
                        const uint4 value = ptx::ld_shared_v4(slot(k_warp, i * Config::kTilesN + j));
                        acc[i][j][0] = acc[i][j][0] + from_bits(value.x, acc[i][j][0]);
                        acc[i][j][1] = acc[i][j][1] + from_bits(value.y, acc[i][j][1]);
                        acc[i][j][2] = acc[i][j][2] + from_bits(value.z, acc[i][j][2]);
                        acc[i][j][3] = acc[i][j][3] + from_bits(value.w, acc[i][j][3]);
                    }
                }
            }
        }
    }

    __device__ __forceinline__ static uint32_t bits_of(float value) { return __float_as_uint(value); }
    __device__ __forceinline__ static uint32_t bits_of(int32_t value) { return static_cast<uint32_t>(value); }
    __device__ __forceinline__ static float from_bits(uint32_t bits, float) { return __uint_as_float(bits); }
    __device__ __forceinline__ static int32_t from_bits(uint32_t bits, int32_t) { return static_cast<int32_t>(bits); }
};

}  // namespace qrt::cuda::tiled
