// Entry points for activations: qrt_activate and qrt_activate_gated.
#include <cstdint>
#include <cstring>

#include "core/error.h"
#include "core/tensor.h"
#include "cpu/activation.h"
#include "qrt.h"

#if defined(QRT_WITH_CUDA)
#  include "cuda/cuda_backend.h"
#endif

namespace {

using qrt::OpArgs;
using qrt::TensorRef;

// A C caller may pass any integer, but a C++ enum holding a value outside the range of its enumerators
// is undefined behaviour the moment it is read as the enum: the value is read from its bytes instead.
void require_known_activation(const OpArgs& args, const qrt_activation& activation) {
    int32_t value;
    static_assert(sizeof value == sizeof activation, "a C enum is passed as an int");
    std::memcpy(&value, &activation, sizeof value);
    args.require(value >= QRT_ACTIVATION_SILU && value <= QRT_ACTIVATION_QUICK_GELU, "activation", "unknown value ",
                 value, " (expected SILU, GELU, GELU_TANH or QUICK_GELU)");
}

}  // namespace

extern "C" QRT_API qrt_status qrt_activate(qrt_stream* stream, qrt_activation activation, const qrt_tensor* x,
                                           qrt_tensor* y) {
    return qrt::guarded("qrt_activate", [&] {
        OpArgs args("qrt_activate", stream);
        require_known_activation(args, activation);
        const qrt::NamedRows x_rows = args.named_rows("x", x, qrt::float_dtypes());
        const qrt::NamedRows y_rows = args.named_rows("y", y, qrt::float_dtypes());
        args.require_same_rows(y_rows, x_rows);
        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::activate(activation, x_rows.view, y_rows.view); return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA: qrt::cuda::activate(stream, activation, x_rows.view, y_rows.view); return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

extern "C" QRT_API qrt_status qrt_activate_gated(qrt_stream* stream, qrt_activation activation, const qrt_tensor* gate,
                                                 const qrt_tensor* up, qrt_tensor* y) {
    return qrt::guarded("qrt_activate_gated", [&] {
        OpArgs args("qrt_activate_gated", stream);
        require_known_activation(args, activation);
        const qrt::NamedRows gate_rows = args.named_rows("gate", gate, qrt::float_dtypes());
        const qrt::NamedRows up_rows = args.named_rows("up", up, qrt::float_dtypes());
        args.require_same_rows(up_rows, gate_rows);
        const qrt::NamedRows y_rows = args.named_rows("y", y, qrt::float_dtypes());
        args.require_same_rows(y_rows, gate_rows);
        switch (args.backend()) {
            case QRT_BACKEND_CPU:
                qrt::cpu::activate_gated(activation, gate_rows.view, up_rows.view, y_rows.view);
                return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA:
                qrt::cuda::activate_gated(stream, activation, gate_rows.view, up_rows.view, y_rows.view);
                return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}
