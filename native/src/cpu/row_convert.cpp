#include "cpu/row_convert.h"

#include <cstring>

#include "core/dtype.h"
#include "core/error.h"
#include "cpu/simd.h"

namespace qrt::cpu {
namespace {

// Chooses between two bit patterns with a mask rather than a branch: every element of a row then
// follows the same instructions, which the compiler turns into vector blends.
inline uint32_t select_bits(bool condition, uint32_t if_true, uint32_t if_false) {
    const uint32_t mask = 0u - static_cast<uint32_t>(condition);
    return (if_true & mask) | (if_false & ~mask);
}

// F16 to FP32, exactly and without branches. Subnormal halves are integers in units of 2^-24 (converted
// without ever forming an FP32 subnormal, so flush-to-zero modes cannot touch them); normal halves
// rebias the exponent (15 -> 127); infinity and NaN keep an all-ones exponent.
inline float widen_f16(uint16_t half) {
    const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
    const uint32_t magnitude = half & 0x7fffu;
    const uint32_t subnormal = float_bits(static_cast<float>(static_cast<int32_t>(magnitude)) * 0x1p-24f);
    const uint32_t normal =
        select_bits(magnitude >= 0x7c00u, 0x7f800000u | (magnitude << 13), (magnitude << 13) + 0x38000000u);
    return bits_to_float(select_bits(magnitude < 0x0400u, subnormal, normal) | sign);
}

// F8_E4M3 to FP32, exactly and without branches: subnormals are integers in units of 2^-9; normals
// rebias the exponent (7 -> 127) and move the three mantissa bits to the top of FP32's; S.1111.111 is NaN.
inline float widen_fp8_e4m3(uint8_t byte) {
    const uint32_t sign = static_cast<uint32_t>(byte & 0x80u) << 24;
    const uint32_t magnitude = byte & 0x7fu;
    const uint32_t subnormal = float_bits(static_cast<float>(static_cast<int32_t>(magnitude)) * 0x1p-9f);
    const uint32_t normal = select_bits(magnitude == 0x7fu, 0x7fc00000u, (magnitude << 20) + (120u << 23));
    return bits_to_float(select_bits(magnitude < 8u, subnormal, normal) | sign);
}

}  // namespace

QRT_MULTIVERSION
void load_row_f32(const void* src, qrt_dtype dtype, int64_t count, float* dst) {
    switch (dtype) {
        case QRT_DTYPE_F32: std::memmove(dst, src, static_cast<size_t>(count) * sizeof(float)); return;
        case QRT_DTYPE_F16: {
            const uint16_t* s = static_cast<const uint16_t*>(src);
            for (int64_t i = 0; i < count; ++i) dst[i] = widen_f16(s[i]);
            return;
        }
        case QRT_DTYPE_BF16: {
            const uint16_t* s = static_cast<const uint16_t*>(src);
            for (int64_t i = 0; i < count; ++i) dst[i] = bf16_to_f32(s[i]);
            return;
        }
        case QRT_DTYPE_F8_E4M3: {
            const uint8_t* s = static_cast<const uint8_t*>(src);
            for (int64_t i = 0; i < count; ++i) dst[i] = widen_fp8_e4m3(s[i]);
            return;
        }
        case QRT_DTYPE_I8: {
            const int8_t* s = static_cast<const int8_t*>(src);
            for (int64_t i = 0; i < count; ++i) dst[i] = static_cast<float>(s[i]);
            return;
        }
        case QRT_DTYPE_U8: {
            const uint8_t* s = static_cast<const uint8_t*>(src);
            for (int64_t i = 0; i < count; ++i) dst[i] = static_cast<float>(s[i]);
            return;
        }
        case QRT_DTYPE_I32: {
            const int32_t* s = static_cast<const int32_t*>(src);
            for (int64_t i = 0; i < count; ++i) dst[i] = static_cast<float>(s[i]);
            return;
        }
        case QRT_DTYPE_I64: {
            const int64_t* s = static_cast<const int64_t*>(src);
            for (int64_t i = 0; i < count; ++i) dst[i] = static_cast<float>(s[i]);
            return;
        }
    }
    throw Error(QRT_STATUS_INTERNAL_ERROR, concat("load_row_f32: unhandled dtype ", static_cast<int>(dtype)));
}

void store_row_f32(const float* src, int64_t count, void* dst, qrt_dtype dtype) {
    switch (dtype) {
        case QRT_DTYPE_F32: {
            float* d = static_cast<float*>(dst);
            for (int64_t i = 0; i < count; ++i) d[i] = src[i];
            return;
        }
        case QRT_DTYPE_F16: {
            uint16_t* d = static_cast<uint16_t*>(dst);
            for (int64_t i = 0; i < count; ++i) d[i] = f32_to_f16(src[i]);
            return;
        }
        case QRT_DTYPE_BF16: {
            uint16_t* d = static_cast<uint16_t*>(dst);
            for (int64_t i = 0; i < count; ++i) d[i] = f32_to_bf16(src[i]);
            return;
        }
        case QRT_DTYPE_F8_E4M3: {
            uint8_t* d = static_cast<uint8_t*>(dst);
            for (int64_t i = 0; i < count; ++i) d[i] = f32_to_fp8_e4m3(src[i]);
            return;
        }
        default: break;
    }
    throw Error(QRT_STATUS_INTERNAL_ERROR, concat("store_row_f32: cannot store FP32 as ", dtype_name(dtype)));
}

}  // namespace qrt::cpu
