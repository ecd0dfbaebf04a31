// Rounding to the GPU's narrow floating-point formats (binary16, bfloat16, FP8 e4m3 and e5m2), for the emulator's
// cuda_fp16.h, cuda_bf16.h and cuda_fp8.h. One routine rounds any double to nearest, ties to even, into any of
// them; the formats differ only in their widths and in what overflow and NaN become (ptx-semantics.md §8).
//
// Every narrow value, and every float, is exact as a double, so converting a float through a double rounds once.
// An arithmetic result that a double cannot hold exactly (a fused multiply-add) comes with the sign of its
// remainder, which settles a double that lands exactly on a tie of the narrow format.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace qrt::emu::fp {

// What a value too large for the format becomes.
enum class Overflow {
    Infinity,  // IEEE rounding: binary16, bfloat16, e5m2 without saturation
    Saturate,  // the largest finite value with the sign (.satfinite)
    NaN,       // e4m3 without saturation: it has no infinity
};

struct Format {
    int mantissa_bits;    // stored fraction bits
    int min_exponent;     // exponent of the smallest normal value
    uint32_t max_finite;  // code of the largest finite magnitude
    uint32_t infinity;    // code of infinity (formats without one: unused)
    uint32_t nan;         // the NaN every NaN input becomes (canonical, positive)
    uint32_t sign;        // the sign bit
};

inline constexpr Format kBinary16{10, -14, 0x7BFFu, 0x7C00u, 0x7FFFu, 0x8000u};
inline constexpr Format kBfloat16{7, -126, 0x7F7Fu, 0x7F80u, 0x7FFFu, 0x8000u};
inline constexpr Format kE4M3{3, -6, 0x7Eu, 0x7Fu, 0x7Fu, 0x80u};
inline constexpr Format kE5M2{2, -14, 0x7Bu, 0x7Cu, 0x7Fu, 0x80u};

// The code of |value| rounded to nearest even, for a finite, non-zero magnitude; `beyond` is +1 when the exact
// value lies a little above `magnitude`, -1 a little below, 0 when `magnitude` is exact. The code is not bounded:
// a result past the format's largest finite value is the caller's to handle.
inline uint64_t round_magnitude(double magnitude, int beyond, const Format& format) {
    uint64_t bits;
    std::memcpy(&bits, &magnitude, sizeof bits);
    const int biased = static_cast<int>(bits >> 52);
    uint64_t significand = bits & ((uint64_t{1} << 52) - 1);
    int exponent = -1022;  // a subnormal double
    if (biased != 0) {
        significand |= uint64_t{1} << 52;
        exponent = biased - 1023;
    }
    // magnitude = significand * 2^(exponent - 52); the result is a multiple of 2^quantum.
    const int scale = exponent < format.min_exponent ? format.min_exponent : exponent;
    const int quantum = scale - format.mantissa_bits;
    const int shift = quantum - (exponent - 52);  // at least 52 - mantissa_bits > 0
    uint64_t units = 0;
    if (shift < 64) {
        units = significand >> shift;
        const uint64_t remainder = significand & ((uint64_t{1} << shift) - 1);
        const uint64_t half = uint64_t{1} << (shift - 1);
        // A remainder of exactly one half is a tie only when the double is exact; otherwise the exact value is on
        // the side `beyond` says. No other boundary can lie between the double and the exact value: the double
        // is the nearest one, and every boundary of a narrower format is a double.
        const bool tie = remainder == half;
        if (remainder > half || (tie && (beyond > 0 || (beyond == 0 && (units & 1u) != 0)))) ++units;
    }
    // Adding the units to the exponent field makes a carry out of the fraction (or out of the subnormal range)
    // step the exponent, as the encoding intends.
    return (static_cast<uint64_t>(scale - format.min_exponent) << format.mantissa_bits) + units;
}

// The code of `value` (+ the remainder direction `beyond`, see round_magnitude) in `format`.
inline uint32_t encode(double value, Overflow overflow, const Format& format, int beyond = 0) {
    if (std::isnan(value)) return format.nan;
    const uint32_t sign = std::signbit(value) ? format.sign : 0u;
    const uint32_t too_large = overflow == Overflow::Infinity   ? sign | format.infinity
                               : overflow == Overflow::Saturate ? sign | format.max_finite
                                                                : sign | format.nan;
    if (std::isinf(value)) return too_large;
    if (value == 0.0) return sign;
    const uint64_t code = round_magnitude(std::fabs(value), value < 0 ? -beyond : beyond, format);
    if (code > format.max_finite) return too_large;
    return sign | static_cast<uint32_t>(code);
}

// The value of a code in `format` (exact; NaN codes give a quiet NaN, infinity codes infinity).
inline double decode(uint32_t code, const Format& format, bool has_infinity) {
    const bool negative = (code & format.sign) != 0;
    const uint32_t magnitude = code & (format.sign - 1u);
    double value;
    if (has_infinity && magnitude == format.infinity) {
        value = INFINITY;
    } else if (magnitude > (has_infinity ? format.infinity : format.max_finite)) {
        return NAN;
    } else {
        const uint32_t fraction = magnitude & ((1u << format.mantissa_bits) - 1u);
        const int field = static_cast<int>(magnitude >> format.mantissa_bits);
        value = field == 0 ? std::ldexp(static_cast<double>(fraction), format.min_exponent - format.mantissa_bits)
                           : std::ldexp(static_cast<double>(fraction | (1u << format.mantissa_bits)),
                                        field - 1 + format.min_exponent - format.mantissa_bits);
    }
    return negative ? -value : value;
}

// a * b + c rounded once into `format`, for operands that are values of a format of at most 12 significant bits
// (binary16, bfloat16): the product is exact as a double, and the sum's rounding error is recovered exactly
// (Knuth's two-sum), so the one rounding into the narrow format is the only one that counts.
inline uint32_t fused_multiply_add(double a, double b, double c, Overflow overflow, const Format& format) {
    const double product = a * b;
    const double sum = product + c;
    if (!std::isfinite(sum)) return encode(sum, overflow, format);
    const double product_part = sum - c;
    const double addend_part = sum - product_part;
    const double error = (product - product_part) + (c - addend_part);
    return encode(sum, overflow, format, error > 0 ? 1 : (error < 0 ? -1 : 0));
}

inline float bits_float(uint32_t bits) {
    float value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}

inline uint32_t float_bits(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

// The float NaN that narrow NaNs widen to.
inline constexpr uint32_t kFloatNaN = 0x7FFFFFFFu;

// binary16 -> float, exact; the subnormal range scales the fraction by 2^-24, which a float does exactly.
inline float half_to_float(uint16_t code) {
    const uint32_t sign = static_cast<uint32_t>(code & 0x8000u) << 16;
    const uint32_t field = (code >> 10) & 0x1Fu;
    const uint32_t fraction = code & 0x3FFu;
    if (field == 0x1Fu) return bits_float(fraction != 0 ? kFloatNaN : (sign | 0x7F800000u));
    if (field == 0) {
        const float magnitude = static_cast<float>(fraction) * bits_float(0x33800000u);  // 2^-24
        return sign != 0 ? -magnitude : magnitude;
    }
    return bits_float(sign | ((field + 112u) << 23) | (fraction << 13));
}

// bfloat16 -> float: the top half of a float.
inline float bfloat16_to_float(uint16_t code) {
    if ((code & 0x7FFFu) > 0x7F80u) return bits_float(kFloatNaN);
    return bits_float(static_cast<uint32_t>(code) << 16);
}

inline uint16_t float_to_half(float value) {
    return static_cast<uint16_t>(encode(static_cast<double>(value), Overflow::Infinity, kBinary16));
}

inline uint16_t float_to_bfloat16(float value) {
    return static_cast<uint16_t>(encode(static_cast<double>(value), Overflow::Infinity, kBfloat16));
}

}  // namespace qrt::emu::fp
