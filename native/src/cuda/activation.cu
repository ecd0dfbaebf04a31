// Activations on the GPU: y = act(x) and y = act(gate) · up, one thread per element, a 2-D grid of column blocks
// by rows. Each function is the CPU's (cpu/activation.cpp) operation for operation in FP32: the same formula, the
// same order, every product and sum rounded on its own (__fmul_rn / __fadd_rn where nvcc would otherwise contract a
// product and a sum into one FMA), then one rounding to y's dtype. Results are therefore the CPU's bits wherever
// the math library agrees: always in the emulator, which calls the host's expf and erfcf; on a GPU, expf (2 ulp)
// and erfcf (4 ulp, CUDA C Programming Guide) may differ from the host's by a few units in the last place, and the
// tests bound the result by that. Every thread reads its element before it writes it, so y may alias an input.
#include <cfloat>
#include <cstdint>
#include <type_traits>

#include "core/stream.h"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_check.h"
#include "cuda/float_types.cuh"
#include "cuda/launch.cuh"
#include "cuda/row_blocks.cuh"

namespace qrt::cuda {
namespace {

constexpr unsigned kThreads = 256;
constexpr unsigned kMaxGridRows = 65535;  // CUDA's limit on gridDim.y; taller inputs loop over rows

constexpr float kSqrtHalf = 0.707106781186547524f;       // 1/√2
constexpr float kSqrtTwoOverPi = 0.797884560802865356f;  // √(2/π)
constexpr float kGeluTanhCubic = 0.044715f;
constexpr float kQuickGeluScale = 1.702f;

// σ(z) through e^−|z| ∈ (0, 1], which cannot overflow: 1 / (1 + e) for z ≥ 0, e / (1 + e) below.
__device__ __forceinline__ float sigmoid(float z) {
    const float e = expf(-fabsf(z));
    const float s = 1.0f / __fadd_rn(1.0f, e);
    return z >= 0.0f ? s : __fmul_rn(e, s);
}

// x · g(x) with x held finite, so that x = −∞ gives the limit −0 rather than −∞ · 0 = NaN.
__device__ __forceinline__ float times_factor(float x, float factor) {
    return __fmul_rn(x < -FLT_MAX ? -FLT_MAX : x, factor);
}

template <qrt_activation Activation>
__device__ __forceinline__ float activate_value(float x) {
    if constexpr (Activation == QRT_ACTIVATION_SILU) {
        return times_factor(x, sigmoid(x));
    } else if constexpr (Activation == QRT_ACTIVATION_GELU) {
        // 0.5 · (1 + erf(x/√2)) as 0.5 · erfc(−x/√2), which does not cancel for x ≪ 0.
        return times_factor(x, __fmul_rn(0.5f, erfcf(__fmul_rn(-x, kSqrtHalf))));
    } else if constexpr (Activation == QRT_ACTIVATION_GELU_TANH) {
        // 0.5 · (1 + tanh(w)) = σ(2w), w = √(2/π) · (x + 0.044715 · x³), the cube as ((0.044715 · x) · x) · x.
        const float cubic = __fmul_rn(__fmul_rn(__fmul_rn(kGeluTanhCubic, x), x), x);
        const float w = __fmul_rn(kSqrtTwoOverPi, __fadd_rn(x, cubic));
        return times_factor(x, sigmoid(__fmul_rn(2.0f, w)));
    } else {
        return times_factor(x, sigmoid(__fmul_rn(kQuickGeluScale, x)));
    }
}

template <qrt_activation Activation, class T>
__global__ void activate_kernel(const T* x, long long x_stride, T* y, long long y_stride, long long rows, int cols) {
    const int col = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
    if (col >= cols) return;
    for (long long row = blockIdx.y; row < rows; row += gridDim.y) {
        y[row * y_stride + col] = from_float<T>(activate_value<Activation>(to_float(x[row * x_stride + col])));
    }
}

template <qrt_activation Activation, class T>
__global__ void activate_gated_kernel(const T* gate, long long gate_stride, const T* up, long long up_stride, T* y,
                                      long long y_stride, long long rows, int cols) {
    const int col = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
    if (col >= cols) return;
    for (long long row = blockIdx.y; row < rows; row += gridDim.y) {
        const float activated = activate_value<Activation>(to_float(gate[row * gate_stride + col]));
        y[row * y_stride + col] = from_float<T>(__fmul_rn(activated, to_float(up[row * up_stride + col])));
    }
}

LaunchShape element_grid(const RowsView& x) {
    LaunchShape shape;
    shape.grid = dim3(static_cast<unsigned>((x.cols + kThreads - 1) / kThreads),
                      static_cast<unsigned>(x.rows < kMaxGridRows ? x.rows : kMaxGridRows));
    shape.block = dim3(kThreads);
    return shape;
}

// Calls body(std::integral_constant<qrt_activation, A>{}) for the activation's compile-time value.
template <class Body>
void dispatch_activation(qrt_activation activation, Body&& body) {
    switch (activation) {
        case QRT_ACTIVATION_SILU: body(std::integral_constant<qrt_activation, QRT_ACTIVATION_SILU>{}); return;
        case QRT_ACTIVATION_GELU: body(std::integral_constant<qrt_activation, QRT_ACTIVATION_GELU>{}); return;
        case QRT_ACTIVATION_GELU_TANH: body(std::integral_constant<qrt_activation, QRT_ACTIVATION_GELU_TANH>{}); return;
        case QRT_ACTIVATION_QUICK_GELU:
            body(std::integral_constant<qrt_activation, QRT_ACTIVATION_QUICK_GELU>{});
            return;
    }
    throw Error(QRT_STATUS_INTERNAL_ERROR, "dispatch_activation: unknown activation");
}

}  // namespace

void activate(const qrt_stream* stream, qrt_activation activation, const RowsView& x, const RowsView& y) {
    constexpr const char* op = "qrt_activate";
    require_one_dtype(op, x.dtype, y.dtype, "y");
    require_launchable(op, x);
    if (x.rows == 0 || x.cols == 0) return;
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    dispatch_activation(activation, [&](auto which) {
        constexpr qrt_activation kActivation = decltype(which)::value;
        dispatch_float(x.dtype, [&](auto type) {
            using T = typename decltype(type)::type;
            QRT_LAUNCH((activate_kernel<kActivation, T>), element_grid(x), cuda_stream, static_cast<const T*>(x.data),
                       x.row_stride, static_cast<T*>(y.data), y.row_stride, x.rows, static_cast<int>(x.cols));
        });
    });
    check_launch(op);
}

void activate_gated(const qrt_stream* stream, qrt_activation activation, const RowsView& gate, const RowsView& up,
                    const RowsView& y) {
    constexpr const char* op = "qrt_activate_gated";
    require_one_dtype(op, gate.dtype, up.dtype, "up");
    require_one_dtype(op, gate.dtype, y.dtype, "y");
    require_launchable(op, gate);
    if (gate.rows == 0 || gate.cols == 0) return;
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    dispatch_activation(activation, [&](auto which) {
        constexpr qrt_activation kActivation = decltype(which)::value;
        dispatch_float(gate.dtype, [&](auto type) {
            using T = typename decltype(type)::type;
            QRT_LAUNCH((activate_gated_kernel<kActivation, T>), element_grid(gate), cuda_stream,
                       static_cast<const T*>(gate.data), gate.row_stride, static_cast<const T*>(up.data), up.row_stride,
                       static_cast<T*>(y.data), y.row_stride, gate.rows, static_cast<int>(gate.cols));
        });
    });
    check_launch(op);
}

}  // namespace qrt::cuda
