// Grouped expert linear layers on the tensor cores, as vLLM's fused MoE runs them: one launch multiplies every
// expert's segment of the rows sorted by expert by that expert's stacked weight. The kernel is the shared GEMM
// (gemm_kernel.cuh) in its grouped form: blockIdx.z is the expert, blockIdx.y an M tile of the largest possible
// segment (all R rows), and a block whose tile lies beyond its expert's segment exits before reading anything. A
// block that works runs the ungrouped main loop and epilogue on its expert's weight, scales and bias, so each
// segment's outputs are those of the ungrouped op with the same tile configuration (which the grouped op picks from
// the average segment, R / E rows, since the host does not read the offsets). No allocation, no synchronisation, no
// host read of device memory: the launches can be captured in CUDA graphs.
#include <optional>

#include "cuda/cuda_backend.h"
#include "cuda/gemm_kernel.cuh"

namespace qrt::cuda {
namespace {

// A grouped vector as the kernel reads it: the whole vector, with the elements between experts' values.
tiled::FloatVectorArg vector_arg(const GroupedVector& vector) {
    if (!vector.present()) return tiled::FloatVectorArg{};
    return tiled::FloatVectorArg{vector.data, vector.dtype,
                                 static_cast<long long>(vector.per_row ? vector.rows : vector.per_expert)};
}

long long expert_stride(const GroupedVector& vector) { return vector.per_row ? 0 : vector.expert_stride; }

// The parameters of a grouped launch; `a_name` names the activations in messages.
tiled::GemmParams grouped_params(const char* op, const char* a_name, const RowsView& a, const ExpertMatrices& w,
                                 const GroupedVector& row_scale, const GroupedVector& col_scale,
                                 const GroupedVector& bias, const ExpertOffsets& offsets, const RowsView& y) {
    if (w.count > 65535) tiled::unsupported(op, "w", concat("takes at most 65535 experts, got ", w.count));
    const int64_t expert_bytes = w.expert_stride * static_cast<int64_t>(dtype_size(w.first.dtype));
    if (expert_bytes % 16 != 0) {
        tiled::unsupported(op, "w", concat("needs 16-byte aligned experts (the expert stride in bytes a multiple of ",
                                           "16), got ", expert_bytes, " bytes"));
    }
    tiled::GemmParams params = tiled::output_params(y, w.first.rows, ScaleVector{}, ScaleVector{}, ScaleVector{});
    params.a = tiled::operand_rows(op, a_name, a);
    params.w = tiled::operand_rows(op, "w", w.first);
    params.row_scale = vector_arg(row_scale);
    params.col_scale = vector_arg(col_scale);
    params.bias = vector_arg(bias);
    params.groups.offsets = offsets.data;
    params.groups.experts = static_cast<int>(offsets.experts);
    params.groups.w_stride_bytes = static_cast<long long>(expert_bytes);
    params.groups.row_scale_stride = expert_stride(row_scale);
    params.groups.col_scale_stride = expert_stride(col_scale);
    params.groups.bias_stride = expert_stride(bias);
    params.groups.zero_point_stride = 1;
    return params;
}

}  // namespace

void gemm_grouped(const qrt_stream* stream, const RowsView& x, const ExpertMatrices& w, const GroupedVector& bias,
                  const ExpertOffsets& offsets, const RowsView& y) {
    constexpr const char* op = "qrt_gemm_grouped";
    if (x.dtype != QRT_DTYPE_BF16 && x.dtype != QRT_DTYPE_F16) {
        tiled::unsupported(op, "x", concat("takes BF16 or F16, got ", dtype_name(x.dtype)));
    }
    if (w.first.dtype != x.dtype) {
        tiled::unsupported(op, "w", concat("needs it in x's dtype (", dtype_name(x.dtype), "), got ",
                                           dtype_name(w.first.dtype)));
    }
    const tiled::GemmParams params =
        grouped_params(op, "x", x, w, GroupedVector{}, GroupedVector{}, bias, offsets, y);
    if (x.dtype == QRT_DTYPE_BF16) {
        tiled::launch<tiled::DensePolicy<__nv_bfloat16>, true>(op, stream, params);
    } else {
        tiled::launch<tiled::DensePolicy<__half>, true>(op, stream, params);
    }
}

void gemm_w8a8_int8_grouped(const qrt_stream* stream, const RowsView& a, const GroupedVector& a_scale,
                            const GroupedZeroPoint& a_zero_point, const ExpertMatrices& w,
                            const GroupedVector& w_scale, const GroupedVector& bias, const ExpertOffsets& offsets,
                            const RowsView& y) {
    constexpr const char* op = "qrt_gemm_w8a8_int8_grouped";
    // Each product is at most 2^14 in magnitude, so an int32 holds any sum of fewer than 2^17 of them.
    if (a.cols >= (int64_t{1} << 17)) {
        tiled::unsupported(op, "a", concat("accumulates in int32 and takes K < 131072, got K = ", a.cols));
    }
    tiled::GemmParams params = grouped_params(op, "a", a, w, a_scale, w_scale, bias, offsets, y);
    params.zero_point = a_zero_point.data;
    tiled::launch<tiled::Int8Policy, true>(op, stream, params);
}

void gemm_w8a8_fp8_grouped(const qrt_stream* stream, const RowsView& a, const GroupedVector& a_scale,
                           const ExpertMatrices& w, const GroupedVector& w_scale, const GroupedVector& bias,
                           const ExpertOffsets& offsets, const RowsView& y) {
    constexpr const char* op = "qrt_gemm_w8a8_fp8_grouped";
    const tiled::GemmParams params = grouped_params(op, "a", a, w, a_scale, w_scale, bias, offsets, y);
    DeviceScope scope(stream->device.ordinal);
    if (tiled::fp8_mma_usable(stream->device.ordinal)) {
        tiled::launch<tiled::Fp8MmaPolicy, true>(op, stream, params);
    } else {
        tiled::launch<tiled::Fp8WidenPolicy, true>(op, stream, params);
    }
}

void gemm_w8a16_fp8_grouped(const qrt_stream* stream, const RowsView& x, const ExpertMatrices& w,
                            const GroupedVector& w_scale, const GroupedVector& bias, const ExpertOffsets& offsets,
                            const RowsView& y) {
    constexpr const char* op = "qrt_gemm_w8a16_fp8_grouped";
    if (x.dtype != QRT_DTYPE_BF16 && x.dtype != QRT_DTYPE_F16) {
        tiled::unsupported(op, "x", concat("takes BF16 or F16 activations, got ", dtype_name(x.dtype)));
    }
    const tiled::GemmParams params = grouped_params(op, "x", x, w, GroupedVector{}, w_scale, bias, offsets, y);
    if (x.dtype == QRT_DTYPE_BF16) {
        tiled::launch<tiled::W8A16Policy<__nv_bfloat16>, true>(op, stream, params);
    } else {
        tiled::launch<tiled::W8A16Policy<__half>, true>(op, stream, params);
    }
}

}  // namespace qrt::cuda
