// Reference conversions for the narrow float formats, written here from the formats' definitions. Tests
// build their inputs and expectations with them, so they must never call libqrt's own conversions: a
// conversion bug in the library cannot then hide by agreeing with itself.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "qrt.h"

namespace qrt_test {

// The float dtypes every op accepts, in the order the tests iterate them.
inline constexpr qrt_dtype kFloatDtypes[] = {QRT_DTYPE_F32, QRT_DTYPE_F16, QRT_DTYPE_BF16};

// BF16: the top 16 bits of an FP32, rounded to nearest even; a NaN stays a (quiet) NaN of its sign.
inline uint16_t to_bf16(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, 4);
    if (std::isnan(value)) return static_cast<uint16_t>((bits >> 16) | 0x40);
    const uint32_t lower = bits & 0xffffu;
    uint32_t upper = bits >> 16;
    if (lower > 0x8000u || (lower == 0x8000u && (upper & 1u))) ++upper;
    return static_cast<uint16_t>(upper);
}

// A BF16 code widens to FP32 exactly: its bits become the top half.
inline float from_bf16(uint16_t value) {
    const uint32_t bits = static_cast<uint32_t>(value) << 16;
    float result;
    std::memcpy(&result, &bits, 4);
    return result;
}

// F16: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits; exponent 0 holds subnormals in units
// of 2^-24, exponent 31 the infinities and NaNs. Every F16 value is exact in FP32.
inline float from_f16(uint16_t bits) {
    const int exponent = (bits >> 10) & 0x1f;
    const int mantissa = bits & 0x3ff;
    double magnitude;
    if (exponent == 0) {
        magnitude = std::ldexp(mantissa, -24);
    } else if (exponent == 31) {
        magnitude = mantissa != 0 ? std::nan("") : std::numeric_limits<double>::infinity();
    } else {
        magnitude = std::ldexp(1024 + mantissa, exponent - 25);
    }
    return static_cast<float>((bits & 0x8000) != 0 ? -magnitude : magnitude);
}

// Rounds to the nearest F16, ties to even: values in [2^(e-1), 2^e) are multiples of 2^(e-11), and
// nothing is finer than 2^-24. From 65520 (halfway past the largest value, 65504) on, the result is
// infinity; a NaN stays a NaN of its sign.
inline uint16_t to_f16(float value) {
    const uint16_t sign = std::signbit(value) ? 0x8000 : 0;
    if (std::isnan(value)) return sign | 0x7e00;
    const double magnitude = std::fabs(static_cast<double>(value));
    if (magnitude >= 65520.0) return sign | 0x7c00;
    int exponent = 0;
    std::frexp(magnitude, &exponent);
    const int quantum = std::max(exponent - 11, -24);
    const int units = static_cast<int>(std::nearbyint(std::ldexp(magnitude, -quantum)));  // ties to even
    // Below 1024 units the value is subnormal; from there on, exponent field (quantum + 25) and mantissa
    // (units - 1024) add up to this, and a carry to 2048 units lands on the next exponent by itself.
    const int bits = units < 1024 ? units : ((quantum + 24) << 10) + units;
    return static_cast<uint16_t>(sign | bits);
}

// F8 e4m3fn: 1 sign bit, 4 exponent bits (bias 7), 3 mantissa bits; no infinities, S.1111.111 is NaN.
// Every e4m3 value is exact in FP32.
inline float from_e4m3(uint8_t code) {
    const int exponent = (code >> 3) & 0xf;
    const int mantissa = code & 0x7;
    double magnitude;
    if (exponent == 0xf && mantissa == 0x7) {
        magnitude = std::nan("");
    } else if (exponent == 0) {
        magnitude = std::ldexp(mantissa, -9);
    } else {
        magnitude = std::ldexp(8 + mantissa, exponent - 10);
    }
    return static_cast<float>((code & 0x80) != 0 ? -magnitude : magnitude);
}

// The nearest e4m3 code by search over every finite code, ties to the even code (even mantissa),
// magnitudes past 448 saturating to 448, as a conversion to e4m3fn does; NaN gives the NaN code 0x7f.
inline uint8_t to_e4m3(double value) {
    if (std::isnan(value)) return 0x7f;
    const uint8_t sign = std::signbit(value) ? 0x80 : 0x00;
    const double magnitude = std::fabs(value);
    int best = 0;
    for (int code = 1; code <= 0x7e; ++code) {
        const double distance = std::fabs(from_e4m3(static_cast<uint8_t>(code)) - magnitude);
        const double best_distance = std::fabs(from_e4m3(static_cast<uint8_t>(best)) - magnitude);
        if (distance < best_distance || (distance == best_distance && code % 2 == 0)) best = code;
    }
    return static_cast<uint8_t>(sign | best);
}

// value rounded to dtype (F32, F16 or BF16) and read back: the conversion qrt.h defines for outputs.
inline float round_to(qrt_dtype dtype, float value) {
    switch (dtype) {
        case QRT_DTYPE_F16: return from_f16(to_f16(value));
        case QRT_DTYPE_BF16: return from_bf16(to_bf16(value));
        default: return value;
    }
}

}  // namespace qrt_test
