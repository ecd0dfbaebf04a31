// qrt_copy and qrt_add on the GPU, over tensors of any shape and strides: one thread per element in a grid-stride
// loop, each thread finding its elements' offsets from their row-major position. As on the CPU (cpu/elementwise.cpp)
// the dimensions are first simplified: extents of 1 are dropped and a dimension merges into the one outside it
// wherever every operand steps over both contiguously, so a contiguous tensor is one run and its offsets need no
// division. Values follow the CPU's conversions bit for bit: equal dtypes copy their bytes unchanged (NaN payloads
// and signed zeros included); otherwise each element is widened to FP32 exactly, added in FP32 where it is a sum,
// and rounded once to the output's dtype (to nearest even; F8_E4M3 saturating to ±448, NaN to the S.1111.111 code).
// The dtypes are kernel arguments: every thread of a launch takes the same branch, and one kernel serves every mix.
// A thread reads its element before it writes it, so y may be a or b (the API refuses any other overlap).
#include <cstdint>

#include <cuda_fp8.h>

#include "core/dtype.h"
#include "core/stream.h"
#include "core/strided_walk.h"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_check.h"
#include "cuda/float_types.cuh"
#include "cuda/launch.cuh"
#include "cuda/row_blocks.cuh"

namespace qrt::cuda {
namespace {

constexpr unsigned kThreads = 256;
constexpr long long kMaxBlocks = 65535;  // a grid-stride loop covers larger tensors

// The element offsets of row-major position `position` in each operand.
template <int Operands>
__device__ __forceinline__ void offsets_of(const Walk<Operands>& walk, long long position,
                                           long long (&offsets)[Operands]) {
    for (int n = 0; n < Operands; ++n) offsets[n] = 0;
    for (int d = walk.rank - 1; d >= 0; --d) {
        const long long extent = walk.shape[d];
        const long long index = d == 0 ? position : position % extent;
        position = d == 0 ? 0 : position / extent;
        for (int n = 0; n < Operands; ++n) offsets[n] += index * walk.strides[n][d];
    }
}

// F8_E4M3 to FP32, exactly: subnormals are integers in units of 2^-9, normals rebias the exponent (7 -> 127),
// S.1111.111 is NaN.
__device__ __forceinline__ float widen_e4m3(uint8_t byte) {
    const unsigned sign = static_cast<unsigned>(byte & 0x80u) << 24;
    const unsigned magnitude = byte & 0x7fu;
    unsigned bits;
    if (magnitude == 0x7fu) {
        bits = 0x7fc00000u;
    } else if (magnitude < 8u) {
        bits = __float_as_uint(static_cast<float>(magnitude) * 0x1p-9f);
    } else {
        bits = (magnitude << 20) + (120u << 23);
    }
    return __uint_as_float(bits | sign);
}

// FP32 to F8_E4M3, to nearest even, saturating to ±448 (infinities included); NaN keeps its sign in S.1111.111,
// the code the CPU writes.
__device__ __forceinline__ uint8_t narrow_e4m3(float value) {
    if (value != value) return static_cast<uint8_t>((__float_as_uint(value) >> 24 & 0x80u) | 0x7fu);
    return static_cast<uint8_t>(__nv_cvt_float_to_fp8(value, __NV_SATFINITE, __NV_E4M3));
}

__device__ __forceinline__ float load_float(const void* base, long long offset, int dtype) {
    switch (dtype) {
        case QRT_DTYPE_F16: return to_float(static_cast<const __half*>(base)[offset]);
        case QRT_DTYPE_BF16: return to_float(static_cast<const __nv_bfloat16*>(base)[offset]);
        case QRT_DTYPE_F8_E4M3: return widen_e4m3(static_cast<const uint8_t*>(base)[offset]);
        default: return static_cast<const float*>(base)[offset];
    }
}

__device__ __forceinline__ void store_float(void* base, long long offset, int dtype, float value) {
    switch (dtype) {
        case QRT_DTYPE_F16: static_cast<__half*>(base)[offset] = from_float<__half>(value); return;
        case QRT_DTYPE_BF16: static_cast<__nv_bfloat16*>(base)[offset] = from_float<__nv_bfloat16>(value); return;
        case QRT_DTYPE_F8_E4M3: static_cast<uint8_t*>(base)[offset] = narrow_e4m3(value); return;
        default: static_cast<float*>(base)[offset] = value; return;
    }
}

// Equal dtypes: the bytes of each element move unchanged, as an unsigned integer of the element's width.
template <class Element>
__global__ void copy_bits_kernel(const Element* src, Element* dst, Walk<2> walk, long long count) {
    const long long step = static_cast<long long>(gridDim.x) * blockDim.x;
    for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += step) {
        long long offsets[2];
        offsets_of(walk, i, offsets);
        dst[offsets[1]] = src[offsets[0]];
    }
}

__global__ void convert_kernel(const void* src, int src_dtype, void* dst, int dst_dtype, Walk<2> walk,
                               long long count) {
    const long long step = static_cast<long long>(gridDim.x) * blockDim.x;
    for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += step) {
        long long offsets[2];
        offsets_of(walk, i, offsets);
        store_float(dst, offsets[1], dst_dtype, load_float(src, offsets[0], src_dtype));
    }
}

__global__ void add_kernel(const void* a, int a_dtype, const void* b, int b_dtype, void* y, int y_dtype, Walk<3> walk,
                           long long count) {
    const long long step = static_cast<long long>(gridDim.x) * blockDim.x;
    for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += step) {
        long long offsets[3];
        offsets_of(walk, i, offsets);
        const float sum = load_float(a, offsets[0], a_dtype) + load_float(b, offsets[1], b_dtype);
        store_float(y, offsets[2], y_dtype, sum);
    }
}

LaunchShape element_grid(long long count) {
    const long long blocks = (count + kThreads - 1) / kThreads;
    LaunchShape shape;
    shape.grid = dim3(static_cast<unsigned>(blocks < kMaxBlocks ? blocks : kMaxBlocks));
    shape.block = dim3(kThreads);
    return shape;
}

template <class Element>
void launch_copy_bits(cudaStream_t stream, const TensorRef& src, const TensorRef& dst, const Walk<2>& walk,
                      long long count) {
    QRT_LAUNCH((copy_bits_kernel<Element>), element_grid(count), stream, static_cast<const Element*>(src.data),
               static_cast<Element*>(dst.data), walk, count);
}

}  // namespace

void copy(const qrt_stream* stream, const TensorRef& src, const TensorRef& dst) {
    constexpr const char* op = "qrt_copy";
    const long long count = src.numel();
    if (count == 0) return;
    const Walk<2> walk = plan_walk<2>({&src, &dst});
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    if (src.dtype == dst.dtype) {
        switch (dtype_size(src.dtype)) {
            case 1: launch_copy_bits<uint8_t>(cuda_stream, src, dst, walk, count); break;
            case 2: launch_copy_bits<uint16_t>(cuda_stream, src, dst, walk, count); break;
            case 4: launch_copy_bits<uint32_t>(cuda_stream, src, dst, walk, count); break;
            default: launch_copy_bits<uint64_t>(cuda_stream, src, dst, walk, count); break;
        }
    } else {
        QRT_LAUNCH(convert_kernel, element_grid(count), cuda_stream, static_cast<const void*>(src.data),
                   static_cast<int>(src.dtype), dst.data, static_cast<int>(dst.dtype), walk, count);
    }
    check_launch(op);
}

void add(const qrt_stream* stream, const TensorRef& a, const TensorRef& b, const TensorRef& y) {
    constexpr const char* op = "qrt_add";
    const long long count = y.numel();
    if (count == 0) return;
    const Walk<3> walk = plan_walk<3>({&a, &b, &y});
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    QRT_LAUNCH(add_kernel, element_grid(count), cuda_stream, static_cast<const void*>(a.data),
               static_cast<int>(a.dtype), static_cast<const void*>(b.data), static_cast<int>(b.dtype), y.data,
               static_cast<int>(y.dtype), walk, count);
    check_launch(op);
}

}  // namespace qrt::cuda
