// W4A16 GEMM on the tensor cores, Marlin-style: y = x·Wᵀ (+ bias) with 4-bit weights in the repacked layout
// (core/wna16_layout.h, qrt.h "The repacked W4A16 layout"), F16 or BF16 activations and FP32 accumulation.
//
// Work split. A block of four warps owns 256 output features (each warp one 64-feature tile of the layout) and
// 16 or 32 rows of x, and walks a range of K in 32-column steps. At batch 1 there are too few such tiles to fill the
// GPU (N = 4096 gives 16), so K is split across blocks as well: the host picks the number of splits that fills one
// wave of two blocks per multiprocessor, with split boundaries on group boundaries when the groups share out
// evenly (each group's scales are then read by one block only), else on 32-column steps. Every split writes its
// FP32 partial tile to the workspace and counts itself in the tile's counter; the block that arrives last adds the
// partials in split order 0, 1, 2, ... (never in arrival order, so the result is the same bits on every run), adds
// the bias, writes y and resets the counter. No block waits for another, so no co-residency is needed.
//
// Pipeline. Each 32-column step is one stage of a kStages-deep cp.async ring: the block's 4 KB of weights (every
// lane copies the 16 bytes it will itself consume, with the evict-first hint: weights are read once), the x
// rows of the step, and at the start of a group the group's scales and zero points. While step s is computed,
// the copies of steps s+1 .. s+kStages-1 are in flight: 5 x 4 KB of weights per block, about 40 KB per
// multiprocessor with two blocks, which is what an H100 needs in flight to stream from HBM at full rate.
//
// Dequantisation in registers. A lane's 16 bytes hold, for each of the two k16 halves of the tile it belongs to,
// the B fragments of eight n8 tiles (the layout puts them there). The magic-number trick turns a nibble n into a
// 16-bit float without a conversion instruction: lop3 ORs the nibble into the mantissa of 1024 (F16, ulp 1) or
// 128 (BF16, ulp 1), and one fma.rn.{f16x2,bf16x2} subtracts 1024 + z (or 128 + z), leaving n - z exactly (the
// zero point z, or 8 for symmetric weights). The scale is NOT applied to the 16-bit weight, which would round it:
// the mma sums x·(n - z) exactly in FP32 per group and the FP32 group sum is multiplied by the FP32 scale, so the
// kernel computes the same real number as the CPU op (whose weights (n - z)·s are exact in FP32) and differs
// only in the order of the FP32 additions.
//
// The kernel serves two launches: qrt_gemm_wna16_repacked (gemm_wna16.cu), one weight over every row of x, and
// qrt_gemm_wna16_repacked_grouped (gemm_wna16_grouped.cu), where blockIdx.z names an expert whose rows are a segment
// of x and whose weight is a slice of stacked tensors. Which launch is a template argument, so the ungrouped kernel
// keeps its code: its expert is the constant 0 and its segment all of x.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/wna16_layout.h"
#include "cuda/float_types.cuh"
#include "cuda/launch.cuh"
#include "cuda/ptx.cuh"
#include "cuda/shared.cuh"

namespace qrt::cuda::wna16_gemm {

constexpr int kWarps = 4;
constexpr int kThreads = 32 * kWarps;
constexpr int kBlockN = kWarps * wna16::kTileN;  // 256 output features per block
constexpr int kStepK = wna16::kStepK;            // 32 input columns per pipeline step (two k16 tiles)
constexpr int kStages = 6;
// x rows in shared memory: 32 elements padded to 40 (80 bytes), so the eight 16-byte rows an ldmatrix phase reads
// start at 80-byte steps and fall on eight different groups of four banks: no bank conflicts.
constexpr int kARow = kStepK + 8;
constexpr int kWeightWordsPerStage = 2 * kWarps * wna16::kWordsPerTile;  // 1024 words: 4 KB
constexpr int kScaleWordsPerStage = kBlockN;                            // up to 4 bytes per feature
constexpr int kZeroWordsPerStage = kBlockN / 8;                         // 8 nibbles per word
constexpr int kTargetBlocksPerSm = 2;

struct Params {
    const void* x;
    long long x_stride;  // elements
    const int32_t* weight;
    const void* scale;
    int scale_dtype;
    const int32_t* zero;  // null: symmetric (stored zero point 8)
    const void* bias;     // null: none
    int bias_dtype;
    void* y;
    long long y_stride;  // elements
    int y_dtype;
    int m;
    int n;
    int k;
    int group_size;  // 0: one group (per channel)
    int splits;
    int unit_steps;  // steps of one split unit: a group (or one step per channel)
    int units;       // ceil(K / 32 / unit_steps)
    float* partials;
    int* counters;
    // Grouped launches only (null and 0 otherwise): expert e's rows are [expert_offsets[e], expert_offsets[e + 1])
    // of x and y, clamped into [0, m], and its weight, scale, zero points and bias start these many elements after
    // expert 0's.
    const int32_t* expert_offsets;
    long long weight_expert_stride;
    long long scale_expert_stride;
    long long zero_expert_stride;
    long long bias_expert_stride;
};

__device__ __forceinline__ int smaller(int a, int b) { return a < b ? a : b; }
__device__ __forceinline__ int larger(int a, int b) { return a > b ? a : b; }

__device__ __forceinline__ float load_float(const void* data, long long index, int dtype) {
    if (dtype == QRT_DTYPE_F32) return static_cast<const float*>(data)[index];
    const unsigned short bits = static_cast<const unsigned short*>(data)[index];
    if (dtype == QRT_DTYPE_F16) return __half2float(__ushort_as_half(bits));
    return __bfloat162float(__ushort_as_bfloat16(bits));
}

__device__ __forceinline__ void store_float(void* data, long long index, int dtype, float value) {
    if (dtype == QRT_DTYPE_F32) {
        static_cast<float*>(data)[index] = value;
    } else if (dtype == QRT_DTYPE_F16) {
        static_cast<__half*>(data)[index] = __float2half_rn(value);
    } else {
        static_cast<__nv_bfloat16*>(data)[index] = __float2bfloat16_rn(value);
    }
}

// The two B fragments (n8 tiles 2j and 2j+1) in one repacked word q, as n - z. Nibbles 0/4, 1/5 hold b[0] and b[1]
// of tile 2j and nibbles 2/6, 3/7 those of tile 2j+1; z0 and z1 are the two tiles' stored zero points.
template <bool kBf16>
__device__ __forceinline__ void dequantize(uint32_t q, uint32_t z0, uint32_t z1, uint32_t (&b0)[2], uint32_t (&b1)[2]) {
    if constexpr (kBf16) {
        // 0x4300 is 128.0 in BF16, whose 7 fraction bits make the ulp 1 there; a nibble must sit in bits 0-3 (bit 7
        // is the exponent's lowest), so each nibble pair is shifted down first. c = -(128 + z) is 0xC300 | z.
        constexpr uint32_t kMask = 0x000F000Fu;
        constexpr uint32_t kMagic = 0x43004300u;
        constexpr uint32_t kOne = 0x3F803F80u;
        const uint32_t c0 = 0xC300C300u | (z0 * 0x00010001u);
        const uint32_t c1 = 0xC300C300u | (z1 * 0x00010001u);
        b0[0] = ptx::fma_rn_bf16x2(ptx::lop3<0xEA>(q, kMask, kMagic), kOne, c0);
        b0[1] = ptx::fma_rn_bf16x2(ptx::lop3<0xEA>(q >> 4, kMask, kMagic), kOne, c0);
        b1[0] = ptx::fma_rn_bf16x2(ptx::lop3<0xEA>(q >> 8, kMask, kMagic), kOne, c1);
        b1[1] = ptx::fma_rn_bf16x2(ptx::lop3<0xEA>(q >> 12, kMask, kMagic), kOne, c1);
    } else {
        // 0x6400 is 1024.0 in F16 (10 fraction bits: ulp 1). The low nibble of a byte gives 1024 + n; the high one
        // 1024 + 16n, which an fma with 1/16 (0x2C00) brings to 64 + n. -(1024 + z) is 0xE400 | z and -(64 + z) is
        // 0xD400 | 16z (the ulp at 64 is 1/16).
        constexpr uint32_t kLow = 0x000F000Fu;
        constexpr uint32_t kHigh = 0x00F000F0u;
        constexpr uint32_t kMagic = 0x64006400u;
        constexpr uint32_t kOne = 0x3C003C00u;
        constexpr uint32_t kSixteenth = 0x2C002C00u;
        const uint32_t low0 = 0xE400E400u | (z0 * 0x00010001u);
        const uint32_t high0 = 0xD400D400u | (z0 * 0x00100010u);
        const uint32_t low1 = 0xE400E400u | (z1 * 0x00010001u);
        const uint32_t high1 = 0xD400D400u | (z1 * 0x00100010u);
        const uint32_t q2 = q >> 8;
        b0[0] = ptx::fma_rn_f16x2(ptx::lop3<0xEA>(q, kLow, kMagic), kOne, low0);
        b0[1] = ptx::fma_rn_f16x2(ptx::lop3<0xEA>(q, kHigh, kMagic), kSixteenth, high0);
        b1[0] = ptx::fma_rn_f16x2(ptx::lop3<0xEA>(q2, kLow, kMagic), kOne, low1);
        b1[1] = ptx::fma_rn_f16x2(ptx::lop3<0xEA>(q2, kHigh, kMagic), kSixteenth, high1);
    }
}

template <bool kBf16>
__device__ __forceinline__ void mma(float (&acc)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    if constexpr (kBf16) {
        ptx::mma_bf16_m16n8k16(acc, a, b);
    } else {
        ptx::mma_f16_m16n8k16(acc, a, b);
    }
}

// One block: rows [16 kMTiles blockIdx.x, +16 kMTiles), features [256 blockIdx.y, +256), the K steps of split
// blockIdx.z. The row blocks of one feature tile are neighbours in launch order, so that when x has many rows they
// run at the same time and read the tile's weights from HBM once, the others from L2.
// kGrouped: blockIdx.z is instead an expert, the rows are counted from the start of its segment, and K is not split.
template <bool kBf16, int kMTiles, bool kGrouped>
__global__ void gemm_wna16_kernel(const Params p) {
    constexpr int kBlockM = 16 * kMTiles;
    QRT_SHARED(uint32_t, weight_tiles, kStages * kWeightWordsPerStage);
    QRT_SHARED(uint16_t, x_tiles, kStages * kBlockM * kARow);
    QRT_SHARED(uint32_t, scale_tiles, kStages * kScaleWordsPerStage);
    QRT_SHARED(uint32_t, zero_tiles, kStages * kZeroWordsPerStage);
    QRT_SHARED(int, last_split, 1);

    const int lane = static_cast<int>(threadIdx.x % 32);
    const int warp = static_cast<int>(threadIdx.x / 32);
    const int g = lane / 4;
    const int t = lane % 4;
    const int n_tile = static_cast<int>(blockIdx.y) * kWarps + warp;  // this warp's 64-feature tile
    const bool warp_active = n_tile < p.n / wna16::kTileN;            // N need not be a multiple of 256
    // The block's segment of rows and its expert's weight: all of x and expert 0 when ungrouped. A grouped block reads
    // its segment from device memory (clamped into [0, m]: a decreasing pair is an empty segment) and, when its row
    // tile starts at or beyond the segment's end, exits before it reads any weight byte.
    const int expert = kGrouped ? static_cast<int>(blockIdx.z) : 0;
    int segment_begin = 0;
    int segment_end = p.m;
    if constexpr (kGrouped) {
        segment_begin = smaller(larger(p.expert_offsets[expert], 0), p.m);
        segment_end = smaller(larger(p.expert_offsets[expert + 1], 0), p.m);
    }
    const int m0 = segment_begin + static_cast<int>(blockIdx.x) * kBlockM;
    const int rows = smaller(kBlockM, segment_end - m0);
    if constexpr (kGrouped) {
        if (rows <= 0) return;  // the whole block, before any barrier
    }
    const int32_t* const weight = kGrouped ? p.weight + expert * p.weight_expert_stride : p.weight;
    const void* const scale_data =
        kGrouped ? static_cast<const char*>(p.scale) + expert * p.scale_expert_stride * (p.scale_dtype == QRT_DTYPE_F32 ? 4 : 2)
                 : p.scale;
    const int32_t* const zero = kGrouped && p.zero != nullptr ? p.zero + expert * p.zero_expert_stride : p.zero;
    const void* const bias =
        kGrouped && p.bias != nullptr
            ? static_cast<const char*>(p.bias) + expert * p.bias_expert_stride * (p.bias_dtype == QRT_DTYPE_F32 ? 4 : 2)
            : p.bias;
    const int split = kGrouped ? 0 : static_cast<int>(blockIdx.z);
    const int steps = p.k / kStepK;
    const int first_step = smaller(steps, split * p.units / p.splits * p.unit_steps);
    const int end_step = smaller(steps, (split + 1) * p.units / p.splits * p.unit_steps);
    const int scale_size = p.scale_dtype == QRT_DTYPE_F32 ? 4 : 2;

    // Rows of x beyond M are never copied: zero them once in every stage (their products land in rows of y that are
    // not written). The barrier before the first read of a stage orders these stores.
    for (int i = static_cast<int>(threadIdx.x); i < kStages * kBlockM * kARow; i += kThreads) {
        if ((i / kARow) % kBlockM >= rows) x_tiles[i] = 0;
    }

    auto group_starts = [&](int step) {
        return step == first_step || (p.group_size > 0 && (step * kStepK) % p.group_size == 0);
    };
    auto group_ends = [&](int step) {
        return step + 1 == end_step || (p.group_size > 0 && ((step + 1) * kStepK) % p.group_size == 0);
    };

    auto load_stage = [&](int step) {
        const int slot = step % kStages;
        const int k0 = step * kStepK;
        for (int chunk = static_cast<int>(threadIdx.x); chunk < rows * 4; chunk += kThreads) {
            const int row = chunk / 4;
            const int column = (chunk % 4) * 8;
            const auto* source = static_cast<const uint16_t*>(p.x) + (m0 + row) * p.x_stride + k0 + column;
            ptx::cp_async<16>(x_tiles + (slot * kBlockM + row) * kARow + column, source);
        }
        if (!warp_active) return;
        QRT_UNROLL
        for (int k16 = 0; k16 < 2; ++k16) {
            const int32_t* source = weight + static_cast<long long>(2 * step + k16) * 2 * p.n +
                                    static_cast<long long>(n_tile) * wna16::kWordsPerTile + 4 * lane;
            ptx::cp_async<16, ptx::CacheAt::L2EvictFirst>(
                weight_tiles + slot * kWeightWordsPerStage + (k16 * kWarps + warp) * wna16::kWordsPerTile + 4 * lane,
                source);
        }
        if (group_starts(step)) {
            const int group = p.group_size > 0 ? k0 / p.group_size : 0;
            const int chunks = wna16::kTileN * scale_size / 16;  // 8 (16-bit scales) or 16 (F32)
            if (lane < chunks) {
                const char* source = static_cast<const char*>(scale_data) +
                                     (static_cast<long long>(group) * p.n + n_tile * wna16::kTileN) * scale_size +
                                     16 * lane;
                ptx::cp_async<16>(shared_cast<char>(scale_tiles + slot * kScaleWordsPerStage + warp * wna16::kTileN) +
                                      16 * lane,
                                  source);
            }
            if (zero != nullptr && lane < 2) {
                const int32_t* source = zero + static_cast<long long>(group) * (p.n / 8) + n_tile * 8 + 4 * lane;
                ptx::cp_async<16>(zero_tiles + slot * kZeroWordsPerStage + warp * 8 + 4 * lane, source);
            }
        }
    };

    // acc: the block's result so far; group_sum: the current group's x·(n - z) sums, scaled into acc at its end.
    // Fragment [mt][i]: rows 16 mt + g (+8), columns 8i + 2t (+1) of the warp's 64 features.
    float acc[kMTiles][8][4] = {};
    float group_sum[kMTiles][8][4] = {};
    float scale[16] = {};
    uint32_t zero_word = 0x88888888u;

    for (int s = 0; s < kStages - 1; ++s) {
        if (first_step + s < end_step) load_stage(first_step + s);
        ptx::cp_async_commit_group();
    }
    for (int step = first_step; step < end_step; ++step) {
        ptx::cp_async_wait_group<kStages - 2>();
        // The step's copies of every thread have landed, and every warp has finished step - 1, whose slot the next
        // copies reuse.
        __syncthreads();
        if (step + kStages - 1 < end_step) load_stage(step + kStages - 1);
        ptx::cp_async_commit_group();
        if (!warp_active) continue;

        const int slot = step % kStages;
        if (group_starts(step)) {
            // The warp's scales sit at the start of its 256-byte part of the slot, 2 or 4 bytes per feature.
            const auto warp_scales = scale_tiles + slot * kScaleWordsPerStage + warp * wna16::kTileN;
            QRT_UNROLL
            for (int i = 0; i < 8; ++i) {
                QRT_UNROLL
                for (int e = 0; e < 2; ++e) {
                    const int column = 8 * i + 2 * t + e;
                    if (scale_size == 4) {
                        scale[2 * i + e] = __uint_as_float(warp_scales[column]);
                    } else {
                        const unsigned short bits = shared_cast<uint16_t>(warp_scales)[column];
                        scale[2 * i + e] = p.scale_dtype == QRT_DTYPE_F16 ? __half2float(__ushort_as_half(bits))
                                                                          : __bfloat162float(__ushort_as_bfloat16(bits));
                    }
                }
            }
            if (zero != nullptr) zero_word = zero_tiles[slot * kZeroWordsPerStage + warp * 8 + g];
        }
        QRT_UNROLL
        for (int k16 = 0; k16 < 2; ++k16) {
            uint32_t a[kMTiles][4];
            QRT_UNROLL
            for (int mt = 0; mt < kMTiles; ++mt) {
                // ldmatrix.x4: lane l addresses row l % 16, column 8 (l / 16) of the 16 x 16 tile: an A fragment.
                ptx::ldmatrix(a[mt], x_tiles + (slot * kBlockM + 16 * mt + lane % 16) * kARow + 16 * k16 + 8 * (lane / 16));
            }
            const uint4 words = ptx::ld_shared_v4(weight_tiles + slot * kWeightWordsPerStage +
                                                  (k16 * kWarps + warp) * wna16::kWordsPerTile + 4 * lane);
            const uint32_t word[4] = {words.x, words.y, words.z, words.w};
            QRT_UNROLL
            for (int j = 0; j < 4; ++j) {
                uint32_t b0[2];
                uint32_t b1[2];
                dequantize<kBf16>(word[j], (zero_word >> (8 * j)) & 0xFu, (zero_word >> (8 * j + 4)) & 0xFu, b0, b1);
                QRT_UNROLL
                for (int mt = 0; mt < kMTiles; ++mt) {
                    mma<kBf16>(group_sum[mt][2 * j], a[mt], b0);
                    mma<kBf16>(group_sum[mt][2 * j + 1], a[mt], b1);
                }
            }
        }
        if (group_ends(step)) {
            QRT_UNROLL
            for (int mt = 0; mt < kMTiles; ++mt) {
                QRT_UNROLL
                for (int i = 0; i < 8; ++i) {
                    QRT_UNROLL
                    for (int e = 0; e < 4; ++e) {
                        acc[mt][i][e] = fmaf(group_sum[mt][i][e], scale[2 * i + (e & 1)], acc[mt][i][e]);
                        group_sum[mt][i][e] = 0.0f;
                    }
                }
            }
        }
    }
    ptx::cp_async_wait_all();

    // Where each accumulator goes: rows m0 + 16 mt + g + 8 (e / 2), feature n0 + 8i + 2t + (e & 1).
    const int n0 = n_tile * wna16::kTileN;
    const int local_n0 = warp * wna16::kTileN;
    auto write_y = [&](int row, int column, float value) {
        if (bias != nullptr) value += load_float(bias, column, p.bias_dtype);
        store_float(p.y, static_cast<long long>(row) * p.y_stride + column, p.y_dtype, value);
    };
    // Calls store(row in the block, feature in the warp's tile, value) for each of the thread's accumulators.
    auto for_each_accumulator = [&](auto&& store) {
        QRT_UNROLL
        for (int mt = 0; mt < kMTiles; ++mt) {
            QRT_UNROLL
            for (int i = 0; i < 8; ++i) {
                QRT_UNROLL
                for (int e = 0; e < 4; ++e) {
                    const int row = 16 * mt + g + 8 * (e / 2);
                    if (row < rows) store(row, 8 * i + 2 * t + (e & 1), acc[mt][i][e]);
                }
            }
        }
    };

    if (p.splits == 1) {
        if (!warp_active) return;
        for_each_accumulator([&](int row, int feature, float value) { write_y(m0 + row, n0 + feature, value); });
        return;
    }

    // Split K: publish this split's partial tile [rows][256], then count it; the last to arrive reduces.
    const int tile = static_cast<int>(blockIdx.y * gridDim.x + blockIdx.x);
    float* partial_tiles = p.partials + static_cast<long long>(tile) * p.splits * kBlockM * kBlockN;
    if (warp_active) {
        float* mine = partial_tiles + static_cast<long long>(split) * kBlockM * kBlockN;
        for_each_accumulator([&](int row, int feature, float value) { mine[row * kBlockN + local_n0 + feature] = value; });
    }
    __threadfence();  // this thread's partials are visible to the whole GPU before the count says so
    __syncthreads();
    if (threadIdx.x == 0) last_split[0] = atomicAdd(p.counters + tile, 1) == p.splits - 1 ? 1 : 0;
    __syncthreads();
    if (last_split[0] == 0) return;
    __threadfence();  // every other split's partials are visible to this block's loads
    if (threadIdx.x == 0) p.counters[tile] = 0;  // the workspace is left zero-filled for the next call

    // The last block adds the partials of every split, its own included, in split order, four columns per thread at
    // a time: 16-byte L2 loads (.cg: the other blocks' stores are in L2, not in this multiprocessor's L1), issued
    // kBatch at a time so that their latencies overlap.
    constexpr int kBatch = 8;
    const int block_n0 = static_cast<int>(blockIdx.y) * kBlockN;
    for (int chunk = static_cast<int>(threadIdx.x); chunk < rows * (kBlockN / 4); chunk += kThreads) {
        const int row = chunk / (kBlockN / 4);
        const int column = 4 * (chunk % (kBlockN / 4));
        if (block_n0 + column >= p.n) continue;  // features of warps with no tile
        const float* first = partial_tiles + row * kBlockN + column;
        float sum[4] = {};
        for (int s0 = 0; s0 < p.splits; s0 += kBatch) {
            uint4 part[kBatch];
            QRT_UNROLL
            for (int b = 0; b < kBatch; ++b) {
                if (s0 + b < p.splits) part[b] = ptx::ld_global_cg_v4(first + static_cast<long long>(s0 + b) * kBlockM * kBlockN);
            }
            QRT_UNROLL
            for (int b = 0; b < kBatch; ++b) {
                if (s0 + b >= p.splits) break;
                const float value[4] = {__uint_as_float(part[b].x), __uint_as_float(part[b].y), __uint_as_float(part[b].z),
                                        __uint_as_float(part[b].w)};
                QRT_UNROLL
                for (int e = 0; e < 4; ++e) sum[e] = s0 + b == 0 ? value[e] : sum[e] + value[e];
            }
        }
        QRT_UNROLL
        for (int e = 0; e < 4; ++e) write_y(m0 + row, block_n0 + column + e, sum[e]);
    }
}

}  // namespace qrt::cuda::wna16_gemm
