// Entry points for normalisation: qrt_rms_norm, qrt_add_rms_norm and qrt_layer_norm.
#include <cmath>
#include <cstdint>
#include <optional>

#include "core/error.h"
#include "core/tensor.h"
#include "cpu/norm.h"
#include "qrt.h"

#if defined(QRT_WITH_CUDA)
#  include "cuda/cuda_backend.h"
#endif

namespace {

using qrt::OpArgs;
using qrt::TensorRef;

// A weight or bias: one float per column of x, contiguous.
TensorRef parameter_vector(const OpArgs& args, const char* name, const qrt_tensor* tensor, const qrt::NamedRows& x) {
    const TensorRef ref = args.tensor(name, tensor, qrt::float_dtypes());
    args.require(ref.numel() == x.view.cols, name, "must have ", x.view.cols, " elements (one per column of ", x.name,
                 "), got shape ", ref.shape_string());
    args.require(ref.is_contiguous(), name, "must be contiguous");
    return ref;
}

void require_valid_eps(const OpArgs& args, float eps) {
    args.require(std::isfinite(eps) && eps >= 0.0f, "eps", "must be finite and >= 0, got ", eps);
}

}  // namespace

extern "C" QRT_API qrt_status qrt_rms_norm(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* weight, float eps,
                                           qrt_tensor* y) {
    return qrt::guarded("qrt_rms_norm", [&] {
        OpArgs args("qrt_rms_norm", stream);
        const qrt::NamedRows x_rows = args.named_rows("x", x, qrt::float_dtypes());
        const TensorRef weight_ref = parameter_vector(args, "weight", weight, x_rows);
        require_valid_eps(args, eps);
        const qrt::NamedRows y_rows = args.named_rows("y", y, qrt::float_dtypes());
        args.require_same_rows(y_rows, x_rows);
        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::rms_norm(x_rows.view, weight_ref, eps, y_rows.view); return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA: qrt::cuda::rms_norm(stream, x_rows.view, weight_ref, eps, y_rows.view); return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

extern "C" QRT_API qrt_status qrt_add_rms_norm(qrt_stream* stream, const qrt_tensor* x, qrt_tensor* residual,
                                               const qrt_tensor* weight, float eps, qrt_tensor* y) {
    return qrt::guarded("qrt_add_rms_norm", [&] {
        OpArgs args("qrt_add_rms_norm", stream);
        const qrt::NamedRows x_rows = args.named_rows("x", x, qrt::float_dtypes());
        const qrt::NamedRows residual_rows = args.named_rows("residual", residual, qrt::float_dtypes());
        args.require_same_rows(residual_rows, x_rows);
        const TensorRef weight_ref = parameter_vector(args, "weight", weight, x_rows);
        require_valid_eps(args, eps);
        const qrt::NamedRows y_rows = args.named_rows("y", y, qrt::float_dtypes());
        args.require_same_rows(y_rows, x_rows);
        // residual is written before y; were they to share memory, one would overwrite the other.
        args.require(!qrt::may_overlap(y_rows.tensor, residual_rows.tensor), "y",
                     "overlaps residual (y may be x, but not residual)");
        switch (args.backend()) {
            case QRT_BACKEND_CPU:
                qrt::cpu::add_rms_norm(x_rows.view, residual_rows.view, weight_ref, eps, y_rows.view);
                return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA:
                qrt::cuda::add_rms_norm(stream, x_rows.view, residual_rows.view, weight_ref, eps, y_rows.view);
                return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

extern "C" QRT_API qrt_status qrt_layer_norm(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* weight,
                                             const qrt_tensor* bias, float eps, qrt_tensor* y) {
    return qrt::guarded("qrt_layer_norm", [&] {
        OpArgs args("qrt_layer_norm", stream);
        const qrt::NamedRows x_rows = args.named_rows("x", x, qrt::float_dtypes());
        const TensorRef weight_ref = parameter_vector(args, "weight", weight, x_rows);
        std::optional<TensorRef> bias_ref;
        if (bias != nullptr) bias_ref = parameter_vector(args, "bias", bias, x_rows);
        require_valid_eps(args, eps);
        const qrt::NamedRows y_rows = args.named_rows("y", y, qrt::float_dtypes());
        args.require_same_rows(y_rows, x_rows);
        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::layer_norm(x_rows.view, weight_ref, bias_ref, eps, y_rows.view); return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA:
                qrt::cuda::layer_norm(stream, x_rows.view, weight_ref, bias_ref, eps, y_rows.view);
                return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}
