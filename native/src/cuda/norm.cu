// RMSNorm, residual-add + RMSNorm and LayerNorm on the GPU: one thread block per row. The numerics follow the CPU
// backend (and transformers): FP32 sum of squares, v = x / sqrt(mean + eps) rounded to the input dtype,
// then multiplied by the weight in FP32 and rounded once to the output. LayerNorm takes the mean, then the mean of
// the squared deviations from it (two passes, as the CPU does, never mean(x²) − mean²), and computes
// ((x − mean) · inverse_std) · weight + bias with each product and sum rounded on its own, in the CPU's order; only
// the order of the two FP32 sums differs from the CPU's.
#include "core/dtype.h"
#include "core/stream.h"
#include "cuda/block_reduce.cuh"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_check.h"
#include "cuda/float_types.cuh"
#include "cuda/launch.cuh"
#include "cuda/row_blocks.cuh"

namespace qrt::cuda {
namespace {

template <class T, class W>
__device__ __forceinline__ T scaled_row_value(float value, float inverse_rms, const W* weight, int col) {
    // Round the normalised value to the activation dtype first, exactly as transformers'
    // `weight * hidden_states.to(input_dtype)` does.
    const float normalised = to_float(from_float<T>(value * inverse_rms));
    return from_float<T>(to_float(weight[col]) * normalised);
}

template <class T, class W>
__global__ void rms_norm_kernel(const T* __restrict__ x, long long x_stride, const W* __restrict__ weight, T* y,
                                long long y_stride, int cols, float eps) {
    const T* x_row = x + blockIdx.x * x_stride;
    T* y_row = y + blockIdx.x * y_stride;
    float sum_of_squares = 0.0f;
    for (int col = threadIdx.x; col < cols; col += blockDim.x) {
        const float value = to_float(x_row[col]);
        sum_of_squares += value * value;
    }
    const float inverse_rms = 1.0f / sqrtf(block_sum(sum_of_squares) / static_cast<float>(cols) + eps);
    for (int col = threadIdx.x; col < cols; col += blockDim.x) {
        y_row[col] = scaled_row_value<T>(to_float(x_row[col]), inverse_rms, weight, col);
    }
}

// Each thread re-reads in the second pass only the residual elements it wrote in the first, so no
// barrier beyond the reduction's is needed, and y may alias x.
template <class T, class W>
__global__ void add_rms_norm_kernel(const T* x, long long x_stride, T* residual, long long residual_stride,
                                    const W* __restrict__ weight, T* y, long long y_stride, int cols, float eps) {
    const T* x_row = x + blockIdx.x * x_stride;
    T* residual_row = residual + blockIdx.x * residual_stride;
    T* y_row = y + blockIdx.x * y_stride;
    float sum_of_squares = 0.0f;
    for (int col = threadIdx.x; col < cols; col += blockDim.x) {
        const T sum = from_float<T>(to_float(x_row[col]) + to_float(residual_row[col]));
        residual_row[col] = sum;
        const float value = to_float(sum);
        sum_of_squares += value * value;
    }
    const float inverse_rms = 1.0f / sqrtf(block_sum(sum_of_squares) / static_cast<float>(cols) + eps);
    for (int col = threadIdx.x; col < cols; col += blockDim.x) {
        y_row[col] = scaled_row_value<T>(to_float(residual_row[col]), inverse_rms, weight, col);
    }
}

// LayerNorm of one row. The row is read three times (mean, variance, output) rather than kept, so any width fits;
// each thread writes only the elements it read, after both reductions' barriers, so y may be x. bias may be null.
template <class T, class W>
__global__ void layer_norm_kernel(const T* x, long long x_stride, const W* __restrict__ weight,
                                  const W* __restrict__ bias, T* y, long long y_stride, int cols, float eps) {
    const T* x_row = x + blockIdx.x * x_stride;
    T* y_row = y + blockIdx.x * y_stride;
    float partial = 0.0f;
    for (int col = threadIdx.x; col < cols; col += blockDim.x) partial += to_float(x_row[col]);
    const float mean = block_sum(partial) / static_cast<float>(cols);
    partial = 0.0f;
    for (int col = threadIdx.x; col < cols; col += blockDim.x) {
        const float deviation = to_float(x_row[col]) - mean;
        partial = __fadd_rn(partial, __fmul_rn(deviation, deviation));
    }
    const float inverse_std = 1.0f / sqrtf(block_sum(partial) / static_cast<float>(cols) + eps);
    for (int col = threadIdx.x; col < cols; col += blockDim.x) {
        const float deviation = to_float(x_row[col]) - mean;
        float value = __fmul_rn(__fmul_rn(deviation, inverse_std), to_float(weight[col]));
        if (bias != nullptr) value = __fadd_rn(value, to_float(bias[col]));
        y_row[col] = from_float<T>(value);
    }
}

}  // namespace

void rms_norm(const qrt_stream* stream, const RowsView& x, const TensorRef& weight, float eps, const RowsView& y) {
    constexpr const char* op = "qrt_rms_norm";
    require_one_dtype(op, x.dtype, y.dtype, "y");
    require_launchable(op, x);
    if (x.rows == 0) return;
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    dispatch_float(x.dtype, [&](auto activation) {
        using T = typename decltype(activation)::type;
        dispatch_float(weight.dtype, [&](auto weight_type) {
            using W = typename decltype(weight_type)::type;
            QRT_LAUNCH((rms_norm_kernel<T, W>), row_blocks(x), cuda_stream, static_cast<const T*>(x.data), x.row_stride,
                       static_cast<const W*>(weight.data), static_cast<T*>(y.data), y.row_stride,
                       static_cast<int>(x.cols), eps);
        });
    });
    check_launch(op);
}

void add_rms_norm(const qrt_stream* stream, const RowsView& x, const RowsView& residual, const TensorRef& weight,
                  float eps, const RowsView& y) {
    constexpr const char* op = "qrt_add_rms_norm";
    require_one_dtype(op, x.dtype, residual.dtype, "residual");
    require_one_dtype(op, x.dtype, y.dtype, "y");
    require_launchable(op, x);
    if (x.rows == 0) return;
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    dispatch_float(x.dtype, [&](auto activation) {
        using T = typename decltype(activation)::type;
        dispatch_float(weight.dtype, [&](auto weight_type) {
            using W = typename decltype(weight_type)::type;
            QRT_LAUNCH((add_rms_norm_kernel<T, W>), row_blocks(x), cuda_stream, static_cast<const T*>(x.data),
                       x.row_stride, static_cast<T*>(residual.data), residual.row_stride,
                       static_cast<const W*>(weight.data), static_cast<T*>(y.data), y.row_stride,
                       static_cast<int>(x.cols), eps);
        });
    });
    check_launch(op);
}

void layer_norm(const qrt_stream* stream, const RowsView& x, const TensorRef& weight,
                const std::optional<TensorRef>& bias, float eps, const RowsView& y) {
    constexpr const char* op = "qrt_layer_norm";
    require_one_dtype(op, x.dtype, y.dtype, "y");
    if (bias && bias->dtype != weight.dtype) {
        throw Error(QRT_STATUS_UNSUPPORTED,
                    concat(op, ": argument 'bias': the CUDA kernel needs it in weight's dtype (",
                           dtype_name(weight.dtype), "), got ", dtype_name(bias->dtype)));
    }
    require_launchable(op, x);
    if (x.rows == 0 || x.cols == 0) return;
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    dispatch_float(x.dtype, [&](auto activation) {
        using T = typename decltype(activation)::type;
        dispatch_float(weight.dtype, [&](auto weight_type) {
            using W = typename decltype(weight_type)::type;
            QRT_LAUNCH((layer_norm_kernel<T, W>), row_blocks(x), cuda_stream, static_cast<const T*>(x.data),
                       x.row_stride, static_cast<const W*>(weight.data),
                       static_cast<const W*>(bias ? bias->data : nullptr), static_cast<T*>(y.data), y.row_stride,
                       static_cast<int>(x.cols), eps);
        });
    });
    check_launch(op);
}

}  // namespace qrt::cuda
