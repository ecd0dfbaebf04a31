// Entry points of activation quantization (INT8 and FP8, dynamic per row or static per tensor): every
// argument is validated, then the call goes to the kernel of the stream's backend.
#include <optional>

#include "core/error.h"
#include "core/tensor.h"
#include "cpu/quantize.h"
#include "qrt.h"

#if defined(QRT_WITH_CUDA)
#  include "cuda/cuda_backend.h"
#endif

namespace {

using qrt::IndexVector;
using qrt::OpArgs;
using qrt::RowsView;
using qrt::ScaleVector;
using qrt::TensorRef;

// The quantized output: x's rows and columns in the quantized dtype.
RowsView quantized_rows(const OpArgs& args, const qrt_tensor* q, qrt_dtype dtype, const RowsView& x) {
    const RowsView view = args.rows("q", args.tensor("q", q, {dtype}));
    args.require(view.rows == x.rows, "q", "has ", view.rows, " rows but x has ", x.rows);
    args.require(view.cols == x.cols, "q", "has ", view.cols, " columns but x has ", x.cols);
    return view;
}

// A static per-tensor scale: one float element.
ScaleVector static_scale_value(const OpArgs& args, const TensorRef& scale) {
    args.require(scale.numel() == 1, "static_scale", "must have exactly 1 element (a per-tensor scale), got shape ",
                 scale.shape_string());
    return ScaleVector{scale.data, scale.dtype, 1};
}

// Where dynamic quantization writes its per-row scales: F32, one contiguous element per row of x.
float* dynamic_scale_output(const OpArgs& args, const qrt_tensor* scale_out, const RowsView& x) {
    const TensorRef ref = args.tensor("scale_out", scale_out, {QRT_DTYPE_F32});
    args.require(ref.numel() == x.rows, "scale_out", "must have one element per row of x (M = ", x.rows,
                 "), got shape ", ref.shape_string());
    args.require(ref.is_contiguous(), "scale_out", "must be contiguous");
    return static_cast<float*>(ref.data);
}

void require_no_scale_output(const OpArgs& args, const qrt_tensor* scale_out) {
    args.require(scale_out == nullptr, "scale_out",
                 "must be NULL with a static scale (only dynamic quantization "
                 "computes scales)");
}

}  // namespace

extern "C" {

QRT_API qrt_status qrt_quantize_int8(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* static_scale,
                                     const qrt_tensor* static_zero_point, qrt_tensor* q, qrt_tensor* scale_out) {
    return qrt::guarded("qrt_quantize_int8", [&] {
        const OpArgs args("qrt_quantize_int8", stream);
        const RowsView x_rows = args.rows("x", args.tensor("x", x, qrt::float_dtypes()));
        if (static_scale != nullptr) {
            const ScaleVector scale =
                static_scale_value(args, args.tensor("static_scale", static_scale, qrt::float_dtypes()));
            std::optional<IndexVector> zero_point;
            if (const auto ref = args.optional_tensor("static_zero_point", static_zero_point, {QRT_DTYPE_I32})) {
                zero_point = args.indices("static_zero_point", *ref, 1);
            }
            const RowsView q_rows = quantized_rows(args, q, QRT_DTYPE_I8, x_rows);
            require_no_scale_output(args, scale_out);
            switch (args.backend()) {
                case QRT_BACKEND_CPU: qrt::cpu::quantize_int8_static(x_rows, scale, zero_point, q_rows); return;
#if defined(QRT_WITH_CUDA)
                case QRT_BACKEND_CUDA: qrt::cuda::quantize_int8_static(stream, x_rows, scale, zero_point, q_rows); return;
#endif
                default: args.unsupported_on_backend();
            }
        }
        args.require(static_zero_point == nullptr, "static_zero_point",
                     "must be NULL without static_scale (dynamic quantization is symmetric)");
        const RowsView q_rows = quantized_rows(args, q, QRT_DTYPE_I8, x_rows);
        float* scales = dynamic_scale_output(args, scale_out, x_rows);
        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::quantize_int8_dynamic(x_rows, q_rows, scales); return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA: qrt::cuda::quantize_int8_dynamic(stream, x_rows, q_rows, scales); return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

QRT_API qrt_status qrt_quantize_fp8(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* static_scale,
                                    qrt_tensor* q, qrt_tensor* scale_out) {
    return qrt::guarded("qrt_quantize_fp8", [&] {
        const OpArgs args("qrt_quantize_fp8", stream);
        const RowsView x_rows = args.rows("x", args.tensor("x", x, qrt::float_dtypes()));
        if (static_scale != nullptr) {
            const ScaleVector scale =
                static_scale_value(args, args.tensor("static_scale", static_scale, qrt::float_dtypes()));
            const RowsView q_rows = quantized_rows(args, q, QRT_DTYPE_F8_E4M3, x_rows);
            require_no_scale_output(args, scale_out);
            switch (args.backend()) {
                case QRT_BACKEND_CPU: qrt::cpu::quantize_fp8_static(x_rows, scale, q_rows); return;
#if defined(QRT_WITH_CUDA)
                case QRT_BACKEND_CUDA: qrt::cuda::quantize_fp8_static(stream, x_rows, scale, q_rows); return;
#endif
                default: args.unsupported_on_backend();
            }
        }
        const RowsView q_rows = quantized_rows(args, q, QRT_DTYPE_F8_E4M3, x_rows);
        float* scales = dynamic_scale_output(args, scale_out, x_rows);
        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::quantize_fp8_dynamic(x_rows, q_rows, scales); return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA: qrt::cuda::quantize_fp8_dynamic(stream, x_rows, q_rows, scales); return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

}  // extern "C"
