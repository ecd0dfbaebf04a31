// Entry points for rotary position embedding.
#include "core/error.h"
#include "core/tensor.h"
#include "cpu/rope.h"
#include "qrt.h"
#if defined(QRT_WITH_CUDA)
#  include "cuda/cuda_backend.h"
#endif

extern "C" {

QRT_API qrt_status qrt_rope(qrt_stream* stream, qrt_tensor* x, const qrt_tensor* positions,
                            const qrt_tensor* inv_freq) {
    return qrt::guarded("qrt_rope", [&] {
        qrt::OpArgs args("qrt_rope", stream);
        const qrt::HeadsView heads = args.heads("x", args.tensor("x", x, qrt::float_dtypes()));
        const qrt::IndexVector token_positions =
            args.indices("positions", args.tensor("positions", positions, qrt::index_dtypes()), heads.tokens);
        const qrt::TensorRef frequencies = args.tensor("inv_freq", inv_freq, {QRT_DTYPE_F32});
        args.require(frequencies.is_contiguous(), "inv_freq", "must be contiguous");
        const int64_t half = frequencies.numel();
        args.require(half <= heads.dim / 2, "inv_freq", "has ", half, " frequencies, which rotate ", half,
                     " pairs of dims, but x has only ", heads.dim, " dims per head");
        switch (args.backend()) {
            case QRT_BACKEND_CPU:
                qrt::cpu::rope(heads, token_positions, static_cast<const float*>(frequencies.data), half);
                return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA:
                qrt::cuda::rope(stream, heads, token_positions, static_cast<const float*>(frequencies.data), half);
                return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

QRT_API qrt_status qrt_rope_cos_sin(qrt_stream* stream, qrt_tensor* x, const qrt_tensor* cos, const qrt_tensor* sin) {
    return qrt::guarded("qrt_rope_cos_sin", [&] {
        qrt::OpArgs args("qrt_rope_cos_sin", stream);
        const qrt::HeadsView heads = args.heads("x", args.tensor("x", x, qrt::float_dtypes()));
        const qrt::TensorRef cos_ref = args.tensor("cos", cos, {QRT_DTYPE_F32});
        const qrt::TensorRef sin_ref = args.tensor("sin", sin, {QRT_DTYPE_F32});
        args.require(cos_ref.rank == 2, "cos", "must be [tokens, half] (rank 2), got shape ", cos_ref.shape_string());
        args.require(sin_ref.rank == 2 && sin_ref.shape[0] == cos_ref.shape[0] && sin_ref.shape[1] == cos_ref.shape[1],
                     "sin", "has shape ", sin_ref.shape_string(), " but cos has shape ", cos_ref.shape_string());
        const qrt::RowsView cos_rows = args.rows("cos", cos_ref);
        const qrt::RowsView sin_rows = args.rows("sin", sin_ref);
        args.require(cos_rows.rows == heads.tokens, "cos", "has ", cos_rows.rows, " rows but x has ", heads.tokens,
                     " tokens");
        args.require(cos_rows.cols <= heads.dim / 2, "cos", "has ", cos_rows.cols, " columns, which rotate ",
                     cos_rows.cols, " pairs of dims, but x has only ", heads.dim, " dims per head");
        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::rope_cos_sin(heads, cos_rows, sin_rows); return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA: qrt::cuda::rope_cos_sin(stream, heads, cos_rows, sin_rows); return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

}  // extern "C"
