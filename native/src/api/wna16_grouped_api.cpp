// Entry points of the grouped W4A16 ops for mixture-of-experts layers: qrt_gemm_wna16_repacked_grouped and
// qrt_gather_columns_grouped. Shapes are validated here on every backend; the expert offsets (and the gather's
// indices) are checked on the CPU only, since on the CUDA backend they live in device memory the host does not read
// (the kernels clamp them instead, as qrt.h says).
#include <cstdint>
#include <optional>

#include "api/linear_args.h"
#include "api/wna16_args.h"
#include "core/error.h"
#include "core/tensor.h"
#include "core/wna16_layout.h"
#include "core/wna16_stacked.h"
#include "cpu/wna16_grouped.h"
#include "qrt.h"

#if defined(QRT_WITH_CUDA)
#  include "cuda/cuda_backend.h"
#endif

namespace {

using qrt::linear_args::ceil_div;
using qrt::wna16_args::require_layout_rules;
#if defined(QRT_WITH_CUDA)
using qrt::wna16_args::require_16_byte_aligned;
#endif

using qrt::IndexVector;
using qrt::NamedRows;
using qrt::OpArgs;
using qrt::RowsView;
using qrt::ScaleVector;
using qrt::TensorRef;
namespace wna16 = qrt::wna16;

// A rank-3 contiguous tensor of exactly [experts, rows, cols], viewed as expert 0's [rows, cols] slice.
RowsView first_slice(const OpArgs& args, const char* name, const qrt_tensor* tensor, const qrt::DTypeSet& dtypes,
                     int64_t experts, int64_t rows, int64_t cols, const char* layout) {
    const TensorRef ref = args.tensor(name, tensor, dtypes);
    args.require(ref.rank == 3 && ref.shape[0] == experts && ref.shape[1] == rows && ref.shape[2] == cols, name,
                 "must be ", layout, " = [", experts, ", ", rows, ", ", cols, "], got shape ", ref.shape_string());
    args.require(ref.is_contiguous(), name, "must be contiguous");
    return RowsView{ref.data, ref.dtype, rows, cols, cols};
}

// expert_offsets: I32 [E + 1], contiguous. Its values are read only on the CPU (check_offsets).
IndexVector expert_offsets_vector(const OpArgs& args, const qrt_tensor* tensor, int64_t experts) {
    const TensorRef ref = args.tensor("expert_offsets", tensor, {QRT_DTYPE_I32});
    args.require(ref.rank == 1, "expert_offsets", "must be [E + 1] = [", experts + 1, "] (rank 1), got shape ",
                 ref.shape_string());
    return args.indices("expert_offsets", ref, experts + 1);
}

// The CPU's check of the offsets: 0 first, R last, never decreasing.
void check_offsets(const OpArgs& args, const IndexVector& offsets, int64_t rows) {
    const auto* values = static_cast<const int32_t*>(offsets.data);
    const int64_t last = offsets.count - 1;
    args.require(values[0] == 0, "expert_offsets", "element 0 is ", values[0], ": the segments start at row 0");
    for (int64_t e = 0; e < last; ++e) {
        args.require(values[e] <= values[e + 1], "expert_offsets", "decreases from ", values[e], " at element ", e,
                     " to ", values[e + 1], " at element ", e + 1, " (the rows of each expert are a segment of x)");
    }
    args.require(values[last] == rows, "expert_offsets", "element ", last, " (the last) is ", values[last],
                 " but x has R = ", rows, " rows");
}

}  // namespace

extern "C" {

QRT_API qrt_status qrt_gemm_wna16_repacked_grouped(qrt_stream* stream, const qrt_tensor* x,
                                                   const qrt_tensor* repacked_weight, const qrt_tensor* repacked_scale,
                                                   const qrt_tensor* repacked_zero_point, int32_t num_bits,
                                                   int64_t group_size, const qrt_tensor* bias,
                                                   const qrt_tensor* expert_offsets, qrt_tensor* y) {
    return qrt::guarded("qrt_gemm_wna16_repacked_grouped", [&] {
        const OpArgs args("qrt_gemm_wna16_repacked_grouped", stream);
        const NamedRows x_rows = args.named_rows("x", x, qrt::float_dtypes());
        const TensorRef weight_ref = args.tensor("repacked_weight", repacked_weight, {QRT_DTYPE_I32});
        args.require(weight_ref.rank == 3, "repacked_weight", "must be [E, K / 16, 2N] (rank 3), got shape ",
                     weight_ref.shape_string());
        wna16::StackedRepackedInt4 w;
        w.experts = weight_ref.shape[0];
        wna16::RepackedInt4& first = w.first;
        first.k = x_rows.view.cols;
        first.n = weight_ref.shape[2] / 2;
        require_layout_rules(args, num_bits, first.n, first.k, group_size);
        first.group_size = group_size;
        first.groups = group_size == 0 ? 1 : ceil_div(first.k, group_size);
        first.weight = first_slice(args, "repacked_weight", repacked_weight, {QRT_DTYPE_I32}, w.experts, first.k / 16,
                                   2 * first.n, "[E, K / 16, 2N] for x's K");
        first.scale = first_slice(args, "repacked_scale", repacked_scale, qrt::float_dtypes(), w.experts, first.groups,
                                  first.n, "[E, groups, N]");
        if (repacked_zero_point != nullptr) {
            first.zero_point = first_slice(args, "repacked_zero_point", repacked_zero_point, {QRT_DTYPE_I32}, w.experts,
                                           first.groups, first.n / 8, "[E, groups, N / 8]");
        }
        ScaleVector bias_values;
        if (const std::optional<TensorRef> bias_ref = args.optional_tensor("bias", bias, qrt::float_dtypes())) {
            args.require(bias_ref->rank == 2 && bias_ref->shape[0] == w.experts && bias_ref->shape[1] == first.n, "bias",
                         "must be [E, N] = [", w.experts, ", ", first.n, "], got shape ", bias_ref->shape_string());
            args.require(bias_ref->is_contiguous(), "bias", "must be contiguous");
            bias_values = ScaleVector{bias_ref->data, bias_ref->dtype, w.experts * first.n};
        }
        const IndexVector offsets = expert_offsets_vector(args, expert_offsets, w.experts);
        const NamedRows y_rows = args.named_rows("y", y, qrt::float_dtypes());
        args.require(y_rows.view.rows == x_rows.view.rows, "y", "has ", y_rows.view.rows, " rows but x has ",
                     x_rows.view.rows);
        args.require(y_rows.view.cols == first.n, "y", "has ", y_rows.view.cols, " columns but the weight has N = ",
                     first.n, " output features");
        args.require(!qrt::may_overlap(y_rows.tensor, x_rows.tensor), "y", "overlaps x");
        const auto* offset_values = static_cast<const int32_t*>(offsets.data);
        switch (args.backend()) {
            case QRT_BACKEND_CPU:
                check_offsets(args, offsets, x_rows.view.rows);
                qrt::cpu::gemm_wna16_repacked_grouped(x_rows.view, w, bias_values, offset_values, y_rows.view);
                return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA: {
                if (x_rows.view.dtype != QRT_DTYPE_F16 && x_rows.view.dtype != QRT_DTYPE_BF16) {
                    args.fail(QRT_STATUS_UNSUPPORTED, "x",
                              qrt::concat("dtype ", qrt::dtype_name(x_rows.view.dtype),
                                          ": the CUDA kernel multiplies F16 or BF16 activations on the tensor cores"));
                }
                require_16_byte_aligned(args, "x", x_rows.view.data);
                if (x_rows.view.rows > 1 && x_rows.view.row_stride % 8 != 0) {
                    args.fail(QRT_STATUS_UNSUPPORTED, "x",
                              qrt::concat("row stride ", x_rows.view.row_stride,
                                          ": the CUDA kernel needs a multiple of 8 elements (16-byte aligned rows)"));
                }
                // Each expert's slice starts a multiple of 16 bytes after the first (N is a multiple of 64).
                require_16_byte_aligned(args, "repacked_weight", first.weight.data);
                require_16_byte_aligned(args, "repacked_scale", first.scale.data);
                if (first.zero_point) require_16_byte_aligned(args, "repacked_zero_point", first.zero_point->data);
                qrt::cuda::gemm_wna16_repacked_grouped(stream, x_rows.view, w, bias_values, offset_values, y_rows.view);
                return;
            }
#endif
            default: args.unsupported_on_backend();
        }
    });
}

QRT_API qrt_status qrt_gather_columns_grouped(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* indices,
                                              const qrt_tensor* expert_offsets, qrt_tensor* y) {
    return qrt::guarded("qrt_gather_columns_grouped", [&] {
        const OpArgs args("qrt_gather_columns_grouped", stream);
        const NamedRows source = args.named_rows("x", x, qrt::float_dtypes());
        const int64_t k = source.view.cols;
        const TensorRef index_ref = args.tensor("indices", indices, {QRT_DTYPE_I32});
        args.require(index_ref.rank == 2 && index_ref.shape[1] == k, "indices", "must be [E, K] with K = ", k,
                     " (x's columns), got shape ", index_ref.shape_string());
        args.require(index_ref.is_contiguous(), "indices", "must be contiguous");
        const int64_t experts = index_ref.shape[0];
        const IndexVector offsets = expert_offsets_vector(args, expert_offsets, experts);
        const NamedRows target = args.named_rows("y", y, qrt::float_dtypes());
        args.require(target.tensor.dtype == source.tensor.dtype, "y", "dtype ", qrt::dtype_name(target.tensor.dtype),
                     " differs from x's dtype ", qrt::dtype_name(source.tensor.dtype),
                     " (a gather copies elements unchanged)");
        args.require(target.view.rows == source.view.rows && target.view.cols == k, "y", "shape ",
                     target.tensor.shape_string(), " must have the rows and columns of x's shape ",
                     source.tensor.shape_string());
        args.require(!qrt::may_overlap(target.tensor, source.tensor), "y", "overlaps x");
        const auto* index_values = static_cast<const int32_t*>(index_ref.data);
        const auto* offset_values = static_cast<const int32_t*>(offsets.data);
        switch (args.backend()) {
            case QRT_BACKEND_CPU:
                check_offsets(args, offsets, source.view.rows);
                for (int64_t e = 0; e < experts; ++e) {
                    for (int64_t j = 0; j < k; ++j) {
                        const int32_t column = index_values[e * k + j];
                        args.require(column >= 0 && column < k, "indices", "element [", e, ", ", j, "] holds ", column,
                                     ", outside [0, ", k, ") (K = ", k, ", the columns of x)");
                    }
                }
                qrt::cpu::gather_columns_grouped(source.view, index_values, offset_values, experts, target.view);
                return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA:
                qrt::cuda::gather_columns_grouped(stream, source.view, IndexVector{index_values, QRT_DTYPE_I32, experts * k},
                                                  offset_values, experts, target.view);
                return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

}  // extern "C"
