// Entry points of the linear-layer (GEMM) family: every argument is validated, then the call goes to
// the kernel of the stream's backend.
#include <optional>

#include "core/error.h"
#include "api/linear_args.h"
#include "core/tensor.h"
#include "cpu/gemm.h"
#include "qrt.h"

#if defined(QRT_WITH_CUDA)
#  include "cuda/cuda_backend.h"
#endif

namespace {

using qrt::linear_args::bias_vector;
using qrt::linear_args::ceil_div;

using qrt::DTypeSet;
using qrt::IndexVector;
using qrt::OpArgs;
using qrt::RowsView;
using qrt::ScaleVector;
using qrt::TensorRef;

// A tensor [..., C] as rows of C elements: activations, quantized activations or outputs.
RowsView rows_view(const OpArgs& args, const char* name, const qrt_tensor* tensor, const DTypeSet& dtypes) {
    return args.rows(name, args.tensor(name, tensor, dtypes));
}

// A rank-2 matrix with contiguous rows and any row stride; `layout` names its dimensions in messages.
RowsView matrix_rows(const OpArgs& args, const char* name, const qrt_tensor* tensor, const DTypeSet& dtypes,
                     const char* layout) {
    const TensorRef ref = args.tensor(name, tensor, dtypes);
    args.require(ref.rank == 2, name, "must be ", layout, " (rank 2), got shape ", ref.shape_string());
    return args.rows(name, ref);
}

// A weight [N, K] must be as wide as the activations.
void require_input_columns(const OpArgs& args, const char* w_name, const RowsView& w, const char* x_name,
                           const RowsView& x) {
    args.require(w.cols == x.cols, w_name, "has ", w.cols, " input columns but ", x_name, " has ", x.cols);
}

// A per-tensor or per-channel weight scale: one element or N.
ScaleVector weight_scale_vector(const OpArgs& args, const qrt_tensor* w_scale, int64_t n) {
    return args.scale("w_scale", args.tensor("w_scale", w_scale, qrt::float_dtypes()), n, "one per output channel");
}

// A per-tensor or per-token activation scale: F32 with one element or one per row.
ScaleVector activation_scale_vector(const OpArgs& args, const qrt_tensor* a_scale, int64_t m) {
    return args.scale("a_scale", args.tensor("a_scale", a_scale, {QRT_DTYPE_F32}), m, "one per row of a");
}

// The output [..., N]: as many rows as the activations, one column per weight row.
RowsView output_rows(const OpArgs& args, const qrt_tensor* y, const char* x_name, const RowsView& x, const char* w_name,
                     int64_t n) {
    const RowsView view = rows_view(args, "y", y, qrt::float_dtypes());
    args.require(view.rows == x.rows, "y", "has ", view.rows, " rows but ", x_name, " has ", x.rows);
    args.require(view.cols == n, "y", "has ", view.cols, " columns but ", w_name, " has ", n, " output rows (N)");
    return view;
}

// Every column of an activation-ordered weight must name an existing group. The values live in host
// memory on the CPU backend, so they are checked before any work.
void require_groups_in_range(const OpArgs& args, const IndexVector& g_idx, int64_t groups) {
    for (int64_t k = 0; k < g_idx.count; ++k) {
        const int64_t g = g_idx.at(k);
        args.require(g >= 0 && g < groups, "weight_g_idx", "value ", g, " at index ", k, " is outside [0, ", groups,
                     ") (the number of groups)");
    }
}

}  // namespace

extern "C" {

QRT_API qrt_status qrt_gemm(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* w, const qrt_tensor* bias,
                            qrt_tensor* y) {
    return qrt::guarded("qrt_gemm", [&] {
        const OpArgs args("qrt_gemm", stream);
        const RowsView x_rows = rows_view(args, "x", x, qrt::float_dtypes());
        const RowsView w_rows = matrix_rows(args, "w", w, qrt::float_dtypes(), "[N, K]");
        require_input_columns(args, "w", w_rows, "x", x_rows);
        const ScaleVector bias_values = bias_vector(args, bias, w_rows.rows);
        const RowsView y_rows = output_rows(args, y, "x", x_rows, "w", w_rows.rows);
        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::gemm(x_rows, w_rows, bias_values, y_rows); return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA: qrt::cuda::gemm(stream, x_rows, w_rows, bias_values, y_rows); return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

QRT_API qrt_status qrt_gemm_wna16(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* weight_packed,
                                  const qrt_tensor* weight_scale, const qrt_tensor* weight_zero_point,
                                  const qrt_tensor* weight_g_idx, int32_t num_bits, int64_t group_size,
                                  const qrt_tensor* bias, qrt_tensor* y) {
    return qrt::guarded("qrt_gemm_wna16", [&] {
        const OpArgs args("qrt_gemm_wna16", stream);
        const RowsView x_rows = rows_view(args, "x", x, qrt::float_dtypes());
        args.require(num_bits == 4 || num_bits == 8, "num_bits", "must be 4 or 8, got ", num_bits);
        args.require(group_size >= 0, "group_size", "must be >= 0 (0 = one group per output channel), got ",
                     group_size);
        const int64_t k = x_rows.cols;
        const int64_t values_per_word = 32 / num_bits;
        const int64_t groups = group_size == 0 ? 1 : ceil_div(k, group_size);

        qrt::cpu::PackedIntWeight weight;
        weight.num_bits = num_bits;
        weight.group_size = group_size;
        weight.groups = groups;

        weight.packed =
            matrix_rows(args, "weight_packed", weight_packed, {QRT_DTYPE_I32}, "[N, ceil(K / (32 / num_bits))]");
        const int64_t words = ceil_div(k, values_per_word);
        args.require(weight.packed.cols == words, "weight_packed", "has ", weight.packed.cols,
                     " words per row but x has K = ", k, " columns, which take ceil(", k, " / ", values_per_word,
                     ") = ", words, " words of ", num_bits, "-bit values");
        const int64_t n = weight.packed.rows;

        weight.scale = matrix_rows(args, "weight_scale", weight_scale, qrt::float_dtypes(), "[N, groups]");
        args.require(weight.scale.rows == n, "weight_scale", "has ", weight.scale.rows,
                     " rows but weight_packed has N = ", n);
        if (group_size == 0) {
            args.require(weight.scale.cols == 1, "weight_scale", "has ", weight.scale.cols,
                         " columns but group_size 0 (per output channel) takes 1");
        } else {
            args.require(weight.scale.cols == groups, "weight_scale", "has ", weight.scale.cols,
                         " groups per row but K = ", k, " with group_size ", group_size, " takes ceil(", k, " / ",
                         group_size, ") = ", groups);
        }

        if (weight_zero_point != nullptr) {
            const RowsView zero_point = matrix_rows(args, "weight_zero_point", weight_zero_point, {QRT_DTYPE_I32},
                                                    "[ceil(N / (32 / num_bits)), groups]");
            const int64_t packed_rows = ceil_div(n, values_per_word);
            args.require(zero_point.rows == packed_rows, "weight_zero_point", "has ", zero_point.rows,
                         " rows but N = ", n, " zero points of ", num_bits, " bits take ceil(", n, " / ",
                         values_per_word, ") = ", packed_rows);
            args.require(zero_point.cols == groups, "weight_zero_point", "has ", zero_point.cols,
                         " columns but weight_scale has ", groups, " groups");
            weight.zero_point = zero_point;
        }

        if (weight_g_idx != nullptr) {
            const TensorRef g_idx = args.tensor("weight_g_idx", weight_g_idx, {QRT_DTYPE_I32});
            args.require(group_size > 0, "weight_g_idx", "requires group_size > 0, got ", group_size);
            weight.group_index = args.indices("weight_g_idx", g_idx, k);
        }

        const ScaleVector bias_values = bias_vector(args, bias, n);
        const RowsView y_rows = output_rows(args, y, "x", x_rows, "weight_packed", n);
        switch (args.backend()) {
            case QRT_BACKEND_CPU:
                if (weight.group_index) require_groups_in_range(args, *weight.group_index, groups);
                qrt::cpu::gemm_wna16(x_rows, weight, bias_values, y_rows);
                return;
            default: args.unsupported_on_backend();
        }
    });
}

QRT_API qrt_status qrt_gemm_w8a8_int8(qrt_stream* stream, const qrt_tensor* a, const qrt_tensor* a_scale,
                                      const qrt_tensor* a_zero_point, const qrt_tensor* w, const qrt_tensor* w_scale,
                                      const qrt_tensor* bias, qrt_tensor* y) {
    return qrt::guarded("qrt_gemm_w8a8_int8", [&] {
        const OpArgs args("qrt_gemm_w8a8_int8", stream);
        const RowsView a_rows = rows_view(args, "a", a, {QRT_DTYPE_I8});
        const ScaleVector a_scales = activation_scale_vector(args, a_scale, a_rows.rows);
        std::optional<IndexVector> zero_point;
        if (const auto ref = args.optional_tensor("a_zero_point", a_zero_point, {QRT_DTYPE_I32})) {
            zero_point = args.indices("a_zero_point", *ref, 1);
        }
        const RowsView w_rows = matrix_rows(args, "w", w, {QRT_DTYPE_I8}, "[N, K]");
        require_input_columns(args, "w", w_rows, "a", a_rows);
        const ScaleVector w_scales = weight_scale_vector(args, w_scale, w_rows.rows);
        const ScaleVector bias_values = bias_vector(args, bias, w_rows.rows);
        const RowsView y_rows = output_rows(args, y, "a", a_rows, "w", w_rows.rows);
        switch (args.backend()) {
            case QRT_BACKEND_CPU:
                qrt::cpu::gemm_w8a8_int8(a_rows, a_scales, zero_point, w_rows, w_scales, bias_values, y_rows);
                return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA:
                qrt::cuda::gemm_w8a8_int8(stream, a_rows, a_scales, zero_point, w_rows, w_scales, bias_values, y_rows);
                return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

QRT_API qrt_status qrt_gemm_w8a8_fp8(qrt_stream* stream, const qrt_tensor* a, const qrt_tensor* a_scale,
                                     const qrt_tensor* w, const qrt_tensor* w_scale, const qrt_tensor* bias,
                                     qrt_tensor* y) {
    return qrt::guarded("qrt_gemm_w8a8_fp8", [&] {
        const OpArgs args("qrt_gemm_w8a8_fp8", stream);
        const RowsView a_rows = rows_view(args, "a", a, {QRT_DTYPE_F8_E4M3});
        const ScaleVector a_scales = activation_scale_vector(args, a_scale, a_rows.rows);
        const RowsView w_rows = matrix_rows(args, "w", w, {QRT_DTYPE_F8_E4M3}, "[N, K]");
        require_input_columns(args, "w", w_rows, "a", a_rows);
        const ScaleVector w_scales = weight_scale_vector(args, w_scale, w_rows.rows);
        const ScaleVector bias_values = bias_vector(args, bias, w_rows.rows);
        const RowsView y_rows = output_rows(args, y, "a", a_rows, "w", w_rows.rows);
        switch (args.backend()) {
            case QRT_BACKEND_CPU:
                qrt::cpu::gemm_w8a8_fp8(a_rows, a_scales, w_rows, w_scales, bias_values, y_rows);
                return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA:
                qrt::cuda::gemm_w8a8_fp8(stream, a_rows, a_scales, w_rows, w_scales, bias_values, y_rows);
                return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

QRT_API qrt_status qrt_gemm_w8a16_fp8(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* w,
                                      const qrt_tensor* w_scale, const qrt_tensor* bias, qrt_tensor* y) {
    return qrt::guarded("qrt_gemm_w8a16_fp8", [&] {
        const OpArgs args("qrt_gemm_w8a16_fp8", stream);
        const RowsView x_rows = rows_view(args, "x", x, qrt::float_dtypes());
        const RowsView w_rows = matrix_rows(args, "w", w, {QRT_DTYPE_F8_E4M3}, "[N, K]");
        require_input_columns(args, "w", w_rows, "x", x_rows);
        const ScaleVector w_scales = weight_scale_vector(args, w_scale, w_rows.rows);
        const ScaleVector bias_values = bias_vector(args, bias, w_rows.rows);
        const RowsView y_rows = output_rows(args, y, "x", x_rows, "w", w_rows.rows);
        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::gemm_w8a16_fp8(x_rows, w_rows, w_scales, bias_values, y_rows); return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA:
                qrt::cuda::gemm_w8a16_fp8(stream, x_rows, w_rows, w_scales, bias_values, y_rows);
                return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

}  // extern "C"
