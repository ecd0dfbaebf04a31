// Widening packed FP8 e4m3 values (1 sign, 4 exponent bits with bias 7, 3 mantissa bits) to the 16-bit types the
// tensor cores take, in registers. Exact: an e4m3 value has 4 significant bits and an exponent in [-9, 8], which BF16
// and F16 both hold, subnormals included.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "cuda/ptx.cuh"

namespace qrt::cuda {

// How: each byte moves to the top of a 16-bit half (prmt), its exponent and mantissa bits shift into the 16-bit
// type's fields, which gives the value times 2^-120 (BF16: exponent bias 127 instead of 7) or 2^-8 (F16: bias 15), and
// one multiplication by that power of two restores it. An e4m3 subnormal lands on a subnormal (BF16) or normal (F16)
// of the 16-bit type and is scaled exactly too. The NaN code 0x7F comes out as 480 rather than NaN; weights never hold
// it (the quantizers saturate to ±448).
//
// `packed` holds four values (byte q is value q); `low` receives values 0 and 1, `high` values 2 and 3, as 16-bit
// pairs with the lower-indexed value in the low half, the layout of mma fragments.
namespace detail {
__device__ __forceinline__ void e4m3_bytes_to_halves(uint32_t packed, uint32_t& low, uint32_t& high) {
    low = ptx::prmt(packed, 0u, 0x1404u);   // bytes: 0, value 0, 0, value 1
    high = ptx::prmt(packed, 0u, 0x3424u);  // bytes: 0, value 2, 0, value 3
}
}  // namespace detail

__device__ __forceinline__ uint32_t e4m3_pair_to_bf16x2(uint32_t halves) {
    const uint32_t bits = (halves & 0x80008000u) | ((halves >> 4) & 0x07f007f0u);
    const __nv_bfloat162 scaled(
        __nv_bfloat162_raw{static_cast<unsigned short>(bits & 0xffffu), static_cast<unsigned short>(bits >> 16)});
    const __nv_bfloat162 two_to_120(__nv_bfloat162_raw{0x7b80u, 0x7b80u});
    const __nv_bfloat162_raw raw = __hmul2(scaled, two_to_120);
    return static_cast<uint32_t>(raw.x) | (static_cast<uint32_t>(raw.y) << 16);
}

__device__ __forceinline__ uint32_t e4m3_pair_to_f16x2(uint32_t halves) {
    const uint32_t bits = (halves & 0x80008000u) | ((halves >> 1) & 0x3f803f80u);
    const __half2 scaled(
        __half2_raw{static_cast<unsigned short>(bits & 0xffffu), static_cast<unsigned short>(bits >> 16)});
    const __half2 two_to_8(__half2_raw{0x5c00u, 0x5c00u});
    const __half2_raw raw = __hmul2(scaled, two_to_8);
    return static_cast<uint32_t>(raw.x) | (static_cast<uint32_t>(raw.y) << 16);
}

// Four e4m3 values to two pairs of the 16-bit type T (__nv_bfloat16 or __half).
template <class T>
__device__ __forceinline__ void e4m3x4_widen(uint32_t packed, uint32_t& low, uint32_t& high) {
    uint32_t halves[2];
    detail::e4m3_bytes_to_halves(packed, halves[0], halves[1]);
    if constexpr (sizeof(T) == 2 && std::is_same<T, __half>::value) {
        low = e4m3_pair_to_f16x2(halves[0]);
        high = e4m3_pair_to_f16x2(halves[1]);
    } else {
        low = e4m3_pair_to_bf16x2(halves[0]);
        high = e4m3_pair_to_bf16x2(halves[1]);
    }
}

}  // namespace qrt::cuda
