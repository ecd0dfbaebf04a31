// qrt_gemm_wna16_repacked on the GPU: the grid of one call (row tiles, feature tiles and splits of K) and its
// launch. The kernel, and how it works, is in gemm_wna16_kernel.cuh.
#include <algorithm>
#include <atomic>
#include <cstdint>

#include "core/dtype.h"
#include "core/stream.h"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_check.h"
#include "cuda/gemm_wna16_kernel.cuh"
#include "cuda/launch.cuh"

namespace qrt::cuda {
namespace {

using namespace wna16_gemm;

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
        QRT_LAUNCH((gemm_wna16_kernel<kBf16, 1, false>), shape, stream, params);
    } else {
        QRT_LAUNCH((gemm_wna16_kernel<kBf16, 2, false>), shape, stream, params);
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
