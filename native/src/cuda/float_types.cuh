// FP32 <-> storage conversions on the device, and dispatch from a qrt_dtype to a C++ type, for the
// CUDA kernels. Narrowing conversions round to nearest even, as the CPU backend does.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "core/error.h"
#include "qrt.h"

namespace qrt::cuda {

template <class T>
__device__ __forceinline__ float to_float(T value);
template <>
__device__ __forceinline__ float to_float<float>(float value) {
    return value;
}
template <>
__device__ __forceinline__ float to_float<__half>(__half value) {
    return __half2float(value);
}
template <>
__device__ __forceinline__ float to_float<__nv_bfloat16>(__nv_bfloat16 value) {
    return __bfloat162float(value);
}

template <class T>
__device__ __forceinline__ T from_float(float value);
template <>
__device__ __forceinline__ float from_float<float>(float value) {
    return value;
}
template <>
__device__ __forceinline__ __half from_float<__half>(float value) {
    return __float2half_rn(value);
}
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float value) {
    return __float2bfloat16_rn(value);
}

template <class T>
struct TypeTag {
    using type = T;
};

// Calls body(TypeTag<T>{}) with T the C++ type of a float dtype (F32, F16, BF16).
template <class Body>
void dispatch_float(qrt_dtype dtype, Body&& body) {
    switch (dtype) {
        case QRT_DTYPE_F32: body(TypeTag<float>{}); return;
        case QRT_DTYPE_F16: body(TypeTag<__half>{}); return;
        case QRT_DTYPE_BF16: body(TypeTag<__nv_bfloat16>{}); return;
        default: break;
    }
    throw Error(QRT_STATUS_INTERNAL_ERROR, "dispatch_float: not a float dtype");
}

}  // namespace qrt::cuda
