// Element types: sizes, names, and exact scalar conversions between FP32 and the 16- and 8-bit
// storage formats. Every conversion to a narrower format rounds to nearest, ties to even, as the
// hardware and PyTorch do.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "qrt.h"

namespace qrt {

inline bool is_known_dtype(int32_t dtype) { return dtype >= QRT_DTYPE_F32 && dtype <= QRT_DTYPE_I64; }

inline size_t dtype_size(qrt_dtype dtype) {
    switch (dtype) {
        case QRT_DTYPE_F32: return 4;
        case QRT_DTYPE_F16: return 2;
        case QRT_DTYPE_BF16: return 2;
        case QRT_DTYPE_F8_E4M3: return 1;
        case QRT_DTYPE_I8: return 1;
        case QRT_DTYPE_U8: return 1;
        case QRT_DTYPE_I32: return 4;
        case QRT_DTYPE_I64: return 8;
    }
    return 0;
}

inline const char* dtype_name(qrt_dtype dtype) {
    switch (dtype) {
        case QRT_DTYPE_F32: return "F32";
        case QRT_DTYPE_F16: return "F16";
        case QRT_DTYPE_BF16: return "BF16";
        case QRT_DTYPE_F8_E4M3: return "F8_E4M3";
        case QRT_DTYPE_I8: return "I8";
        case QRT_DTYPE_U8: return "U8";
        case QRT_DTYPE_I32: return "I32";
        case QRT_DTYPE_I64: return "I64";
    }
    return "UNKNOWN";
}

// The dtypes activations and dense weights come in.
inline bool is_float16_or_32(qrt_dtype dtype) {
    return dtype == QRT_DTYPE_F32 || dtype == QRT_DTYPE_F16 || dtype == QRT_DTYPE_BF16;
}

inline uint32_t float_bits(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

inline float bits_to_float(uint32_t bits) {
    float value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}

// BF16 is the top half of an FP32: widening is a shift.
inline float bf16_to_f32(uint16_t value) { return bits_to_float(static_cast<uint32_t>(value) << 16); }

inline uint16_t f32_to_bf16(float value) {
    uint32_t bits = float_bits(value);
    if ((bits & 0x7fffffffu) > 0x7f800000u) {
        return static_cast<uint16_t>((bits >> 16) | 0x0040u);  // NaN: keep sign, force quiet
    }
    bits += 0x7fffu + ((bits >> 16) & 1u);  // round to nearest even on the dropped 16 bits
    return static_cast<uint16_t>(bits >> 16);
}

inline float f16_to_f32(uint16_t value) {
    const uint32_t sign = static_cast<uint32_t>(value & 0x8000u) << 16;
    const uint32_t exponent = (value >> 10) & 0x1fu;
    const uint32_t mantissa = value & 0x3ffu;
    if (exponent == 0) {
        // Zero or subnormal: mantissa units of 2^-24, exactly representable in FP32.
        const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 31) return bits_to_float(sign | 0x7f800000u | (mantissa << 13));
    return bits_to_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

// Rounds the integer `value >> shift` to nearest even on the dropped bits (0 < shift < 32).
inline uint32_t shift_right_round_even(uint32_t value, int shift) {
    const uint32_t kept = value >> shift;
    const uint32_t dropped = value & ((1u << shift) - 1u);
    const uint32_t half = 1u << (shift - 1);
    return kept + ((dropped > half || (dropped == half && (kept & 1u))) ? 1u : 0u);
}

inline uint16_t f32_to_f16(float value) {
    const uint32_t bits = float_bits(value);
    const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
    const uint32_t magnitude = bits & 0x7fffffffu;
    if (magnitude >= 0x7f800000u) return sign | (magnitude > 0x7f800000u ? 0x7e00u : 0x7c00u);
    if (magnitude >= 0x477ff000u) return sign | 0x7c00u;  // 65520 and above round to infinity
    if (magnitude < 0x38800000u) {
        // Below 2^-14: a subnormal half, in units of 2^-24.
        const int exponent = static_cast<int>(magnitude >> 23);
        const int shift = 126 - exponent;
        if (shift > 24) return sign;  // below 2^-25: rounds to zero
        const uint32_t mantissa = (magnitude & 0x7fffffu) | 0x800000u;
        return static_cast<uint16_t>(sign | shift_right_round_even(mantissa, shift));
    }
    // Normal: rebias the exponent (127 -> 15) and round away 13 mantissa bits; a carry into the
    // exponent field is the correct result.
    return static_cast<uint16_t>(sign | shift_right_round_even(magnitude - 0x38000000u, 13));
}

// FP8 e4m3fn (OCP "E4M3"): bias 7, no infinities, S.1111.111 is NaN, largest finite ±448.
constexpr float kFp8E4M3Max = 448.0f;

inline float fp8_e4m3_to_f32(uint8_t value) {
    const bool negative = (value & 0x80u) != 0;
    const int exponent = (value >> 3) & 0xf;
    const int mantissa = value & 0x7;
    float magnitude;
    if (exponent == 0xf && mantissa == 0x7) {
        magnitude = std::nanf("");
    } else if (exponent == 0) {
        magnitude = std::ldexp(static_cast<float>(mantissa), -9);  // subnormal: units of 2^-9
    } else {
        magnitude = std::ldexp(static_cast<float>(8 + mantissa), exponent - 10);
    }
    return negative ? -magnitude : magnitude;
}

// Saturating conversion (CUDA's __NV_SATFINITE): finite values beyond ±448 and infinities become ±448.
inline uint8_t f32_to_fp8_e4m3(float value) {
    const uint32_t bits = float_bits(value);
    const uint8_t sign = static_cast<uint8_t>((bits >> 24) & 0x80u);
    const uint32_t magnitude = bits & 0x7fffffffu;
    if (magnitude > 0x7f800000u) return sign | 0x7fu;   // NaN
    if (magnitude >= 0x43e00000u) return sign | 0x7eu;  // >= 448 (and infinity): saturate
    if (magnitude < 0x3c800000u) {
        // Below 2^-6: subnormal, in units of 2^-9. 8 units is the smallest normal, encoded 0x08.
        const int exponent = static_cast<int>(magnitude >> 23);
        const int shift = 141 - exponent;  // mantissa-with-hidden-bit >> shift = value in units of 2^-9
        if (shift > 24) return sign;       // below 2^-10: rounds to zero
        const uint32_t mantissa = (magnitude & 0x7fffffu) | 0x800000u;
        return static_cast<uint8_t>(sign | shift_right_round_even(mantissa, shift));
    }
    // Normal: rebias (127 -> 7) and round away 20 mantissa bits. Inputs below 448 cannot round past
    // 448 (the next step, 480, would need an input of at least 464).
    return static_cast<uint8_t>(sign | shift_right_round_even(magnitude - 0x3c000000u, 20));
}

// Rounds to the nearest integer, ties to even, independent of the floating-point environment.
inline float round_half_even(float value) {
    if (!(std::fabs(value) < 8388608.0f)) return value;  // already integral (or NaN / infinity)
    const float floor_value = std::floor(value);
    const float fraction = value - floor_value;  // exact for |value| < 2^23
    if (fraction > 0.5f) return floor_value + 1.0f;
    if (fraction < 0.5f) return floor_value;
    return std::fmod(floor_value, 2.0f) == 0.0f ? floor_value : floor_value + 1.0f;
}

// round_half_even then saturate to [-128, 127]; NaN becomes 0 (as cvt.rni.sat.s8.f32 does).
inline int8_t f32_to_int8_saturated(float value) {
    if (std::isnan(value)) return 0;
    const float rounded = round_half_even(value);
    if (rounded <= -128.0f) return -128;
    if (rounded >= 127.0f) return 127;
    return static_cast<int8_t>(rounded);
}

}  // namespace qrt
