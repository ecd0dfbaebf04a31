// The tensor-core attention kernel for F16/BF16 operands with head dims 64 and 128 (attention.cu picks
// it): FlashAttention-2's schedule. A block of four warps owns 64 query rows, 16 per warp, kept in shared
// memory. Key and value tiles of 64 rows stream through shared memory with
// cp.async, the next tile loading while the warps work on the current one. Per tile each warp computes
// S = Q·Kᵀ (m16n8k16 mma, FP32 accumulators), masks and scales it, updates its rows' running maximum and
// total weight (online softmax in FP32, the accumulated output rescaled when the maximum grows), rounds
// the weights P to the input dtype, as the mma needs, and adds P·V (V read with ldmatrix.trans). The
// total weight sums the unrounded P, so each weight of the result carries one rounding of the input
// dtype: a relative error of at most 2^-8 (BF16) or 2^-11 (F16) per term of Σ p·v.
//
// The heads of a query group read the same keys and values, so a block packs them: its 64 rows are
// (token, head) pairs of one key/value head j, row m being token m / G of query head j·G + m % G (G query
// heads per key/value head), and each key/value tile it loads serves all G heads.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "cuda/attention_mask.cuh"
#include "cuda/block_reduce.cuh"
#include "cuda/cuda_check.h"
#include "cuda/float_types.cuh"
#include "cuda/launch.cuh"
#include "cuda/ptx.cuh"
#include "cuda/shared.cuh"

namespace qrt::cuda::mma_attention {

constexpr int kWarps = 4;
constexpr int kThreads = 32 * kWarps;
constexpr int kBlockQueries = 16 * kWarps;
constexpr int kBlockKeys = 64;
constexpr int kStages = 2;
// The query tile and the key/value tiles share one row count (Layout).
static_assert(kBlockQueries == kBlockKeys, "the query tile and the key/value tiles have one shape");

// Shared memory in 16-bit elements: the query tile, then kStages key tiles and kStages value tiles, all
// kBlockKeys (= kBlockQueries) rows. Rows are padded by 16 bytes, so the eight rows one ldmatrix reads
// start 4 banks apart and never share a bank.
template <int Dim>
struct Layout {
    static constexpr int kRow = Dim + 8;
    static constexpr int kTile = kBlockKeys * kRow;
    static constexpr int kQuery = 0;
    static constexpr int kKeys = kBlockQueries * kRow;
    static constexpr int kValues = kKeys + kStages * kTile;
    static constexpr int kBytes = 2 * (kValues + kStages * kTile);
};

template <class T>
__device__ __forceinline__ void mma(float (&acc)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]);
template <>
__device__ __forceinline__ void mma<__half>(float (&acc)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    ptx::mma_f16_m16n8k16(acc, a, b);
}
template <>
__device__ __forceinline__ void mma<__nv_bfloat16>(float (&acc)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    ptx::mma_bf16_m16n8k16(acc, a, b);
}

__device__ __forceinline__ uint32_t bits_of(__half value) { return __half_as_ushort(value); }
__device__ __forceinline__ uint32_t bits_of(__nv_bfloat16 value) { return __bfloat16_as_ushort(value); }

// Two weights rounded to T in one register, the lower-indexed one in the low half.
template <class T>
__device__ __forceinline__ uint32_t pack(float low, float high) {
    return bits_of(from_float<T>(low)) | (bits_of(from_float<T>(high)) << 16);
}

// Starts copying key or value rows [first, first + 64) of one head into the tile at `tile`; rows at or past
// `limit` are filled with zeros and read nothing.
template <class T, int Dim>
__device__ __forceinline__ void load_tile(uint32_t tile, Heads<const T> source, long long head, long long first,
                                          long long limit, int tid) {
    constexpr int kPieces = Dim * 2 / 16;  // 16-byte pieces of a row
    QRT_UNROLL
    for (int i = 0; i < kBlockKeys * kPieces / kThreads; ++i) {
        const int c = tid + i * kThreads;
        const int r = c / kPieces;
        const int piece = c % kPieces;
        const long long token = first + r;
        const bool inside = token < limit;
        const T* from = inside ? source.row(token, head) + piece * 8 : source.data;
        ptx::cp_async_zfill<16>(tile + static_cast<uint32_t>((r * Layout<Dim>::kRow + piece * 8) * 2), from,
                                inside ? 16u : 0u);
    }
}

// The first tile at or after key0 that some row of the block sees, or last_key when none is left. Thread
// r < kBlockQueries holds row r's keys [begin, end); the vote is a barrier, so every thread gets the same
// answer (and a loop over the 64 rows, unrolled, would hold them all in registers).
__device__ __forceinline__ long long next_tile(long long begin, long long end, long long key0, long long last_key) {
    const bool mine = begin < end;
    while (key0 < last_key && !__syncthreads_or(mine && begin < key0 + kBlockKeys && end > key0)) key0 += kBlockKeys;
    return key0 < last_key ? key0 : last_key;
}

template <class T, int Dim>
__global__ void attention_mma_kernel(Heads<const T> q, Heads<const T> k, Heads<const T> v, Heads<T> out,
                                     MaskParams mask, float scale, int query_count, int key_count, int head_group) {
    using L = Layout<Dim>;
    constexpr int kKeySteps = Dim / 16;          // k-steps of S = Q·Kᵀ
    constexpr int kKeyColumns = kBlockKeys / 8;  // n-tiles of S
    constexpr int kValueColumns = Dim / 8;       // n-tiles of O
    QRT_DYNAMIC_SHARED(uint4, shared);           // L::kBytes
    QRT_SHARED(int, row_begin, kBlockQueries);
    QRT_SHARED(int, row_end, kBlockQueries);
    const uint32_t base = ptx::SharedAddress(shared).value;
    const uint32_t query_tile = base + 2 * L::kQuery;

    const int tid = static_cast<int>(threadIdx.x);
    const int warp = tid / 32;
    const int lane = tid % 32;
    const int g = lane >> 2;
    const int t = lane & 3;
    const long long kv_head = blockIdx.y;
    const long long row0 = static_cast<long long>(blockIdx.x) * kBlockQueries;  // packed (token, head) rows

    // The query tile: packed row r is token (row0 + r) / G of query head kv_head·G + (row0 + r) % G; rows
    // past the last token are zeros.
    {
        constexpr int kPieces = Dim * 2 / 16;
        QRT_UNROLL
        for (int i = 0; i < kBlockQueries * kPieces / kThreads; ++i) {
            const int c = tid + i * kThreads;
            const int r = c / kPieces;
            const int piece = c % kPieces;
            const long long token = (row0 + r) / head_group;
            const long long head = kv_head * head_group + (row0 + r) % head_group;
            const bool inside = token < query_count;
            const T* from = inside ? q.row(token, head) + piece * 8 : q.data;
            ptx::cp_async_zfill<16>(query_tile + static_cast<uint32_t>((r * L::kRow + piece * 8) * 2), from,
                                    inside ? 16u : 0u);
        }
    }
    ptx::cp_async_commit_group();
    long long my_begin = 0;
    long long my_end = 0;
    if (tid < kBlockQueries) {
        const long long token = (row0 + tid) / head_group;
        if (token < query_count) visible_keys(mask, token, query_count, key_count, my_begin, my_end);
        row_begin[tid] = static_cast<int>(my_begin);
        row_end[tid] = static_cast<int>(my_end);
    }
    __syncthreads();

    long long first_key = key_count;
    long long last_key = 0;
    for (int r = 0; r < kBlockQueries; ++r) {
        const long long begin = row_begin[r];
        const long long end = row_end[r];
        if (begin < end) {
            first_key = begin < first_key ? begin : first_key;
            last_key = end > last_key ? end : last_key;
        }
    }
    const uint32_t key_tiles = base + 2 * L::kKeys;
    const uint32_t value_tiles = base + 2 * L::kValues;
    long long tile = next_tile(my_begin, my_end, first_key, last_key);
    if (tile < last_key) {
        load_tile<T, Dim>(key_tiles, k, kv_head, tile, last_key, tid);
        load_tile<T, Dim>(value_tiles, v, kv_head, tile, last_key, tid);
    }
    ptx::cp_async_commit_group();
    ptx::cp_async_wait_group<0>();
    __syncthreads();

    // This lane's two rows: g and g + 8 of the warp's 16.
    long long begin[2];
    long long end[2];
    QRT_UNROLL
    for (int h = 0; h < 2; ++h) {
        begin[h] = row_begin[warp * 16 + g + 8 * h];
        end[h] = row_end[warp * 16 + g + 8 * h];
    }

    float o[kValueColumns][4];
    QRT_UNROLL
    for (int n = 0; n < kValueColumns; ++n) {
        QRT_UNROLL
        for (int i = 0; i < 4; ++i) o[n][i] = 0.0f;
    }
    float largest[2] = {-INFINITY, -INFINITY};
    float total[2] = {0.0f, 0.0f};  // this lane's share of its rows' total weight

    int stage = 0;
    while (tile < last_key) {
        const long long next = next_tile(my_begin, my_end, tile + kBlockKeys, last_key);
        if (next < last_key) {
            load_tile<T, Dim>(key_tiles + 2 * (stage ^ 1) * L::kTile, k, kv_head, next, last_key, tid);
            load_tile<T, Dim>(value_tiles + 2 * (stage ^ 1) * L::kTile, v, kv_head, next, last_key, tid);
        }
        ptx::cp_async_commit_group();
        ptx::cp_async_wait_group<1>();  // the current tile's copies, not the next one's
        __syncthreads();
        const uint32_t keys = key_tiles + 2 * stage * L::kTile;
        const uint32_t values = value_tiles + 2 * stage * L::kTile;

        // S = Q·Kᵀ by k-steps of 16 dims, two at a time: the warp's Q rows as A fragments, reloaded from
        // shared memory per tile rather than held (registers go to S and O), and for each n-tile of 8 keys
        // one ldmatrix.x4 giving the B fragments of both k-steps.
        float s[kKeyColumns][4];
        QRT_UNROLL
        for (int n = 0; n < kKeyColumns; ++n) {
            QRT_UNROLL
            for (int i = 0; i < 4; ++i) s[n][i] = 0.0f;
        }
        QRT_UNROLL
        for (int s2 = 0; s2 < kKeySteps / 2; ++s2) {
            uint32_t qa[4];
            uint32_t qb[4];
            const uint32_t q_row =
                query_tile + static_cast<uint32_t>(((warp * 16 + lane % 16) * L::kRow + s2 * 32 + 8 * (lane / 16)) * 2);
            ptx::ldmatrix<4>(qa, q_row);
            ptx::ldmatrix<4>(qb, q_row + 32);
            QRT_UNROLL
            for (int n = 0; n < kKeyColumns; ++n) {
                uint32_t b[4];
                ptx::ldmatrix<4>(
                    b, keys + static_cast<uint32_t>(((n * 8 + lane % 8) * L::kRow + s2 * 32 + 8 * (lane / 8)) * 2));
                const uint32_t b0[2] = {b[0], b[1]};
                const uint32_t b1[2] = {b[2], b[3]};
                mma<T>(s[n], qa, b0);
                mma<T>(s[n], qb, b1);
            }
        }

        // Scale and mask: s[n][i] is row g + 8·(i / 2), key tile + n·8 + 2t + i % 2. The row's visible keys
        // as offsets into the tile, clamped to [0, kBlockKeys], so the comparisons are 32-bit.
        int tile_begin[2];
        int tile_end[2];
        QRT_UNROLL
        for (int h = 0; h < 2; ++h) {
            const long long from = begin[h] - tile;
            const long long to = end[h] - tile;
            tile_begin[h] = static_cast<int>(from < 0 ? 0 : (from > kBlockKeys ? kBlockKeys : from));
            tile_end[h] = static_cast<int>(to < 0 ? 0 : (to > kBlockKeys ? kBlockKeys : to));
        }
        float tile_max[2] = {-INFINITY, -INFINITY};
        QRT_UNROLL
        for (int n = 0; n < kKeyColumns; ++n) {
            QRT_UNROLL
            for (int i = 0; i < 4; ++i) {
                const int h = i / 2;
                const int key = n * 8 + 2 * t + i % 2;
                s[n][i] = key >= tile_begin[h] && key < tile_end[h] ? s[n][i] * scale : -INFINITY;
                tile_max[h] = s[n][i] > tile_max[h] ? s[n][i] : tile_max[h];
            }
        }
        // The four lanes of a group hold one row's 64 scores.
        float rescale[2];
        QRT_UNROLL
        for (int h = 0; h < 2; ++h) {
            tile_max[h] = fmaxf(tile_max[h], __shfl_xor_sync(kFullWarpMask, tile_max[h], 1));
            tile_max[h] = fmaxf(tile_max[h], __shfl_xor_sync(kFullWarpMask, tile_max[h], 2));
            const float new_max = tile_max[h] > largest[h] ? tile_max[h] : largest[h];
            // A row that has seen no key keeps -inf: weights 0 and rescale 1, never exp(-inf - -inf).
            rescale[h] = largest[h] == -INFINITY ? 1.0f : expf(largest[h] - new_max);
            largest[h] = new_max;
            total[h] *= rescale[h];
        }
        QRT_UNROLL
        for (int n = 0; n < kKeyColumns; ++n) {
            QRT_UNROLL
            for (int i = 0; i < 4; ++i) {
                const int h = i / 2;
                s[n][i] = s[n][i] == -INFINITY ? 0.0f : expf(s[n][i] - largest[h]);
                total[h] += s[n][i];
            }
        }
        QRT_UNROLL
        for (int n = 0; n < kValueColumns; ++n) {
            QRT_UNROLL
            for (int i = 0; i < 4; ++i) o[n][i] *= rescale[i / 2];
        }

        // O += P·V over k-steps of 16 keys: P's A fragment is the S accumulators of n-tiles 2j and 2j + 1,
        // rounded to T; one ldmatrix.x4.trans gives the B fragments of two n-tiles of V.
        QRT_UNROLL
        for (int j = 0; j < kBlockKeys / 16; ++j) {
            const uint32_t p[4] = {pack<T>(s[2 * j][0], s[2 * j][1]), pack<T>(s[2 * j][2], s[2 * j][3]),
                                   pack<T>(s[2 * j + 1][0], s[2 * j + 1][1]),
                                   pack<T>(s[2 * j + 1][2], s[2 * j + 1][3])};
            QRT_UNROLL
            for (int n2 = 0; n2 < kValueColumns / 2; ++n2) {
                uint32_t b[4];
                ptx::ldmatrix_trans<4>(
                    b, values +
                           static_cast<uint32_t>(
                               ((j * 16 + lane % 8 + 8 * ((lane / 8) % 2)) * L::kRow + n2 * 16 + 8 * (lane / 16)) * 2));
                const uint32_t b0[2] = {b[0], b[1]};
                const uint32_t b1[2] = {b[2], b[3]};
                mma<T>(o[2 * n2], p, b0);
                mma<T>(o[2 * n2 + 1], p, b1);
            }
        }
        // The next iteration's copies overwrite the tiles read above.
        __syncthreads();
        stage ^= 1;
        tile = next;
    }
    ptx::cp_async_wait_all();

    // A row that saw no key (total 0) gets zeros, as on the CPU.
    QRT_UNROLL
    for (int h = 0; h < 2; ++h) {
        total[h] += __shfl_xor_sync(kFullWarpMask, total[h], 1);
        total[h] += __shfl_xor_sync(kFullWarpMask, total[h], 2);
    }
    QRT_UNROLL
    for (int h = 0; h < 2; ++h) {
        const long long packed = row0 + warp * 16 + g + 8 * h;
        const long long query = packed / head_group;
        if (query < query_count) {
            T* row = out.row(query, kv_head * head_group + packed % head_group);
            QRT_UNROLL
            for (int n = 0; n < kValueColumns; ++n) {
                QRT_UNROLL
                for (int i = 0; i < 2; ++i) {
                    row[n * 8 + 2 * t + i] = from_float<T>(total[h] > 0.0f ? o[n][2 * h + i] / total[h] : 0.0f);
                }
            }
        }
    }
}

// Whether the operand suits the 16-byte copies of the kernel: an aligned start and strides of whole 16-byte
// pieces.
inline bool copyable(const HeadsView& view) {
    return reinterpret_cast<uintptr_t>(view.data) % 16 == 0 && view.token_stride % 8 == 0 && view.head_stride % 8 == 0;
}

template <class T, int Dim>
void launch(Heads<const T> q, Heads<const T> k, Heads<const T> v, Heads<T> out, const MaskParams& mask, float scale,
            int query_count, int key_count, int query_heads, int head_group, cudaStream_t stream) {
    constexpr int kBytes = Layout<Dim>::kBytes;
    if constexpr (kBytes > 48 * 1024) {
        check_cuda(
            cudaFuncSetAttribute(attention_mma_kernel<T, Dim>, cudaFuncAttributeMaxDynamicSharedMemorySize, kBytes),
            "cudaFuncSetAttribute (shared memory of the attention kernel)");
    }
    LaunchShape shape;
    const long long rows = static_cast<long long>(query_count) * head_group;
    shape.grid = dim3(static_cast<unsigned>((rows + kBlockQueries - 1) / kBlockQueries),
                      static_cast<unsigned>(query_heads / head_group));
    shape.block = dim3(kThreads);
    shape.dynamic_shared_bytes = kBytes;
    QRT_LAUNCH((attention_mma_kernel<T, Dim>), shape, stream, q, k, v, out, mask, scale, query_count, key_count,
               head_group);
}

}  // namespace qrt::cuda::mma_attention
