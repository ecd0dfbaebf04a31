// The CUDA emulator's cuda_fp8.h: FP8 e4m3 and e5m2 storage and conversions, bit for bit (ptx-semantics.md §8).
//
// Every conversion to FP8 rounds to nearest even once (halves, bfloat16s and floats are exact as doubles):
//   - e4m3 has no infinity: its only NaN is 0x7F (0xFF with the sign), its largest value ±448 (0x7E). Values in
//     (448, 464] round to 448, since 464 is the tie between 448 and 480 and ties go to the even code 0x7E; beyond
//     464, SATFINITE gives ±448 and NOSAT gives the NaN 0x7F with the sign;
//   - e5m2 overflows to ±57344 (0x7B) under SATFINITE and to ±infinity (0x7C) under NOSAT;
//   - any NaN input gives 0x7F; a magnitude at most half the smallest subnormal gives zero with the input's sign.
// The hardware cvt.rn.satfinite on sm_89+ gives the same bits except, perhaps, for NaN, whose pattern the PTX ISA
// leaves unspecified. Widening to half is exact; an FP8 NaN becomes binary16's canonical NaN 0x7FFF.
#pragma once

#include <cstdint>

#include "cuda_bf16.h"
#include "cuda_fp16.h"
#include "qrt_emulator/float_encoding.h"

using __nv_fp8_storage_t = unsigned char;
using __nv_fp8x2_storage_t = unsigned short;
using __nv_fp8x4_storage_t = unsigned int;

enum __nv_saturation_t { __NV_NOSAT, __NV_SATFINITE };
enum __nv_fp8_interpretation_t { __NV_E4M3, __NV_E5M2 };

namespace qrt::emu::fp {

inline const Format& fp8_format(__nv_fp8_interpretation_t interpretation) {
    return interpretation == __NV_E4M3 ? kE4M3 : kE5M2;
}

inline __nv_fp8_storage_t to_fp8(double value, __nv_saturation_t saturate, __nv_fp8_interpretation_t interpretation) {
    const Overflow overflow = saturate == __NV_SATFINITE    ? Overflow::Saturate
                              : interpretation == __NV_E4M3 ? Overflow::NaN
                                                            : Overflow::Infinity;
    return static_cast<__nv_fp8_storage_t>(encode(value, overflow, fp8_format(interpretation)));
}

inline unsigned short fp8_to_half(__nv_fp8_storage_t code, __nv_fp8_interpretation_t interpretation) {
    const double value = decode(code, fp8_format(interpretation), interpretation == __NV_E5M2);
    return static_cast<unsigned short>(encode(value, Overflow::Infinity, kBinary16));
}

}  // namespace qrt::emu::fp

// ---- Conversion functions ----------------------------------------------------------------------------------------

inline __nv_fp8_storage_t __nv_cvt_double_to_fp8(double x, __nv_saturation_t saturate,
                                                 __nv_fp8_interpretation_t interpretation) {
    return ::qrt::emu::fp::to_fp8(x, saturate, interpretation);
}
inline __nv_fp8_storage_t __nv_cvt_float_to_fp8(float x, __nv_saturation_t saturate,
                                                __nv_fp8_interpretation_t interpretation) {
    return ::qrt::emu::fp::to_fp8(static_cast<double>(x), saturate, interpretation);
}
inline __nv_fp8_storage_t __nv_cvt_halfraw_to_fp8(__half_raw x, __nv_saturation_t saturate,
                                                  __nv_fp8_interpretation_t interpretation) {
    return __nv_cvt_float_to_fp8(__half2float(__half(x)), saturate, interpretation);
}
inline __nv_fp8_storage_t __nv_cvt_bfloat16raw_to_fp8(__nv_bfloat16_raw x, __nv_saturation_t saturate,
                                                      __nv_fp8_interpretation_t interpretation) {
    return __nv_cvt_float_to_fp8(__bfloat162float(__nv_bfloat16(x)), saturate, interpretation);
}

// Pairs put .x in the low byte (cvt.rn.satfinite.e4m3x2.f32 d, a, b puts a in the high byte, so .y goes first).
namespace qrt::emu::fp {
inline __nv_fp8x2_storage_t pack_fp8x2(__nv_fp8_storage_t low, __nv_fp8_storage_t high) {
    return static_cast<__nv_fp8x2_storage_t>(static_cast<unsigned>(high) << 8 | low);
}
}  // namespace qrt::emu::fp

inline __nv_fp8x2_storage_t __nv_cvt_double2_to_fp8x2(double2 x, __nv_saturation_t saturate,
                                                      __nv_fp8_interpretation_t interpretation) {
    return ::qrt::emu::fp::pack_fp8x2(__nv_cvt_double_to_fp8(x.x, saturate, interpretation),
                                      __nv_cvt_double_to_fp8(x.y, saturate, interpretation));
}
inline __nv_fp8x2_storage_t __nv_cvt_float2_to_fp8x2(float2 x, __nv_saturation_t saturate,
                                                     __nv_fp8_interpretation_t interpretation) {
    return ::qrt::emu::fp::pack_fp8x2(__nv_cvt_float_to_fp8(x.x, saturate, interpretation),
                                      __nv_cvt_float_to_fp8(x.y, saturate, interpretation));
}
inline __nv_fp8x2_storage_t __nv_cvt_halfraw2_to_fp8x2(__half2_raw x, __nv_saturation_t saturate,
                                                       __nv_fp8_interpretation_t interpretation) {
    return ::qrt::emu::fp::pack_fp8x2(__nv_cvt_halfraw_to_fp8(__half_raw{x.x}, saturate, interpretation),
                                      __nv_cvt_halfraw_to_fp8(__half_raw{x.y}, saturate, interpretation));
}
inline __nv_fp8x2_storage_t __nv_cvt_bfloat16raw2_to_fp8x2(__nv_bfloat162_raw x, __nv_saturation_t saturate,
                                                           __nv_fp8_interpretation_t interpretation) {
    return ::qrt::emu::fp::pack_fp8x2(__nv_cvt_bfloat16raw_to_fp8(__nv_bfloat16_raw{x.x}, saturate, interpretation),
                                      __nv_cvt_bfloat16raw_to_fp8(__nv_bfloat16_raw{x.y}, saturate, interpretation));
}

inline __half_raw __nv_cvt_fp8_to_halfraw(__nv_fp8_storage_t x, __nv_fp8_interpretation_t interpretation) {
    return __half_raw{::qrt::emu::fp::fp8_to_half(x, interpretation)};
}
inline __half2_raw __nv_cvt_fp8x2_to_halfraw2(__nv_fp8x2_storage_t x, __nv_fp8_interpretation_t interpretation) {
    return __half2_raw{::qrt::emu::fp::fp8_to_half(static_cast<__nv_fp8_storage_t>(x & 0xFFu), interpretation),
                       ::qrt::emu::fp::fp8_to_half(static_cast<__nv_fp8_storage_t>(x >> 8), interpretation)};
}

// ---- Types: constructors saturate (SATFINITE), conversions widen through half, all explicit as in CUDA ------------

#define QRT_EMU_FP8_TYPE(name, interpretation)                                                                       \
  struct name {                                                                                                      \
    __nv_fp8_storage_t __x;                                                                                          \
    name() = default;                                                                                                \
    explicit name(float value) : __x(__nv_cvt_float_to_fp8(value, __NV_SATFINITE, interpretation)) {}                \
    explicit name(double value) : __x(__nv_cvt_double_to_fp8(value, __NV_SATFINITE, interpretation)) {}              \
    explicit name(__half value)                                                                                      \
        : __x(__nv_cvt_halfraw_to_fp8(static_cast<__half_raw>(value), __NV_SATFINITE, interpretation)) {}            \
    explicit name(__nv_bfloat16 value)                                                                               \
        : __x(__nv_cvt_bfloat16raw_to_fp8(static_cast<__nv_bfloat16_raw>(value), __NV_SATFINITE, interpretation)) {} \
    explicit operator __half() const { return __half(__nv_cvt_fp8_to_halfraw(__x, interpretation)); }                \
    explicit operator float() const { return __half2float(static_cast<__half>(*this)); }                             \
    explicit operator double() const { return static_cast<double>(static_cast<float>(*this)); }                      \
    explicit operator __nv_bfloat16() const { return __nv_bfloat16(static_cast<float>(*this)); }                     \
  }

QRT_EMU_FP8_TYPE(__nv_fp8_e4m3, __NV_E4M3);
QRT_EMU_FP8_TYPE(__nv_fp8_e5m2, __NV_E5M2);
#undef QRT_EMU_FP8_TYPE

// Two e4m3 values in one 16-bit word, .x in the low byte.
struct alignas(2) __nv_fp8x2_e4m3 {
    __nv_fp8x2_storage_t __x;
    __nv_fp8x2_e4m3() = default;
    explicit __nv_fp8x2_e4m3(float2 value) : __x(__nv_cvt_float2_to_fp8x2(value, __NV_SATFINITE, __NV_E4M3)) {}
    explicit __nv_fp8x2_e4m3(__half2 value)
        : __x(__nv_cvt_halfraw2_to_fp8x2(static_cast<__half2_raw>(value), __NV_SATFINITE, __NV_E4M3)) {}
    explicit __nv_fp8x2_e4m3(__nv_bfloat162 value)
        : __x(__nv_cvt_bfloat16raw2_to_fp8x2(static_cast<__nv_bfloat162_raw>(value), __NV_SATFINITE, __NV_E4M3)) {}
    explicit operator __half2() const { return __half2(__nv_cvt_fp8x2_to_halfraw2(__x, __NV_E4M3)); }
    explicit operator float2() const { return __half22float2(static_cast<__half2>(*this)); }
};
