// INT8 W8A8 linear layer on the s8 tensor cores (mma.sync m16n8k32, int32 accumulation):
//   y[m][n] = a_scale[m] · w_scale[n] · (Σk a[m][k]·w[n][k] − a_zero_point · Σk w[n][k]) (+ bias[n]).
// The integer sums are exact, and the epilogue repeats the CPU op's FP32 operations in its order (gemm_kernel.cuh),
// so the result is bit-identical to the CPU op's. Σk w[n][k] is computed from the streamed weight tiles themselves
// (an extra mma with an all-ones A), only when the zero point is not 0.
#include <optional>

#include "cuda/cuda_backend.h"
#include "cuda/gemm_kernel.cuh"

namespace qrt::cuda {

void gemm_w8a8_int8(const qrt_stream* stream, const RowsView& a, const ScaleVector& a_scale,
                    const std::optional<IndexVector>& a_zero_point, const RowsView& w, const ScaleVector& w_scale,
                    const ScaleVector& bias, const RowsView& y) {
    constexpr const char* op = "qrt_gemm_w8a8_int8";
    // Each product is at most 2^14 in magnitude, so an int32 holds any sum of fewer than 2^17 of them.
    if (a.cols >= (int64_t{1} << 17)) {
        tiled::unsupported(op, "a", concat("accumulates in int32 and takes K < 131072, got K = ", a.cols));
    }
    tiled::GemmParams params = tiled::output_params(y, w.rows, a_scale, w_scale, bias);
    params.a = tiled::operand_rows(op, "a", a);
    params.w = tiled::operand_rows(op, "w", w);
    params.zero_point = a_zero_point ? static_cast<const int32_t*>(a_zero_point->data) : nullptr;
    tiled::launch<tiled::Int8Policy>(op, stream, params);
}

}  // namespace qrt::cuda
