// Dense BF16/F16 linear layer on the tensor cores (mma.sync m16n8k16, FP32 accumulation): y = x · wᵀ (+ bias), with
// x and w of the same 16-bit dtype and y in F32, F16 or BF16.
#include "cuda/cuda_backend.h"
#include "cuda/gemm_kernel.cuh"

namespace qrt::cuda {

void gemm(const qrt_stream* stream, const RowsView& x, const RowsView& w, const ScaleVector& bias, const RowsView& y) {
    constexpr const char* op = "qrt_gemm";
    if (x.dtype != QRT_DTYPE_BF16 && x.dtype != QRT_DTYPE_F16) {
        tiled::unsupported(op, "x", concat("takes BF16 or F16, got ", dtype_name(x.dtype)));
    }
    if (w.dtype != x.dtype) {
        tiled::unsupported(op, "w", concat("needs it in x's dtype (", dtype_name(x.dtype), "), got ", dtype_name(w.dtype)));
    }
    tiled::GemmParams params = tiled::output_params(y, w.rows, ScaleVector{}, ScaleVector{}, bias);
    params.a = tiled::operand_rows(op, "x", x);
    params.w = tiled::operand_rows(op, "w", w);
    if (x.dtype == QRT_DTYPE_BF16) {
        tiled::launch<tiled::DensePolicy<__nv_bfloat16>>(op, stream, params);
    } else {
        tiled::launch<tiled::DensePolicy<__half>>(op, stream, params);
    }
}

}  // namespace qrt::cuda
