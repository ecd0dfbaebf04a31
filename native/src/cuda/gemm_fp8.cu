// FP8 (e4m3) linear layers on the tensor cores, FP32 accumulation:
//   W8A8: y[m][n] = a_scale[m] · w_scale[n] · Σk a[m][k]·w[n][k] (+ bias[n]), on the FP8 mma (m16n8k32 e4m3) where
//         the toolkit and device have it, otherwise with both operands widened to BF16 in registers (exact) on the
//         BF16 mma. QRT_CUDA_FP8_MMA=0 in the environment forces the widening path (read at every call), so both
//         paths can be tested on one machine.
//   W8A16: y = x · (w · w_scale)ᵀ (+ bias) with x BF16 or F16 and w widened to x's dtype in registers (m16n8k16).
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "cuda/cuda_backend.h"
#include "cuda/gemm_kernel.cuh"

namespace qrt::cuda {
namespace {

using SmallFp8Mma = tiled::SmallMConfig<tiled::Fp8MmaPolicy>::type;

// Compute capability × 10 of each device, looked up once.
int compute_capability(int ordinal) {
    static std::atomic<int> known[64] = {};
    if (ordinal < 0 || ordinal >= 64) return 0;
    int value = known[ordinal].load();
    if (value == 0) {
        cudaDeviceProp properties;
        check_cuda(cudaGetDeviceProperties(&properties, ordinal), "cudaGetDeviceProperties");
        value = properties.major * 10 + properties.minor;
        known[ordinal].store(value);
    }
    return value;
}

}  // namespace

// Whether the FP8 mma kernel can run: not disabled, compiled by a toolkit that has the instruction, a device of sm_89
// or later, and a binary for that device built for sm_89 or later (an sm_80 binary run on it traps instead). The
// grouped kernels (gemm_grouped.cu) are built with the same flags and ask the same question.
bool tiled::fp8_mma_usable(int ordinal) {
    const char* setting = std::getenv("QRT_CUDA_FP8_MMA");
    if (setting != nullptr && std::strcmp(setting, "0") == 0) return false;
    if (!ptx::fp8_mma_compiled || compute_capability(ordinal) < 89) return false;
#if !defined(QRT_CUDA_EMULATOR)
    cudaFuncAttributes attributes;
    check_cuda(cudaFuncGetAttributes(&attributes, tiled::gemm_kernel<tiled::Fp8MmaPolicy, SmallFp8Mma>),
               "cudaFuncGetAttributes");
    if (attributes.binaryVersion < 89) return false;
#endif
    return true;
}

void gemm_w8a8_fp8(const qrt_stream* stream, const RowsView& a, const ScaleVector& a_scale, const RowsView& w,
                   const ScaleVector& w_scale, const ScaleVector& bias, const RowsView& y) {
    constexpr const char* op = "qrt_gemm_w8a8_fp8";
    tiled::GemmParams params = tiled::output_params(y, w.rows, a_scale, w_scale, bias);
    params.a = tiled::operand_rows(op, "a", a);
    params.w = tiled::operand_rows(op, "w", w);
    DeviceScope scope(stream->device.ordinal);
    if (tiled::fp8_mma_usable(stream->device.ordinal)) {
        tiled::launch<tiled::Fp8MmaPolicy>(op, stream, params);
    } else {
        tiled::launch<tiled::Fp8WidenPolicy>(op, stream, params);
    }
}

void gemm_w8a16_fp8(const qrt_stream* stream, const RowsView& x, const RowsView& w, const ScaleVector& w_scale,
                    const ScaleVector& bias, const RowsView& y) {
    constexpr const char* op = "qrt_gemm_w8a16_fp8";
    if (x.dtype != QRT_DTYPE_BF16 && x.dtype != QRT_DTYPE_F16) {
        tiled::unsupported(op, "x", concat("takes BF16 or F16 activations, got ", dtype_name(x.dtype)));
    }
    tiled::GemmParams params = tiled::output_params(y, w.rows, ScaleVector{}, w_scale, bias);
    params.a = tiled::operand_rows(op, "x", x);
    params.w = tiled::operand_rows(op, "w", w);
    if (x.dtype == QRT_DTYPE_BF16) {
        tiled::launch<tiled::W8A16Policy<__nv_bfloat16>>(op, stream, params);
    } else {
        tiled::launch<tiled::W8A16Policy<__half>>(op, stream, params);
    }
}

}  // namespace qrt::cuda
