// The GEMM kernel template every linear-layer family instantiates (main loop from gemm_tiles.cuh, a policy from
// gemm_policies.cuh), its epilogue, the tile configurations, and the host-side launch and argument checks.
//
// Epilogue. It performs the CPU op's output stage (cpu/gemm_panel.h GemmOutput::store) operation for operation:
//   value = (row_scale[m] · col_scale[n]) · acc[m][n], then value + bias[n], rounded once to y's dtype,
// with absent scales as 1 and every product and sum a separately rounded FP32 operation (__fmul_rn / __fadd_rn: nvcc
// never contracts those into an FMA). For INT8, acc is the exact integer Σ a·w − zero_point · Σ w converted to FP32 by
// rounding to nearest, as the CPU op converts its int64 total; the CUDA result is then bit-identical to the CPU op's.
// Scales and bias are read with the dtype given at run time (F32, F16 or BF16), so one kernel serves every mix.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <atomic>
#include <cstdint>

#include "core/dtype.h"
#include "core/error.h"
#include "core/stream.h"
#include "cuda/cuda_check.h"
#include "cuda/gemm_policies.cuh"
#include "cuda/gemm_tiles.cuh"
#include "cuda/launch.cuh"
#include "cuda/shared.cuh"

namespace qrt::cuda::tiled {

// A vector of float values in F32, F16 or BF16 (null: absent), with one element broadcast when count is 1.
struct FloatVectorArg {
    const void* data = nullptr;
    qrt_dtype dtype = QRT_DTYPE_F32;
    long long count = 0;
};

// The grouped (expert) form of a launch (qrt_gemm_grouped and its quantized forms): blockIdx.z is the expert e, the
// rows of A and y are the segment [offsets[e], offsets[e + 1]) of rows sorted by expert (the offsets read from device
// memory and clamped into [0, m]), and the weight, scales, bias and zero point move to expert e's by the strides
// below (0: shared by every expert). A row scale with m elements (per token) is indexed by the row itself.
struct ExpertGroups {
    const int32_t* offsets;   // [experts + 1]; null: not grouped
    int experts;
    long long w_stride_bytes;
    long long row_scale_stride;  // elements between experts' values
    long long col_scale_stride;
    long long bias_stride;
    long long zero_point_stride;
};

struct GemmParams {
    GlobalRows a;
    GlobalRows w;
    void* y;
    qrt_dtype y_dtype;
    long long y_stride;  // elements
    int m;
    int n;
    FloatVectorArg row_scale;
    FloatVectorArg col_scale;
    FloatVectorArg bias;
    const int32_t* zero_point;  // INT8 only; null: none
    ExpertGroups groups;        // read only by the grouped kernel
};

__device__ __forceinline__ float load_float(const FloatVectorArg& vector, long long index, float absent) {
    if (vector.data == nullptr) return absent;
    const long long i = vector.count == 1 ? 0 : index;
    switch (vector.dtype) {
        case QRT_DTYPE_F16: return __half2float(static_cast<const __half*>(vector.data)[i]);
        case QRT_DTYPE_BF16: return __bfloat162float(static_cast<const __nv_bfloat16*>(vector.data)[i]);
        default: return static_cast<const float*>(vector.data)[i];
    }
}

__device__ __forceinline__ void store_float(void* data, qrt_dtype dtype, long long index, float value) {
    switch (dtype) {
        case QRT_DTYPE_F16: static_cast<__half*>(data)[index] = __float2half_rn(value); return;
        case QRT_DTYPE_BF16: static_cast<__nv_bfloat16*>(data)[index] = __float2bfloat16_rn(value); return;
        default: static_cast<float*>(data)[index] = value; return;
    }
}

// The accumulator as FP32: float as is; int32 with the zero-point correction done exactly in 64 bits first.
__device__ __forceinline__ float accumulated_value(float acc, int32_t, long long) { return acc; }
__device__ __forceinline__ float accumulated_value(int32_t acc, int32_t column_sum, long long zero_point) {
    return static_cast<float>(static_cast<long long>(acc) - zero_point * static_cast<long long>(column_sum));
}

// A float vector moved by `elements` of its dtype.
__device__ __forceinline__ FloatVectorArg moved(FloatVectorArg vector, long long elements) {
    if (vector.data != nullptr) {
        const long long size = vector.dtype == QRT_DTYPE_F32 ? 4 : 2;
        vector.data = static_cast<const char*>(vector.data) + elements * size;
    }
    return vector;
}

// Narrows params to the expert of this block (blockIdx.z) and its segment of rows: block_m0 becomes the tile's first
// row, the rows of A and y end at the segment's end (the main loop zero-fills rows past it and the epilogue stores
// none), and the weight, scales, bias and zero point move to the expert's. Returns false when the tile lies beyond
// the segment (an empty or decreasing pair of offsets included): the block then reads nothing and writes nothing.
__device__ __forceinline__ bool select_expert_segment(GemmParams& params, int& block_m0) {
    const ExpertGroups& groups = params.groups;
    const int expert = static_cast<int>(blockIdx.z);
    const long long rows = params.m;
    auto clamped = [rows](int32_t offset) {
        return offset < 0 ? 0LL : (offset > rows ? rows : static_cast<long long>(offset));
    };
    const long long begin = clamped(groups.offsets[expert]);
    const long long end = clamped(groups.offsets[expert + 1]);
    const long long first = begin + static_cast<long long>(block_m0);
    if (first >= end) return false;
    block_m0 = static_cast<int>(first);
    params.m = static_cast<int>(end);
    params.a.rows = static_cast<int>(end);
    params.w.data += expert * groups.w_stride_bytes;
    params.row_scale = moved(params.row_scale, expert * groups.row_scale_stride);
    params.col_scale = moved(params.col_scale, expert * groups.col_scale_stride);
    params.bias = moved(params.bias, expert * groups.bias_stride);
    if (params.zero_point != nullptr) params.zero_point += expert * groups.zero_point_stride;
    return true;
}

// kGrouped: the grouped form (ExpertGroups); the ungrouped kernel compiles without it.
template <class Policy, class Config, bool kGrouped = false>
__global__ void gemm_kernel(GemmParams params) {
    using Loop = MainLoop<Policy, Config>;
    QRT_DYNAMIC_SHARED(uint4, shared);  // Loop::kSharedBytes
    int block_m0 = static_cast<int>(blockIdx.y) * Config::kBlockM;
    const int block_n0 = static_cast<int>(blockIdx.x) * Config::kBlockN;
    if constexpr (kGrouped) {
        if (!select_expert_segment(params, block_m0)) return;  // uniform across the block: before any barrier
    }
    const long long zero_point = params.zero_point != nullptr ? *params.zero_point : 0;

    typename Loop::Accumulators acc;
    Loop::run(acc, ptx::SharedAddress(shared).value, params.a, params.w, block_m0, block_n0, zero_point != 0);

    const int warp = static_cast<int>(threadIdx.x) / 32;
    if (warp % Config::kWarpsK != 0) return;  // its partial sums went to the first warp of its group
    const int warp_n = (warp / Config::kWarpsK) % Config::kWarpsN;
    const int warp_m = warp / (Config::kWarpsK * Config::kWarpsN);
    const int lane = static_cast<int>(threadIdx.x) % 32;
    const int g = lane / 4;
    const int t = lane % 4;
    // acc[i][j] = D[g][2t], D[g][2t+1], D[g+8][2t], D[g+8][2t+1] of mma tile (i, j); acc[kTilesM][j] holds column sums.
    QRT_UNROLL
    for (int i = 0; i < Config::kTilesM; ++i) {
        QRT_UNROLL
        for (int half = 0; half < 2; ++half) {
            const int row = block_m0 + warp_m * 16 * Config::kTilesM + 16 * i + g + 8 * half;
            if (row >= params.m) continue;
            const float row_scale = load_float(params.row_scale, row, 1.0f);
            QRT_UNROLL
            for (int j = 0; j < Config::kTilesN; ++j) {
                QRT_UNROLL
                for (int c = 0; c < 2; ++c) {
                    const int column = block_n0 + warp_n * 8 * Config::kTilesN + 8 * j + 2 * t + c;
                    if (column >= params.n) continue;
                    int32_t column_sum = 0;
                    if constexpr (Policy::kColumnSums) column_sum = acc[Config::kTilesM][j][c];
                    const float value = accumulated_value(acc[i][j][2 * half + c], column_sum, zero_point);
                    const float scale = __fmul_rn(row_scale, load_float(params.col_scale, column, 1.0f));
                    float out = __fmul_rn(scale, value);
                    if (params.bias.data != nullptr) out = __fadd_rn(out, load_float(params.bias, column, 0.0f));
                    store_float(params.y, params.y_dtype, row * params.y_stride + column, out);
                }
            }
        }
    }
}

// As many stages of stage_bytes as fit in budget_bytes, at most max_stages.
constexpr int stages_for(int stage_bytes, int budget_bytes, int max_stages) {
    return budget_bytes / stage_bytes < max_stages ? budget_bytes / stage_bytes : max_stages;
}

// Decode (M <= 16): one 16-row tile, four warps splitting K, BN = 32; each warp takes 64 bytes of every weight row
// per stage. The call streams the weight once and does little arithmetic, so its speed is the bytes in flight per SM:
// up to 8 stages in 96 KiB keep 7 x 8 KiB of weights in flight per block (about 2.3 x what an H100 SM needs to cover
// ~1 µs of memory latency at 1/132 of 3 TB/s), and two blocks still fit an SM.
template <class Policy>
struct SmallMConfig {
    static constexpr int kKPerWarp = 64 / static_cast<int>(sizeof(typename Policy::W));
    static constexpr int kStageBytes = (16 * static_cast<int>(sizeof(typename Policy::A)) +
                                        32 * static_cast<int>(sizeof(typename Policy::W))) *
                                       kKPerWarp * 4;
    using type = TileConfig<1, 1, 4, 1, 4, kKPerWarp, stages_for(kStageBytes, 96 * 1024, 8)>;
};

// Up to M = 64: 64 x 32 blocks, one warp along M and N, four warps (two for 16-bit activations) splitting K, each with
// 4 x 4 mma tiles: still N / 32 blocks for a layer, enough to fill an H100 at batch sizes that stay memory-bound,
// and 128-byte rows of the activations per stage.
template <class Policy>
struct MediumMConfig {
    static constexpr int kWarpsK = sizeof(typename Policy::A) == 1 ? 4 : 2;
    static constexpr int kStageBytes = (64 * static_cast<int>(sizeof(typename Policy::A)) +
                                        32 * static_cast<int>(sizeof(typename Policy::W))) *
                                       32 * kWarpsK;
    using type = TileConfig<1, 1, kWarpsK, 4, 4, 32, stages_for(kStageBytes, 48 * 1024, 4)>;
};

// Larger M: 128 x 128 blocks of eight warps (2 x 4), each warp 64 x 32; 64-byte rows of the wider operand per stage.
template <class Policy>
struct LargeMConfig {
    static constexpr int kWidest = sizeof(typename Policy::A) > sizeof(typename Policy::W)
                                       ? static_cast<int>(sizeof(typename Policy::A))
                                       : static_cast<int>(sizeof(typename Policy::W));
    static constexpr int kKPerWarp = 64 / kWidest;
    static constexpr int kStageBytes = (128 * static_cast<int>(sizeof(typename Policy::A)) +
                                        128 * static_cast<int>(sizeof(typename Policy::W))) *
                                       kKPerWarp;
    using type = TileConfig<2, 4, 1, 4, 4, kKPerWarp, stages_for(kStageBytes, 64 * 1024, 4)>;
};

// The largest M served by the decode and the medium configurations.
constexpr int64_t kSmallM = 16;
constexpr int64_t kMediumM = 64;

// Lets the kernel use more than the default 48 KiB of dynamic shared memory on `ordinal`, once per device.
template <class Policy, class Config, bool kGrouped>
void allow_shared_bytes(int ordinal) {
    constexpr int kBytes = MainLoop<Policy, Config>::kSharedBytes;
    if constexpr (kBytes > 48 * 1024) {
        static std::atomic<bool> allowed[64] = {};
        if (ordinal >= 0 && ordinal < 64 && allowed[ordinal].load()) return;
        check_cuda(cudaFuncSetAttribute(gemm_kernel<Policy, Config, kGrouped>, cudaFuncAttributeMaxDynamicSharedMemorySize, kBytes),
                   "cudaFuncSetAttribute (shared memory of a GEMM kernel)");
        if (ordinal >= 0 && ordinal < 64) allowed[ordinal].store(true);
    }
}

// The grid: N tiles, M tiles (of the largest possible segment, all m rows, when grouped), and the experts.
template <class Policy, class Config, bool kGrouped>
void launch_with(const char* op, const GemmParams& params, int ordinal, cudaStream_t stream) {
    allow_shared_bytes<Policy, Config, kGrouped>(ordinal);
    const long long m_tiles = (static_cast<long long>(params.m) + Config::kBlockM - 1) / Config::kBlockM;
    if constexpr (kGrouped) {
        if (m_tiles > 65535) {
            throw Error(QRT_STATUS_UNSUPPORTED, concat(op, ": the CUDA kernel takes at most ", 65535LL * Config::kBlockM,
                                                       " rows at this segment size, got ", params.m));
        }
    }
    LaunchShape shape;
    shape.grid = dim3(static_cast<unsigned>((params.n + Config::kBlockN - 1) / Config::kBlockN),
                      static_cast<unsigned>(m_tiles), kGrouped ? static_cast<unsigned>(params.groups.experts) : 1u);
    shape.block = dim3(Config::kThreads);
    shape.dynamic_shared_bytes = static_cast<size_t>(MainLoop<Policy, Config>::kSharedBytes);
    QRT_LAUNCH((gemm_kernel<Policy, Config, kGrouped>), shape, stream, params);
}

// Launches the kernel of `Policy` for params on the op's stream, picking the configuration from M, or, grouped, from
// the rows an expert gets on average (the host cannot read the offsets): ceil(m / experts).
template <class Policy, bool kGrouped = false>
void launch(const char* op, const qrt_stream* stream, const GemmParams& params) {
    if (params.m == 0 || params.n == 0) return;
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    const int ordinal = stream->device.ordinal;
    const long long rows = kGrouped ? (static_cast<long long>(params.m) + params.groups.experts - 1) / params.groups.experts
                                    : static_cast<long long>(params.m);
    if (rows <= kSmallM) {
        launch_with<Policy, typename SmallMConfig<Policy>::type, kGrouped>(op, params, ordinal, cuda_stream);
    } else if (rows <= kMediumM) {
        launch_with<Policy, typename MediumMConfig<Policy>::type, kGrouped>(op, params, ordinal, cuda_stream);
    } else {
        launch_with<Policy, typename LargeMConfig<Policy>::type, kGrouped>(op, params, ordinal, cuda_stream);
    }
    check_cuda(cudaGetLastError(), concat(op, ": kernel launch"));
}

// Whether the FP8 W8A8 GEMMs run on the FP8 mma (gemm_fp8.cu): not disabled by QRT_CUDA_FP8_MMA=0, and available in
// the toolkit, the device and the binary.
bool fp8_mma_usable(int ordinal);

// ---- Host-side checks: what the kernels take, refused with QRT_STATUS_UNSUPPORTED and the argument's name ---------

inline void unsupported(const char* op, const char* name, const std::string& rule) {
    throw Error(QRT_STATUS_UNSUPPORTED, concat(op, ": argument '", name, "': the CUDA kernel ", rule));
}

// cp.async moves 16-byte chunks: the rows must start 16-byte aligned and K must fill whole chunks.
inline GlobalRows operand_rows(const char* op, const char* name, const RowsView& view) {
    const size_t element = dtype_size(view.dtype);
    if ((view.cols * static_cast<int64_t>(element)) % 16 != 0) {
        unsupported(op, name, concat("needs K · element size to be a multiple of 16 bytes (K a multiple of ",
                                     16 / element, " for ", dtype_name(view.dtype), "), got K = ", view.cols));
    }
    if (reinterpret_cast<uintptr_t>(view.data) % 16 != 0 ||
        (view.row_stride * static_cast<int64_t>(element)) % 16 != 0) {
        unsupported(op, name, "needs 16-byte aligned rows (data pointer and row stride in bytes multiples of 16)");
    }
    if (view.rows > INT32_MAX) unsupported(op, name, "takes at most 2^31 - 1 rows");
    return GlobalRows{static_cast<const uint8_t*>(view.data),
                      static_cast<long long>(view.row_stride * static_cast<int64_t>(element)),
                      static_cast<int>(view.rows), static_cast<long long>(view.cols * static_cast<int64_t>(element))};
}

inline FloatVectorArg vector_arg(const ScaleVector& vector) {
    return FloatVectorArg{vector.count > 0 ? vector.data : nullptr, vector.dtype, static_cast<long long>(vector.count)};
}

// Everything but the operands and the zero point.
inline GemmParams output_params(const RowsView& y, int64_t n, const ScaleVector& row_scale,
                                const ScaleVector& col_scale, const ScaleVector& bias) {
    GemmParams params{};
    params.y = y.data;
    params.y_dtype = y.dtype;
    params.y_stride = static_cast<long long>(y.row_stride);
    params.m = static_cast<int>(y.rows);
    params.n = static_cast<int>(n);
    params.row_scale = vector_arg(row_scale);
    params.col_scale = vector_arg(col_scale);
    params.bias = vector_arg(bias);
    params.zero_point = nullptr;
    params.groups = ExpertGroups{};
    return params;
}

}  // namespace qrt::cuda::tiled
