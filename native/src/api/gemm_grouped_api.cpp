// Entry points of the grouped expert linear layers and the per-expert static quantization (qrt.h, "Grouped expert
// linear layers"): every argument is validated as the ungrouped op validates it, plus the expert dimension, then the
// call goes to the kernel of the stream's backend. On the CPU the expert offsets are host values and are checked
// before any work; on CUDA they stay in device memory, unread by the host (the kernels clamp them).
#include <optional>

#include "core/error.h"
#include "core/expert_groups.h"
#include "core/tensor.h"
#include "cpu/gemm_grouped.h"
#include "qrt.h"

#if defined(QRT_WITH_CUDA)
#  include "cuda/cuda_backend.h"
#endif

namespace {

using qrt::ExpertMatrices;
using qrt::ExpertOffsets;
using qrt::GroupedVector;
using qrt::GroupedZeroPoint;
using qrt::OpArgs;
using qrt::RowsView;
using qrt::TensorRef;

// The sorted rows [R, K] (leading dimensions flatten into R): activations, quantized activations or outputs.
RowsView sorted_rows(const OpArgs& args, const char* name, const qrt_tensor* tensor, const qrt::DTypeSet& dtypes) {
    return args.rows(name, args.tensor(name, tensor, dtypes));
}

// Stacked weights [E, N, K]: each expert's matrix has contiguous rows; experts and rows may have any strides.
ExpertMatrices stacked_weights(const OpArgs& args, const qrt_tensor* w, const qrt::DTypeSet& dtypes) {
    const TensorRef ref = args.tensor("w", w, dtypes);
    args.require(ref.rank == 3, "w", "must be [E, N, K] (rank 3: one [N, K] weight per expert), got shape ",
                 ref.shape_string());
    args.require(ref.shape[0] >= 1, "w", "must hold at least one expert (E >= 1), got shape ", ref.shape_string());
    TensorRef expert = ref;  // expert 0's [N, K]
    expert.rank = 2;
    expert.shape[0] = ref.shape[1];
    expert.shape[1] = ref.shape[2];
    expert.strides[0] = ref.strides[1];
    expert.strides[1] = ref.strides[2];
    ExpertMatrices matrices;
    matrices.first = args.rows("w", expert);
    matrices.count = ref.shape[0];
    matrices.expert_stride = ref.shape[0] > 1 ? ref.strides[0] : matrices.first.rows * matrices.first.row_stride;
    return matrices;
}

void require_input_columns(const OpArgs& args, const ExpertMatrices& w, const char* x_name, const RowsView& x) {
    args.require(w.first.cols == x.cols, "w", "has ", w.first.cols, " input columns (K) but ", x_name, " has ",
                 x.cols);
}

// expert_offsets: I32 [E + 1]. On the CPU backend they are checked here: 0 first, R last, never decreasing.
ExpertOffsets checked_offsets(const OpArgs& args, const qrt_tensor* offsets, int64_t experts, int64_t rows) {
    const TensorRef ref = args.tensor("expert_offsets", offsets, {QRT_DTYPE_I32});
    const qrt::IndexVector values = args.indices("expert_offsets", ref, experts + 1);
    ExpertOffsets result{static_cast<const int32_t*>(values.data), experts};
    if (args.backend() != QRT_BACKEND_CPU) return result;
    args.require(result.data[0] == 0, "expert_offsets", "must start at 0, got ", result.data[0]);
    for (int64_t e = 0; e < experts; ++e) {
        args.require(result.data[e + 1] >= result.data[e], "expert_offsets", "must not decrease, got ",
                     result.data[e], " then ", result.data[e + 1], " at indices ", e, " and ", e + 1);
    }
    args.require(result.data[experts] == rows, "expert_offsets", "must end at R = ", rows,
                 " (the rows of the sorted activations), got ", result.data[experts]);
    return result;
}

// A float vector with one contiguous group of `per_expert` elements per expert (bias [E, N], per-expert scales).
GroupedVector per_expert_vector(const OpArgs& args, const char* name, const TensorRef& ref, int64_t experts,
                                int64_t per_expert, const char* layout) {
    args.require(ref.numel() == experts * per_expert, name, "must be ", layout, " = ", experts * per_expert,
                 " elements, got shape ", ref.shape_string());
    args.require(ref.is_contiguous(), name, "must be contiguous");
    GroupedVector vector;
    vector.data = ref.data;
    vector.dtype = ref.dtype;
    vector.per_expert = per_expert;
    vector.expert_stride = per_expert;
    return vector;
}

// The optional bias: [E, N] float.
GroupedVector grouped_bias(const OpArgs& args, const qrt_tensor* bias, int64_t experts, int64_t n) {
    const std::optional<TensorRef> ref = args.optional_tensor("bias", bias, qrt::float_dtypes());
    if (!ref) return GroupedVector{};
    return per_expert_vector(args, "bias", *ref, experts, n, "[E, N] (one bias per expert and output feature)");
}

// The weight scale: [E] (per tensor of each expert) or [E, N] (per channel), float.
GroupedVector grouped_weight_scale(const OpArgs& args, const qrt_tensor* w_scale, int64_t experts, int64_t n) {
    const TensorRef ref = args.tensor("w_scale", w_scale, qrt::float_dtypes());
    const bool per_tensor = ref.numel() == experts;
    return per_expert_vector(args, "w_scale", ref, experts, per_tensor ? 1 : n,
                             "[E] (per tensor of each expert) or [E, N] (per channel)");
}

// The activation scale, F32: one element (shared), [E] (static, per expert) or [R, 1] (per token). Per-token scales
// take the rank-2 shape so that the two layouts cannot be confused when R happens to equal E.
GroupedVector grouped_activation_scale(const OpArgs& args, const qrt_tensor* a_scale, int64_t experts, int64_t rows) {
    const TensorRef ref = args.tensor("a_scale", a_scale, {QRT_DTYPE_F32});
    args.require(ref.is_contiguous(), "a_scale", "must be contiguous");
    GroupedVector vector;
    vector.data = ref.data;
    vector.dtype = ref.dtype;
    vector.per_expert = 1;
    if (ref.numel() == 1) return vector;  // shared by every expert
    if (ref.rank == 1 && ref.shape[0] == experts) {
        vector.expert_stride = 1;
        return vector;
    }
    args.require(ref.rank == 2 && ref.shape[0] == rows && ref.shape[1] == 1, "a_scale",
                 "must have one element (per tensor), shape [E] = [", experts, "] (static, per expert) or [R, 1] = [",
                 rows, ", 1] (per token), got shape ", ref.shape_string());
    vector.per_row = true;
    vector.rows = rows;
    return vector;
}

// An optional I32 zero point per expert: [E].
GroupedZeroPoint grouped_zero_point(const OpArgs& args, const char* name, const qrt_tensor* zero_point,
                                    int64_t experts) {
    const std::optional<TensorRef> ref = args.optional_tensor(name, zero_point, {QRT_DTYPE_I32});
    if (!ref) return GroupedZeroPoint{};
    return GroupedZeroPoint{static_cast<const int32_t*>(args.indices(name, *ref, experts).data)};
}

// The output [R, N].
RowsView output_rows(const OpArgs& args, const qrt_tensor* y, const char* x_name, const RowsView& x,
                     const ExpertMatrices& w) {
    const RowsView view = sorted_rows(args, "y", y, qrt::float_dtypes());
    args.require(view.rows == x.rows, "y", "has ", view.rows, " rows but ", x_name, " has ", x.rows);
    args.require(view.cols == w.first.rows, "y", "has ", view.cols, " columns but w has ", w.first.rows,
                 " output rows (N) per expert");
    return view;
}

// The quantized output of x: its rows and columns in `dtype`.
RowsView quantized_rows(const OpArgs& args, const qrt_tensor* q, qrt_dtype dtype, const RowsView& x) {
    const RowsView view = sorted_rows(args, "q", q, {dtype});
    args.require(view.rows == x.rows, "q", "has ", view.rows, " rows but x has ", x.rows);
    args.require(view.cols == x.cols, "q", "has ", view.cols, " columns but x has ", x.cols);
    return view;
}

// A static per-tensor scale per expert: [E] float.
GroupedVector static_scales(const OpArgs& args, const qrt_tensor* static_scale, int64_t experts) {
    const TensorRef ref = args.tensor("static_scale", static_scale, qrt::float_dtypes());
    return per_expert_vector(args, "static_scale", ref, experts, 1, "[E] (one scale per expert)");
}

// E of the quantizers: the number of offsets minus one.
int64_t experts_of_offsets(const OpArgs& args, const qrt_tensor* offsets) {
    const TensorRef ref = args.tensor("expert_offsets", offsets, {QRT_DTYPE_I32});
    args.require(ref.rank == 1 && ref.shape[0] >= 2, "expert_offsets",
                 "must be [E + 1] with E >= 1 (rank 1, at least 2 elements), got shape ", ref.shape_string());
    return ref.shape[0] - 1;
}

}  // namespace

extern "C" {

QRT_API qrt_status qrt_gemm_grouped(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* w,
                                    const qrt_tensor* bias, const qrt_tensor* expert_offsets, qrt_tensor* y) {
    return qrt::guarded("qrt_gemm_grouped", [&] {
        const OpArgs args("qrt_gemm_grouped", stream);
        const RowsView x_rows = sorted_rows(args, "x", x, qrt::float_dtypes());
        const ExpertMatrices w_experts = stacked_weights(args, w, qrt::float_dtypes());
        require_input_columns(args, w_experts, "x", x_rows);
        const GroupedVector bias_values = grouped_bias(args, bias, w_experts.count, w_experts.first.rows);
        const ExpertOffsets offsets = checked_offsets(args, expert_offsets, w_experts.count, x_rows.rows);
        const RowsView y_rows = output_rows(args, y, "x", x_rows, w_experts);
        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::gemm_grouped(x_rows, w_experts, bias_values, offsets, y_rows); return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA:
                qrt::cuda::gemm_grouped(stream, x_rows, w_experts, bias_values, offsets, y_rows);
                return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

QRT_API qrt_status qrt_gemm_w8a8_int8_grouped(qrt_stream* stream, const qrt_tensor* a, const qrt_tensor* a_scale,
                                              const qrt_tensor* a_zero_point, const qrt_tensor* w,
                                              const qrt_tensor* w_scale, const qrt_tensor* bias,
                                              const qrt_tensor* expert_offsets, qrt_tensor* y) {
    return qrt::guarded("qrt_gemm_w8a8_int8_grouped", [&] {
        const OpArgs args("qrt_gemm_w8a8_int8_grouped", stream);
        const RowsView a_rows = sorted_rows(args, "a", a, {QRT_DTYPE_I8});
        const ExpertMatrices w_experts = stacked_weights(args, w, {QRT_DTYPE_I8});
        const int64_t experts = w_experts.count;
        const int64_t n = w_experts.first.rows;
        require_input_columns(args, w_experts, "a", a_rows);
        const GroupedVector a_scales = grouped_activation_scale(args, a_scale, experts, a_rows.rows);
        const GroupedZeroPoint zero_point = grouped_zero_point(args, "a_zero_point", a_zero_point, experts);
        const GroupedVector w_scales = grouped_weight_scale(args, w_scale, experts, n);
        const GroupedVector bias_values = grouped_bias(args, bias, experts, n);
        const ExpertOffsets offsets = checked_offsets(args, expert_offsets, experts, a_rows.rows);
        const RowsView y_rows = output_rows(args, y, "a", a_rows, w_experts);
        switch (args.backend()) {
            case QRT_BACKEND_CPU:
                qrt::cpu::gemm_w8a8_int8_grouped(a_rows, a_scales, zero_point, w_experts, w_scales, bias_values,
                                                 offsets, y_rows);
                return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA:
                qrt::cuda::gemm_w8a8_int8_grouped(stream, a_rows, a_scales, zero_point, w_experts, w_scales,
                                                  bias_values, offsets, y_rows);
                return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

QRT_API qrt_status qrt_gemm_w8a8_fp8_grouped(qrt_stream* stream, const qrt_tensor* a, const qrt_tensor* a_scale,
                                             const qrt_tensor* w, const qrt_tensor* w_scale, const qrt_tensor* bias,
                                             const qrt_tensor* expert_offsets, qrt_tensor* y) {
    return qrt::guarded("qrt_gemm_w8a8_fp8_grouped", [&] {
        const OpArgs args("qrt_gemm_w8a8_fp8_grouped", stream);
        const RowsView a_rows = sorted_rows(args, "a", a, {QRT_DTYPE_F8_E4M3});
        const ExpertMatrices w_experts = stacked_weights(args, w, {QRT_DTYPE_F8_E4M3});
        const int64_t experts = w_experts.count;
        const int64_t n = w_experts.first.rows;
        require_input_columns(args, w_experts, "a", a_rows);
        const GroupedVector a_scales = grouped_activation_scale(args, a_scale, experts, a_rows.rows);
        const GroupedVector w_scales = grouped_weight_scale(args, w_scale, experts, n);
        const GroupedVector bias_values = grouped_bias(args, bias, experts, n);
        const ExpertOffsets offsets = checked_offsets(args, expert_offsets, experts, a_rows.rows);
        const RowsView y_rows = output_rows(args, y, "a", a_rows, w_experts);
        switch (args.backend()) {
            case QRT_BACKEND_CPU:
                qrt::cpu::gemm_w8a8_fp8_grouped(a_rows, a_scales, w_experts, w_scales, bias_values, offsets, y_rows);
                return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA:
                qrt::cuda::gemm_w8a8_fp8_grouped(stream, a_rows, a_scales, w_experts, w_scales, bias_values, offsets,
                                                 y_rows);
                return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

QRT_API qrt_status qrt_gemm_w8a16_fp8_grouped(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* w,
                                              const qrt_tensor* w_scale, const qrt_tensor* bias,
                                              const qrt_tensor* expert_offsets, qrt_tensor* y) {
    return qrt::guarded("qrt_gemm_w8a16_fp8_grouped", [&] {
        const OpArgs args("qrt_gemm_w8a16_fp8_grouped", stream);
        const RowsView x_rows = sorted_rows(args, "x", x, qrt::float_dtypes());
        const ExpertMatrices w_experts = stacked_weights(args, w, {QRT_DTYPE_F8_E4M3});
        const int64_t experts = w_experts.count;
        const int64_t n = w_experts.first.rows;
        require_input_columns(args, w_experts, "x", x_rows);
        const GroupedVector w_scales = grouped_weight_scale(args, w_scale, experts, n);
        const GroupedVector bias_values = grouped_bias(args, bias, experts, n);
        const ExpertOffsets offsets = checked_offsets(args, expert_offsets, experts, x_rows.rows);
        const RowsView y_rows = output_rows(args, y, "x", x_rows, w_experts);
        switch (args.backend()) {
            case QRT_BACKEND_CPU:
                qrt::cpu::gemm_w8a16_fp8_grouped(x_rows, w_experts, w_scales, bias_values, offsets, y_rows);
                return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA:
                qrt::cuda::gemm_w8a16_fp8_grouped(stream, x_rows, w_experts, w_scales, bias_values, offsets, y_rows);
                return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

QRT_API qrt_status qrt_quantize_int8_grouped(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* static_scale,
                                             const qrt_tensor* static_zero_point, const qrt_tensor* expert_offsets,
                                             qrt_tensor* q) {
    return qrt::guarded("qrt_quantize_int8_grouped", [&] {
        const OpArgs args("qrt_quantize_int8_grouped", stream);
        const RowsView x_rows = sorted_rows(args, "x", x, qrt::float_dtypes());
        const int64_t experts = experts_of_offsets(args, expert_offsets);
        const GroupedVector scales = static_scales(args, static_scale, experts);
        const GroupedZeroPoint zero_point = grouped_zero_point(args, "static_zero_point", static_zero_point, experts);
        const ExpertOffsets offsets = checked_offsets(args, expert_offsets, experts, x_rows.rows);
        const RowsView q_rows = quantized_rows(args, q, QRT_DTYPE_I8, x_rows);
        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::quantize_int8_grouped(x_rows, scales, zero_point, offsets, q_rows); return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA:
                qrt::cuda::quantize_int8_grouped(stream, x_rows, scales, zero_point, offsets, q_rows);
                return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

QRT_API qrt_status qrt_quantize_fp8_grouped(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* static_scale,
                                            const qrt_tensor* expert_offsets, qrt_tensor* q) {
    return qrt::guarded("qrt_quantize_fp8_grouped", [&] {
        const OpArgs args("qrt_quantize_fp8_grouped", stream);
        const RowsView x_rows = sorted_rows(args, "x", x, qrt::float_dtypes());
        const int64_t experts = experts_of_offsets(args, expert_offsets);
        const GroupedVector scales = static_scales(args, static_scale, experts);
        const ExpertOffsets offsets = checked_offsets(args, expert_offsets, experts, x_rows.rows);
        const RowsView q_rows = quantized_rows(args, q, QRT_DTYPE_F8_E4M3, x_rows);
        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::quantize_fp8_grouped(x_rows, scales, offsets, q_rows); return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA: qrt::cuda::quantize_fp8_grouped(stream, x_rows, scales, offsets, q_rows); return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

}  // extern "C"
