// The CUDA emulator's cuda_fp16.h: __half and __half2 with the GPU's rounding, bit for bit.
//
// Conversions from float and double round to nearest even once (overflow gives infinity, NaN gives 0x7FFF, the
// GPU's canonical NaN); widening to float is exact. Arithmetic follows sm_53+'s add/sub/mul.rn.f16: the exact
// result rounded once. Computing in float and rounding gives exactly that for +, -, * and /, because a float carries
// more than twice binary16's precision plus two bits, so its own rounding can never move the final one. __hfma is
// fma.rn.f16, one rounding of the exact a * b + c; it is computed as such (float_encoding.h), not as a float fma.
#pragma once

#include <cstdint>

#include "qrt_emulator/float_encoding.h"
#include "qrt_emulator/vector_types.h"

struct __half_raw {
    unsigned short x;
};

struct __half2_raw {
    unsigned short x;
    unsigned short y;
};

struct alignas(2) __half {
    __half() = default;
    constexpr __half(const __half_raw& raw) : bits_(raw.x) {}
    __half(float value) : bits_(::qrt::emu::fp::float_to_half(value)) {}
    __half(double value)
        : bits_(static_cast<unsigned short>(
              ::qrt::emu::fp::encode(value, ::qrt::emu::fp::Overflow::Infinity, ::qrt::emu::fp::kBinary16))) {}
    __half& operator=(const __half_raw& raw) {
        bits_ = raw.x;
        return *this;
    }
    operator __half_raw() const { return __half_raw{bits_}; }
    operator float() const { return ::qrt::emu::fp::half_to_float(bits_); }

private:
    unsigned short bits_;
};

struct alignas(4) __half2 {
    __half x;
    __half y;

    __half2() = default;
    constexpr __half2(const __half& low, const __half& high) : x(low), y(high) {}
    constexpr __half2(const __half2_raw& raw) : x(__half_raw{raw.x}), y(__half_raw{raw.y}) {}
    operator __half2_raw() const { return __half2_raw{static_cast<__half_raw>(x).x, static_cast<__half_raw>(y).x}; }
};

using half = __half;
using half2 = __half2;

// ---- Conversions ------------------------------------------------------------------------------------------------

inline __half __float2half(float value) { return __half(value); }
inline __half __float2half_rn(float value) { return __half(value); }
inline __half __double2half(double value) { return __half(value); }
inline float __half2float(__half value) { return static_cast<float>(value); }
inline __half2 __float2half2_rn(float value) { return __half2(__half(value), __half(value)); }
inline __half2 __floats2half2_rn(float low, float high) { return __half2(__half(low), __half(high)); }
inline __half2 __float22half2_rn(float2 value) { return __half2(__half(value.x), __half(value.y)); }
inline float2 __half22float2(__half2 value) { return make_float2(__half2float(value.x), __half2float(value.y)); }
inline float __low2float(__half2 value) { return __half2float(value.x); }
inline float __high2float(__half2 value) { return __half2float(value.y); }
inline __half __low2half(__half2 value) { return value.x; }
inline __half __high2half(__half2 value) { return value.y; }
inline __half2 __halves2half2(__half low, __half high) { return __half2(low, high); }
inline __half2 __half2half2(__half value) { return __half2(value, value); }
inline __half2 make_half2(__half x, __half y) { return __half2(x, y); }

inline unsigned short __half_as_ushort(__half value) { return static_cast<__half_raw>(value).x; }
inline __half __ushort_as_half(unsigned short bits) { return __half(__half_raw{bits}); }
inline short __half_as_short(__half value) { return static_cast<short>(__half_as_ushort(value)); }
inline __half __short_as_half(short bits) { return __ushort_as_half(static_cast<unsigned short>(bits)); }

// ---- Arithmetic (one rounding each, as the f16 instructions do) --------------------------------------------------

inline __half __hadd(__half a, __half b) { return __half(__half2float(a) + __half2float(b)); }
inline __half __hsub(__half a, __half b) { return __half(__half2float(a) - __half2float(b)); }
inline __half __hmul(__half a, __half b) { return __half(__half2float(a) * __half2float(b)); }
inline __half __hdiv(__half a, __half b) { return __half(__half2float(a) / __half2float(b)); }
inline __half __hfma(__half a, __half b, __half c) {
    namespace fp = ::qrt::emu::fp;
    return __ushort_as_half(static_cast<unsigned short>(fp::fused_multiply_add(
        __half2float(a), __half2float(b), __half2float(c), fp::Overflow::Infinity, fp::kBinary16)));
}
// neg.f16 and abs.f16 change only the sign bit, NaNs included.
inline __half __hneg(__half a) { return __ushort_as_half(static_cast<unsigned short>(__half_as_ushort(a) ^ 0x8000u)); }
inline __half __habs(__half a) { return __ushort_as_half(static_cast<unsigned short>(__half_as_ushort(a) & 0x7FFFu)); }

inline __half2 __hadd2(__half2 a, __half2 b) { return __half2(__hadd(a.x, b.x), __hadd(a.y, b.y)); }
inline __half2 __hsub2(__half2 a, __half2 b) { return __half2(__hsub(a.x, b.x), __hsub(a.y, b.y)); }
inline __half2 __hmul2(__half2 a, __half2 b) { return __half2(__hmul(a.x, b.x), __hmul(a.y, b.y)); }
inline __half2 __h2div(__half2 a, __half2 b) { return __half2(__hdiv(a.x, b.x), __hdiv(a.y, b.y)); }
inline __half2 __hfma2(__half2 a, __half2 b, __half2 c) {
    return __half2(__hfma(a.x, b.x, c.x), __hfma(a.y, b.y, c.y));
}
inline __half2 __hneg2(__half2 a) { return __half2(__hneg(a.x), __hneg(a.y)); }
inline __half2 __habs2(__half2 a) { return __half2(__habs(a.x), __habs(a.y)); }

// ---- Comparisons: ordered (false when either is NaN), as setp's ordered forms ---------------------------------------

inline bool __heq(__half a, __half b) { return __half2float(a) == __half2float(b); }
inline bool __hne(__half a, __half b) { return __half2float(a) < __half2float(b) || __half2float(a) > __half2float(b); }
inline bool __hlt(__half a, __half b) { return __half2float(a) < __half2float(b); }
inline bool __hle(__half a, __half b) { return __half2float(a) <= __half2float(b); }
inline bool __hgt(__half a, __half b) { return __half2float(a) > __half2float(b); }
inline bool __hge(__half a, __half b) { return __half2float(a) >= __half2float(b); }
inline bool __hisnan(__half a) { return (__half_as_ushort(a) & 0x7FFFu) > 0x7C00u; }
inline int __hisinf(__half a) {
    const unsigned short bits = __half_as_ushort(a);
    return bits == 0x7C00u ? 1 : (bits == 0xFC00u ? -1 : 0);
}

// ---- Operators (cuda_fp16.hpp defines them for device code through the intrinsics above) ---------------------------

inline __half operator+(__half a, __half b) { return __hadd(a, b); }
inline __half operator-(__half a, __half b) { return __hsub(a, b); }
inline __half operator*(__half a, __half b) { return __hmul(a, b); }
inline __half operator/(__half a, __half b) { return __hdiv(a, b); }
inline __half operator-(__half a) { return __hneg(a); }
inline __half operator+(__half a) { return a; }
inline __half& operator+=(__half& a, __half b) { return a = __hadd(a, b); }
inline __half& operator-=(__half& a, __half b) { return a = __hsub(a, b); }
inline __half& operator*=(__half& a, __half b) { return a = __hmul(a, b); }
inline __half& operator/=(__half& a, __half b) { return a = __hdiv(a, b); }
inline bool operator==(__half a, __half b) { return __heq(a, b); }
inline bool operator!=(__half a, __half b) { return !__heq(a, b); }  // unordered: true with a NaN, as for float
inline bool operator<(__half a, __half b) { return __hlt(a, b); }
inline bool operator<=(__half a, __half b) { return __hle(a, b); }
inline bool operator>(__half a, __half b) { return __hgt(a, b); }
inline bool operator>=(__half a, __half b) { return __hge(a, b); }

inline __half2 operator+(__half2 a, __half2 b) { return __hadd2(a, b); }
inline __half2 operator-(__half2 a, __half2 b) { return __hsub2(a, b); }
inline __half2 operator*(__half2 a, __half2 b) { return __hmul2(a, b); }
inline __half2 operator/(__half2 a, __half2 b) { return __h2div(a, b); }
inline __half2 operator-(__half2 a) { return __hneg2(a); }
inline __half2& operator+=(__half2& a, __half2 b) { return a = __hadd2(a, b); }
inline __half2& operator-=(__half2& a, __half2 b) { return a = __hsub2(a, b); }
inline __half2& operator*=(__half2& a, __half2 b) { return a = __hmul2(a, b); }
