// Activation quantization for the W8A8 GEMMs on the GPU: float rows to INT8 or F8_E4M3, one thread block per row.
// The codes and scales are the CPU backend's (cpu/quantize.cpp) bit for bit: the scale is max|x| / 127 (or / 448)
// in FP32, every element is divided by it with one correctly rounded FP32 division (`/` under nvcc without fast
// math; no reciprocal), and the conversions round half to even and saturate as the CPU's helpers do.
#include <cstdint>

#include <cuda_fp8.h>

#include "core/stream.h"
#include "cuda/block_reduce.cuh"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_check.h"
#include "cuda/float_types.cuh"
#include "cuda/launch.cuh"
#include "cuda/row_blocks.cuh"

namespace qrt::cuda {
namespace {

constexpr float kInt8Max = 127.0f;
constexpr float kFp8E4M3Max = 448.0f;

// round_half_even(value) + zero_point, saturated to [-128, 127]. The zero point is added to the rounded value in
// 64-bit integers after clamping it to +-2^32, beyond the reach of any I32 zero point, so the sum cannot wrap.
// NaN becomes 0, as cvt.rni.sat.s8.f32 and the CPU do.
__device__ __forceinline__ int8_t to_int8(float value, long long zero_point) {
    if (value != value) return static_cast<int8_t>(zero_point < -128 ? -128 : (zero_point > 127 ? 127 : zero_point));
    const float limit = 4294967296.0f;
    const float rounded = fminf(fmaxf(rintf(value), -limit), limit);
    const long long shifted = static_cast<long long>(rounded) + zero_point;
    return static_cast<int8_t>(shifted < -128 ? -128 : (shifted > 127 ? 127 : shifted));
}

// e4m3 with saturation to +-448 (infinity included). A NaN keeps its sign in the canonical NaN code S.1111.111,
// as the CPU writes it, whatever sign the hardware conversion would give it.
__device__ __forceinline__ uint8_t to_e4m3(float value) {
    if (value != value) return static_cast<uint8_t>((__float_as_uint(value) >> 24 & 0x80u) | 0x7fu);
    return static_cast<uint8_t>(__nv_cvt_float_to_fp8(value, __NV_SATFINITE, __NV_E4M3));
}

struct Int8Codes {
    using Code = int8_t;
    static constexpr float kMax = kInt8Max;
    __device__ static int8_t encode(float value, long long zero_point) { return to_int8(value, zero_point); }
};

struct E4m3Codes {
    using Code = uint8_t;
    static constexpr float kMax = kFp8E4M3Max;
    __device__ static uint8_t encode(float value, long long) { return to_e4m3(value); }
};

// max |x| over the row, NaN skipped (fmaxf returns the other operand), then codes of x / scale. A row of zeros
// gets scale 0 and codes 0, with no division by zero.
template <class Codes, class T>
__global__ void quantize_dynamic_kernel(const T* __restrict__ x, long long x_stride,
                                        typename Codes::Code* __restrict__ q, long long q_stride,
                                        float* __restrict__ scale_out, int cols) {
    const T* x_row = x + blockIdx.x * x_stride;
    typename Codes::Code* q_row = q + blockIdx.x * q_stride;
    float absmax = 0.0f;
    for (int col = threadIdx.x; col < cols; col += blockDim.x) absmax = fmaxf(absmax, fabsf(to_float(x_row[col])));
    absmax = block_max(absmax);
    const float scale = absmax / Codes::kMax;
    if (threadIdx.x == 0) scale_out[blockIdx.x] = scale;
    for (int col = threadIdx.x; col < cols; col += blockDim.x) {
        q_row[col] = absmax == 0.0f ? typename Codes::Code{0} : Codes::encode(to_float(x_row[col]) / scale, 0);
    }
}

// Codes of one row's x / divisor (+ the zero point for INT8), by the threads of a block.
template <class Codes, class T>
__device__ __forceinline__ void quantize_row_static(const T* __restrict__ x_row, typename Codes::Code* __restrict__ q_row,
                                                    float divisor, long long offset, int cols) {
    for (int col = threadIdx.x; col < cols; col += blockDim.x) {
        q_row[col] = Codes::encode(to_float(x_row[col]) / divisor, offset);
    }
}

// Codes of x / scale (+ the zero point for INT8), the scale and zero point read from device memory.
template <class Codes, class T, class S>
__global__ void quantize_static_kernel(const T* __restrict__ x, long long x_stride,
                                       typename Codes::Code* __restrict__ q, long long q_stride,
                                       const S* __restrict__ scale, const int32_t* __restrict__ zero_point, int cols) {
    const float divisor = to_float(scale[0]);
    const long long offset = zero_point == nullptr ? 0 : zero_point[0];
    quantize_row_static<Codes>(x + blockIdx.x * x_stride, q + blockIdx.x * q_stride, divisor, offset, cols);
}

// The grouped form (rows sorted by expert): the row takes the scale and zero point of the first expert whose segment
// [offsets[e], offsets[e + 1]), each offset clamped into [0, rows], holds it; a row in no segment is left unwritten.
// The scan reads the E + 1 offsets, which every block of the launch shares through the caches.
template <class Codes, class T, class S>
__global__ void quantize_grouped_kernel(const T* __restrict__ x, long long x_stride,
                                        typename Codes::Code* __restrict__ q, long long q_stride,
                                        const S* __restrict__ scale, const int32_t* __restrict__ zero_point,
                                        const int32_t* __restrict__ offsets, int experts, int rows, int cols) {
    const int row = static_cast<int>(blockIdx.x);
    auto clamped = [rows](int32_t offset) { return offset < 0 ? 0 : (offset > rows ? rows : offset); };
    int expert = -1;
    for (int e = 0; e < experts && expert < 0; ++e) {
        if (clamped(offsets[e]) <= row && row < clamped(offsets[e + 1])) expert = e;
    }
    if (expert < 0) return;
    const float divisor = to_float(scale[expert]);
    const long long offset = zero_point == nullptr ? 0 : zero_point[expert];
    quantize_row_static<Codes>(x + row * x_stride, q + row * q_stride, divisor, offset, cols);
}

cudaStream_t native_stream(const qrt_stream* stream) { return static_cast<cudaStream_t>(stream->native_handle); }

template <class Codes>
void quantize_dynamic(const char* op, const qrt_stream* stream, const RowsView& x, const RowsView& q,
                      float* scale_out) {
    require_launchable(op, x);
    if (x.rows == 0) return;
    DeviceScope scope(stream->device.ordinal);
    using Code = typename Codes::Code;
    dispatch_float(x.dtype, [&](auto activation) {
        using T = typename decltype(activation)::type;
        QRT_LAUNCH((quantize_dynamic_kernel<Codes, T>), row_blocks(x), native_stream(stream),
                   static_cast<const T*>(x.data), x.row_stride, static_cast<Code*>(q.data), q.row_stride, scale_out,
                   static_cast<int>(x.cols));
    });
    check_launch(op);
}

template <class Codes>
void quantize_static(const char* op, const qrt_stream* stream, const RowsView& x, const ScaleVector& scale,
                     const int32_t* zero_point, const RowsView& q) {
    require_launchable(op, x);
    if (x.rows == 0 || x.cols == 0) return;
    DeviceScope scope(stream->device.ordinal);
    using Code = typename Codes::Code;
    dispatch_float(x.dtype, [&](auto activation) {
        using T = typename decltype(activation)::type;
        dispatch_float(scale.dtype, [&](auto scale_type) {
            using S = typename decltype(scale_type)::type;
            QRT_LAUNCH((quantize_static_kernel<Codes, T, S>), row_blocks(x), native_stream(stream),
                       static_cast<const T*>(x.data), x.row_stride, static_cast<Code*>(q.data), q.row_stride,
                       static_cast<const S*>(scale.data), zero_point, static_cast<int>(x.cols));
        });
    });
    check_launch(op);
}

template <class Codes>
void quantize_grouped(const char* op, const qrt_stream* stream, const RowsView& x, const GroupedVector& scale,
                      const int32_t* zero_point, const ExpertOffsets& offsets, const RowsView& q) {
    require_launchable(op, x);
    if (x.rows == 0 || x.cols == 0) return;
    DeviceScope scope(stream->device.ordinal);
    using Code = typename Codes::Code;
    dispatch_float(x.dtype, [&](auto activation) {
        using T = typename decltype(activation)::type;
        dispatch_float(scale.dtype, [&](auto scale_type) {
            using S = typename decltype(scale_type)::type;
            QRT_LAUNCH((quantize_grouped_kernel<Codes, T, S>), row_blocks(x), native_stream(stream),
                       static_cast<const T*>(x.data), x.row_stride, static_cast<Code*>(q.data), q.row_stride,
                       static_cast<const S*>(scale.data), zero_point, offsets.data, static_cast<int>(offsets.experts),
                       static_cast<int>(x.rows), static_cast<int>(x.cols));
        });
    });
    check_launch(op);
}

}  // namespace

void quantize_int8_dynamic(const qrt_stream* stream, const RowsView& x, const RowsView& q, float* scale_out) {
    quantize_dynamic<Int8Codes>("qrt_quantize_int8", stream, x, q, scale_out);
}

void quantize_int8_static(const qrt_stream* stream, const RowsView& x, const ScaleVector& scale,
                          const std::optional<IndexVector>& zero_point, const RowsView& q) {
    const int32_t* offset = zero_point ? static_cast<const int32_t*>(zero_point->data) : nullptr;
    quantize_static<Int8Codes>("qrt_quantize_int8", stream, x, scale, offset, q);
}

void quantize_fp8_dynamic(const qrt_stream* stream, const RowsView& x, const RowsView& q, float* scale_out) {
    quantize_dynamic<E4m3Codes>("qrt_quantize_fp8", stream, x, q, scale_out);
}

void quantize_fp8_static(const qrt_stream* stream, const RowsView& x, const ScaleVector& scale, const RowsView& q) {
    quantize_static<E4m3Codes>("qrt_quantize_fp8", stream, x, scale, nullptr, q);
}

void quantize_int8_grouped(const qrt_stream* stream, const RowsView& x, const GroupedVector& scale,
                           const GroupedZeroPoint& zero_point, const ExpertOffsets& offsets, const RowsView& q) {
    quantize_grouped<Int8Codes>("qrt_quantize_int8_grouped", stream, x, scale, zero_point.data, offsets, q);
}

void quantize_fp8_grouped(const qrt_stream* stream, const RowsView& x, const GroupedVector& scale,
                          const ExpertOffsets& offsets, const RowsView& q) {
    quantize_grouped<E4m3Codes>("qrt_quantize_fp8_grouped", stream, x, scale, nullptr, offsets, q);
}

}  // namespace qrt::cuda
