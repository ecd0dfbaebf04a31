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
#include <algorithm>
#include <atomic>
#include <cstdint>

#include "core/dtype.h"
#include "core/stream.h"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_check.h"
#include "cuda/float_types.cuh"
#include "cuda/launch.cuh"
#include "cuda/ptx.cuh"
#include "cuda/shared.cuh"

namespace qrt::cuda {
namespace {

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
};

__device__ __forceinline__ int smaller(int a, int b) { return a < b ? a : b; }

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
template <bool kBf16, int kMTiles>
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
    const int m0 = static_cast<int>(blockIdx.x) * kBlockM;
    const int rows = smaller(kBlockM, p.m - m0);
    const int split = static_cast<int>(blockIdx.z);
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
            const int32_t* source = p.weight + static_cast<long long>(2 * step + k16) * 2 * p.n +
                                    static_cast<long long>(n_tile) * wna16::kWordsPerTile + 4 * lane;
            ptx::cp_async<16, ptx::CacheAt::L2EvictFirst>(
                weight_tiles + slot * kWeightWordsPerStage + (k16 * kWarps + warp) * wna16::kWordsPerTile + 4 * lane,
                source);
        }
        if (group_starts(step)) {
            const int group = p.group_size > 0 ? k0 / p.group_size : 0;
            const int chunks = wna16::kTileN * scale_size / 16;  // 8 (16-bit scales) or 16 (F32)
            if (lane < chunks) {
                const char* source = static_cast<const char*>(p.scale) +
                                     (static_cast<long long>(group) * p.n + n_tile * wna16::kTileN) * scale_size +
                                     16 * lane;
                ptx::cp_async<16>(shared_cast<char>(scale_tiles + slot * kScaleWordsPerStage + warp * wna16::kTileN) +
                                      16 * lane,
                                  source);
            }
            if (p.zero != nullptr && lane < 2) {
                const int32_t* source = p.zero + static_cast<long long>(group) * (p.n / 8) + n_tile * 8 + 4 * lane;
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
            if (p.zero != nullptr) zero_word = zero_tiles[slot * kZeroWordsPerStage + warp * 8 + g];
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
        if (p.bias != nullptr) value += load_float(p.bias, column, p.bias_dtype);
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

// The multiprocessors of a device, read once per ordinal (cudaGetDeviceProperties is slow).
int multiprocessors(int ordinal) {
    static std::atomic<int> cached[64] = {};
    if (ordinal >= 0 && ordinal < 64) {
        const int known = cached[ordinal].load(std::memory_order_relaxed);
        if (known > 0) return known;
    }
    cudaDeviceProp properties{};
    check_cuda(cudaGetDeviceProperties(&properties, ordinal), "qrt_gemm_wna16_repacked: cudaGetDeviceProperties");
    const int count = std::max(1, properties.multiProcessorCount);
    if (ordinal >= 0 && ordinal < 64) cached[ordinal].store(count, std::memory_order_relaxed);
    return count;
}

// The grid of one call: tiles of 16 or 32 rows by 256 features, and the splits of K.
struct Plan {
    int m_tiles_per_block = 1;  // 1 or 2 m16 tiles
    int m_blocks = 0;
    int n_blocks = 0;
    int unit_steps = 1;
    int units = 0;
    int splits = 1;

    size_t counter_bytes() const { return (static_cast<size_t>(m_blocks) * n_blocks * sizeof(int) + 255) / 256 * 256; }
    size_t workspace_bytes() const {
        if (splits <= 1) return 0;
        return counter_bytes() + static_cast<size_t>(m_blocks) * n_blocks * splits * (16 * m_tiles_per_block) *
                                     kBlockN * sizeof(float);
    }
};

Plan plan_for(int sms, int64_t m, int64_t n, int64_t k, int64_t group_size, size_t workspace_bytes) {
    Plan plan;
    plan.m_tiles_per_block = m <= 16 ? 1 : 2;
    plan.m_blocks = static_cast<int>((m + 16 * plan.m_tiles_per_block - 1) / (16 * plan.m_tiles_per_block));
    plan.n_blocks = static_cast<int>((n + kBlockN - 1) / kBlockN);
    const int64_t steps = k / kStepK;
    const int64_t blocks = static_cast<int64_t>(plan.m_blocks) * plan.n_blocks;
    plan.units = static_cast<int>(steps);
    if (blocks == 0 || steps == 0) return plan;
    // As many splits as keep the grid within one wave of kTargetBlocksPerSm blocks per multiprocessor (a second,
    // partly filled wave would cost as much as the first), but at least four steps per split so that the pipeline
    // has something to overlap.
    const int64_t wanted = std::max<int64_t>(1, static_cast<int64_t>(kTargetBlocksPerSm) * sms / blocks);
    const int64_t most = std::max<int64_t>(1, steps / 4);
    plan.splits = static_cast<int>(std::min(wanted, most));
    while (plan.splits > 1 && plan.workspace_bytes() > workspace_bytes) --plan.splits;  // a smaller workspace
    // Split on group boundaries when the groups share out evenly, so that each group's scales are read by one block;
    // otherwise on 32-column steps, which balances the blocks' work at the price of reading the scales of a group
    // that two splits share twice.
    const int64_t group_steps = group_size > 0 ? group_size / kStepK : 0;
    if (group_steps > 0 && steps % group_steps == 0 && (steps / group_steps) % plan.splits == 0) {
        plan.unit_steps = static_cast<int>(group_steps);
        plan.units = static_cast<int>(steps / group_steps);
    }
    return plan;
}

template <bool kBf16>
void launch(cudaStream_t stream, const Plan& plan, const Params& params) {
    LaunchShape shape;
    shape.grid = dim3(static_cast<unsigned>(plan.m_blocks), static_cast<unsigned>(plan.n_blocks),
                      static_cast<unsigned>(plan.splits));
    shape.block = dim3(kThreads);
    if (plan.m_tiles_per_block == 1) {
        QRT_LAUNCH((gemm_wna16_kernel<kBf16, 1>), shape, stream, params);
    } else {
        QRT_LAUNCH((gemm_wna16_kernel<kBf16, 2>), shape, stream, params);
    }
}

}  // namespace

size_t gemm_wna16_repacked_workspace_bytes(int ordinal, int64_t max_rows, int64_t n, int64_t k) {
    DeviceScope scope(ordinal);
    const int sms = multiprocessors(ordinal);
    // The plan depends on the rows only through the row blocks (one of 16 rows, or 32-row blocks), and on the group
    // size only through how many units K splits into, which is largest for 32-column groups: take the largest
    // workspace over every count of row blocks up to max_rows'.
    if (max_rows <= 0) return 0;
    size_t bytes = plan_for(sms, std::min<int64_t>(max_rows, 16), n, k, kStepK, SIZE_MAX).workspace_bytes();
    for (int64_t rows = 32; rows - 32 < max_rows && rows > 16; rows += 32) {
        const Plan plan = plan_for(sms, std::min(rows, max_rows), n, k, kStepK, SIZE_MAX);
        if (plan.splits <= 1) break;  // more rows only make more blocks: no split from here on
        bytes = std::max(bytes, plan.workspace_bytes());
    }
    return bytes;
}

void gemm_wna16_repacked(const qrt_stream* stream, const RowsView& x, const wna16::RepackedInt4& w,
                         const ScaleVector& bias, void* workspace, size_t workspace_bytes, const RowsView& y) {
    constexpr const char* op = "qrt_gemm_wna16_repacked";
    if (x.rows == 0 || w.n == 0) return;
    // Features are the grid's y extent in blocks of 256 (at most 65535 blocks); indices inside the kernel are int.
    if (x.rows > 0x7FFFFFFF || w.n > 65535LL * kBlockN || w.k > 0x7FFFFFFF) {
        throw Error(QRT_STATUS_UNSUPPORTED, concat(op, ": argument 'repacked_weight': N = ", w.n, ", K = ", w.k, ", M = ",
                                                   x.rows, ": the CUDA kernel takes N up to ", 65535LL * kBlockN,
                                                   " and M, K up to 2^31 - 1"));
    }
    DeviceScope scope(stream->device.ordinal);
    const int sms = multiprocessors(stream->device.ordinal);
    const Plan plan = plan_for(sms, x.rows, w.n, w.k, w.group_size, workspace == nullptr ? 0 : workspace_bytes);

    Params params{};
    params.x = x.data;
    params.x_stride = x.row_stride;
    params.weight = static_cast<const int32_t*>(w.weight.data);
    params.scale = w.scale.data;
    params.scale_dtype = w.scale.dtype;
    params.zero = w.zero_point ? static_cast<const int32_t*>(w.zero_point->data) : nullptr;
    params.bias = bias.count > 0 ? bias.data : nullptr;
    params.bias_dtype = bias.dtype;
    params.y = y.data;
    params.y_stride = y.row_stride;
    params.y_dtype = y.dtype;
    params.m = static_cast<int>(x.rows);
    params.n = static_cast<int>(w.n);
    params.k = static_cast<int>(w.k);
    params.group_size = static_cast<int>(w.group_size);
    params.splits = plan.splits;
    params.unit_steps = plan.unit_steps;
    params.units = plan.units;
    if (plan.splits > 1) {
        params.counters = static_cast<int*>(workspace);
        params.partials = reinterpret_cast<float*>(static_cast<char*>(workspace) + plan.counter_bytes());
    }
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    if (x.dtype == QRT_DTYPE_BF16) {
        launch<true>(cuda_stream, plan, params);
    } else {
        launch<false>(cuda_stream, plan, params);
    }
    check_cuda(cudaGetLastError(), concat(op, ": kernel launch"));
}

}  // namespace qrt::cuda
