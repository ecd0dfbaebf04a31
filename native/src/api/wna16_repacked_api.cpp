// Entry points of the repacked W4A16 layout: qrt_repack_wna16, qrt_gemm_wna16_repacked_workspace_size and
// qrt_gemm_wna16_repacked. Every argument is validated here, and the layout's shape rules are checked the same way
// on every backend, so a weight that repacks on the CPU repacks on the GPU.
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "core/error.h"
#include "api/linear_args.h"
#include "api/wna16_args.h"
#include "core/tensor.h"
#include "core/wna16_layout.h"
#include "cpu/wna16_repacked.h"
#include "qrt.h"

#if defined(QRT_WITH_CUDA)
#  include "cuda/cuda_backend.h"
#endif

namespace {

using qrt::linear_args::bias_vector;
using qrt::linear_args::ceil_div;
using qrt::wna16_args::exact_matrix;
using qrt::wna16_args::require_layout_rules;
#if defined(QRT_WITH_CUDA)
using qrt::wna16_args::require_16_byte_aligned;
#endif

using qrt::OpArgs;
using qrt::RowsView;
using qrt::ScaleVector;
using qrt::TensorRef;
namespace wna16 = qrt::wna16;

}  // namespace

extern "C" {

QRT_API qrt_status qrt_repack_wna16(qrt_stream* stream, const qrt_tensor* weight_packed, const qrt_tensor* weight_scale,
                                    const qrt_tensor* weight_zero_point, int32_t num_bits, int64_t group_size,
                                    qrt_tensor* repacked_weight, qrt_tensor* repacked_scale,
                                    qrt_tensor* repacked_zero_point) {
    return qrt::guarded("qrt_repack_wna16", [&] {
        const OpArgs args("qrt_repack_wna16", stream);
        const TensorRef packed_ref = args.tensor("weight_packed", weight_packed, {QRT_DTYPE_I32});
        args.require(packed_ref.rank == 2, "weight_packed", "must be [N, K / 8] (rank 2), got shape ",
                     packed_ref.shape_string());
        wna16::PackedInt4 source;
        source.packed = args.rows("weight_packed", packed_ref);
        source.n = source.packed.rows;
        source.k = source.packed.cols * 8;
        require_layout_rules(args, num_bits, source.n, source.k, group_size);
        source.groups = group_size == 0 ? 1 : ceil_div(source.k, group_size);

        const TensorRef scale_ref = args.tensor("weight_scale", weight_scale, qrt::float_dtypes());
        args.require(scale_ref.rank == 2 && scale_ref.shape[0] == source.n && scale_ref.shape[1] == source.groups,
                     "weight_scale", "must be [N, groups] = [", source.n, ", ", source.groups, "] (K = ", source.k,
                     ", group_size ", group_size, "), got shape ", scale_ref.shape_string());
        source.scale = args.rows("weight_scale", scale_ref);

        wna16::RepackedInt4 target;
        target.n = source.n;
        target.k = source.k;
        target.group_size = group_size;
        target.groups = source.groups;
        target.weight = exact_matrix(args, "repacked_weight", repacked_weight, {QRT_DTYPE_I32}, source.k / 16,
                                     2 * source.n, "[K / 16, 2N]");
        target.scale = exact_matrix(args, "repacked_scale", repacked_scale, {scale_ref.dtype}, source.groups, source.n,
                                    "[groups, N] in weight_scale's dtype");
        args.require((weight_zero_point == nullptr) == (repacked_zero_point == nullptr), "repacked_zero_point",
                     weight_zero_point == nullptr ? "must be NULL when weight_zero_point is NULL"
                                                  : "must be given when weight_zero_point is");
        if (weight_zero_point != nullptr) {
            const TensorRef zero_ref = args.tensor("weight_zero_point", weight_zero_point, {QRT_DTYPE_I32});
            args.require(zero_ref.rank == 2 && zero_ref.shape[0] == source.n / 8 && zero_ref.shape[1] == source.groups,
                         "weight_zero_point", "must be [N / 8, groups] = [", source.n / 8, ", ", source.groups,
                         "], got shape ", zero_ref.shape_string());
            source.zero_point = args.rows("weight_zero_point", zero_ref);
            target.zero_point = exact_matrix(args, "repacked_zero_point", repacked_zero_point, {QRT_DTYPE_I32},
                                             source.groups, source.n / 8, "[groups, N / 8]");
        }

        // The outputs are written while the inputs are still being read.
        std::vector<std::pair<const char*, TensorRef>> inputs = {{"weight_packed", packed_ref}, {"weight_scale", scale_ref}};
        std::vector<std::pair<const char*, const qrt_tensor*>> outputs = {{"repacked_weight", repacked_weight},
                                                                          {"repacked_scale", repacked_scale}};
        if (weight_zero_point != nullptr) {
            inputs.emplace_back("weight_zero_point", args.tensor("weight_zero_point", weight_zero_point, {QRT_DTYPE_I32}));
            outputs.emplace_back("repacked_zero_point", repacked_zero_point);
        }
        for (const auto& [output_name, output] : outputs) {
            const TensorRef out = args.tensor(output_name, output, {QRT_DTYPE_I32, QRT_DTYPE_F32, QRT_DTYPE_F16, QRT_DTYPE_BF16});
            for (const auto& [input_name, in] : inputs) {
                args.require(!qrt::may_overlap(out, in), output_name, "overlaps ", input_name);
            }
        }

        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::repack_wna16(source, target); return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA: qrt::cuda::repack_wna16(stream, source, target); return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

QRT_API qrt_status qrt_gemm_wna16_repacked_workspace_size(qrt_device device, int64_t max_rows, int64_t n, int64_t k,
                                                          size_t* bytes) {
    constexpr const char* function = "qrt_gemm_wna16_repacked_workspace_size";
    return qrt::guarded(function, [&] {
        auto require = [&](bool condition, const char* name, const std::string& message) {
            if (!condition) {
                throw qrt::Error(QRT_STATUS_INVALID_ARGUMENT,
                                 qrt::concat(function, ": argument '", name, "': ", message));
            }
        };
        require(bytes != nullptr, "bytes", "is NULL");
        *bytes = 0;
        require(max_rows >= 0, "max_rows", qrt::concat("must be >= 0, got ", max_rows));
        require(n >= 0, "n", qrt::concat("must be >= 0, got ", n));
        require(k >= 0, "k", qrt::concat("must be >= 0, got ", k));
        if (device.backend == QRT_BACKEND_CPU) return;
        require(device.backend == QRT_BACKEND_CUDA, "device", qrt::concat("unknown backend value ", device.backend));
#if defined(QRT_WITH_CUDA)
        if (device.ordinal < 0 || device.ordinal >= qrt::cuda::device_count()) {
            throw qrt::Error(QRT_STATUS_BACKEND_UNAVAILABLE,
                             qrt::concat(function, ": argument 'device': cuda:", device.ordinal, " does not exist"));
        }
        *bytes = qrt::cuda::gemm_wna16_repacked_workspace_bytes(device.ordinal, max_rows, n, k);
#else
        throw qrt::Error(QRT_STATUS_BACKEND_UNAVAILABLE,
                         qrt::concat(function, ": argument 'device': this libqrt was built without the CUDA backend"));
#endif
    });
}

QRT_API qrt_status qrt_gemm_wna16_repacked(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* repacked_weight,
                                           const qrt_tensor* repacked_scale, const qrt_tensor* repacked_zero_point,
                                           int32_t num_bits, int64_t group_size, const qrt_tensor* bias,
                                           qrt_tensor* workspace, qrt_tensor* y) {
    return qrt::guarded("qrt_gemm_wna16_repacked", [&] {
        const OpArgs args("qrt_gemm_wna16_repacked", stream);
        const qrt::NamedRows x_rows = args.named_rows("x", x, qrt::float_dtypes());
        const TensorRef weight_ref = args.tensor("repacked_weight", repacked_weight, {QRT_DTYPE_I32});
        args.require(weight_ref.rank == 2, "repacked_weight", "must be [K / 16, 2N] (rank 2), got shape ",
                     weight_ref.shape_string());
        wna16::RepackedInt4 w;
        w.k = x_rows.view.cols;
        w.n = weight_ref.shape[1] / 2;
        require_layout_rules(args, num_bits, w.n, w.k, group_size);
        w.group_size = group_size;
        w.groups = group_size == 0 ? 1 : ceil_div(w.k, group_size);
        w.weight = exact_matrix(args, "repacked_weight", repacked_weight, {QRT_DTYPE_I32}, w.k / 16, 2 * w.n,
                                "[K / 16, 2N] for x's K");
        w.scale = exact_matrix(args, "repacked_scale", repacked_scale, qrt::float_dtypes(), w.groups, w.n, "[groups, N]");
        if (repacked_zero_point != nullptr) {
            w.zero_point = exact_matrix(args, "repacked_zero_point", repacked_zero_point, {QRT_DTYPE_I32}, w.groups,
                                        w.n / 8, "[groups, N / 8]");
        }
        const ScaleVector bias_values = bias_vector(args, bias, w.n);
        const qrt::NamedRows y_rows = args.named_rows("y", y, qrt::float_dtypes());
        args.require(y_rows.view.rows == x_rows.view.rows, "y", "has ", y_rows.view.rows, " rows but x has ",
                     x_rows.view.rows);
        args.require(y_rows.view.cols == w.n, "y", "has ", y_rows.view.cols, " columns but the weight has N = ", w.n,
                     " output features");
        args.require(!qrt::may_overlap(y_rows.tensor, x_rows.tensor), "y", "overlaps x");
        std::optional<TensorRef> workspace_ref = args.optional_tensor("workspace", workspace, {QRT_DTYPE_U8});
        if (workspace_ref) {
            args.require(workspace_ref->is_contiguous(), "workspace", "must be contiguous");
            args.require(!qrt::may_overlap(*workspace_ref, y_rows.tensor), "workspace", "overlaps y");
        }
        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::gemm_wna16_repacked(x_rows.view, w, bias_values, y_rows.view); return;
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
                require_16_byte_aligned(args, "repacked_weight", w.weight.data);
                require_16_byte_aligned(args, "repacked_scale", w.scale.data);
                if (w.zero_point) require_16_byte_aligned(args, "repacked_zero_point", w.zero_point->data);
                void* workspace_data = workspace_ref ? workspace_ref->data : nullptr;
                const size_t workspace_bytes = workspace_ref ? static_cast<size_t>(workspace_ref->numel()) : 0;
                if (workspace_bytes > 0) require_16_byte_aligned(args, "workspace", workspace_data);
                qrt::cuda::gemm_wna16_repacked(stream, x_rows.view, w, bias_values, workspace_data, workspace_bytes,
                                               y_rows.view);
                return;
            }
#endif
            default: args.unsupported_on_backend();
        }
    });
}

}  // extern "C"
