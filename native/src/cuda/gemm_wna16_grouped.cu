// qrt_gemm_wna16_repacked_grouped on the GPU: every expert's W4A16 GEMM on the rows routed to it, in one launch of
// the repacked kernel (gemm_wna16_kernel.cuh) with its grouped hook.
//
// Grid. The segment sizes live in device memory and the launch may be captured in a CUDA graph, so the host reads
// none of them: the grid covers experts (z) x the row tiles of the largest possible segment, all R rows (x) x the
// feature tiles (y). A block reads its expert's two offsets and exits at once when its row tile lies beyond its
// segment, having read no weight byte; the others run the ungrouped main loop on their expert's slice of the stacked
// weight, rows predicated to the segment's end. Most blocks of a large R exit at once, which costs a few cycles each.
//
// No split-K. At decode, a MoE layer reads only the chosen experts' weights and the grid already has (experts in use)
// x (feature tiles) working blocks, which fills the GPU for the usual expert counts; a split would need a workspace
// sized for every expert and a reduction per segment, for little gain. The tile height follows the average segment,
// R / E rows, as a host-known stand-in for the sizes it cannot read: 16 rows when segments average at most 16, else 32.
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

template <bool kBf16>
void launch_grouped(cudaStream_t stream, int m_tiles_per_block, int n_blocks, int experts, const Params& params) {
    LaunchShape shape;
    const int block_m = 16 * m_tiles_per_block;
    shape.grid = dim3(static_cast<unsigned>((params.m + block_m - 1) / block_m), static_cast<unsigned>(n_blocks),
                      static_cast<unsigned>(experts));
    shape.block = dim3(kThreads);
    if (m_tiles_per_block == 1) {
        QRT_LAUNCH((gemm_wna16_kernel<kBf16, 1, true>), shape, stream, params);
    } else {
        QRT_LAUNCH((gemm_wna16_kernel<kBf16, 2, true>), shape, stream, params);
    }
}

}  // namespace

void gemm_wna16_repacked_grouped(const qrt_stream* stream, const RowsView& x, const wna16::StackedRepackedInt4& w,
                                 const ScaleVector& bias, const int32_t* expert_offsets, const RowsView& y) {
    constexpr const char* op = "qrt_gemm_wna16_repacked_grouped";
    if (x.rows == 0 || w.first.n == 0 || w.experts == 0) return;
    // Features and experts are the grid's y and z extents (at most 65535 each); rows are int in the kernel, with room
    // for a row tile past the last row.
    if (x.rows > (1LL << 30) || w.first.n > 65535LL * kBlockN || w.first.k > 0x7FFFFFFF || w.experts > 65535) {
        throw Error(QRT_STATUS_UNSUPPORTED,
                    concat(op, ": argument 'repacked_weight': E = ", w.experts, ", N = ", w.first.n, ", K = ", w.first.k,
                           ", R = ", x.rows, ": the CUDA kernel takes E up to 65535, N up to ", 65535LL * kBlockN,
                           ", K up to 2^31 - 1 and R up to 2^30"));
    }
    DeviceScope scope(stream->device.ordinal);
    const int m_tiles_per_block = x.rows <= 16 * w.experts ? 1 : 2;
    const int n_blocks = static_cast<int>((w.first.n + kBlockN - 1) / kBlockN);

    Params params{};
    params.x = x.data;
    params.x_stride = x.row_stride;
    params.weight = static_cast<const int32_t*>(w.first.weight.data);
    params.scale = w.first.scale.data;
    params.scale_dtype = w.first.scale.dtype;
    params.zero = w.first.zero_point ? static_cast<const int32_t*>(w.first.zero_point->data) : nullptr;
    params.bias = bias.count > 0 ? bias.data : nullptr;
    params.bias_dtype = bias.dtype;
    params.y = y.data;
    params.y_stride = y.row_stride;
    params.y_dtype = y.dtype;
    params.m = static_cast<int>(x.rows);
    params.n = static_cast<int>(w.first.n);
    params.k = static_cast<int>(w.first.k);
    params.group_size = static_cast<int>(w.first.group_size);
    params.splits = 1;
    params.unit_steps = 1;
    params.units = static_cast<int>(w.first.k / kStepK);
    params.expert_offsets = expert_offsets;
    params.weight_expert_stride = w.weight_stride();
    params.scale_expert_stride = w.scale_stride();
    params.zero_expert_stride = w.zero_point_stride();
    params.bias_expert_stride = w.first.n;
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    if (x.dtype == QRT_DTYPE_BF16) {
        launch_grouped<true>(cuda_stream, m_tiles_per_block, n_blocks, static_cast<int>(w.experts), params);
    } else {
        launch_grouped<false>(cuda_stream, m_tiles_per_block, n_blocks, static_cast<int>(w.experts), params);
    }
    check_cuda(cudaGetLastError(), concat(op, ": kernel launch"));
}

}  // namespace qrt::cuda
