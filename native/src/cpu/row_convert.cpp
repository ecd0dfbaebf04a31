#include "cpu/row_convert.h"

#include "core/dtype.h"
#include "core/error.h"

namespace qrt::cpu {

void load_row_f32(const void* src, qrt_dtype dtype, int64_t count, float* dst) {
    switch (dtype) {
        case QRT_DTYPE_F32: {
            const float* s = static_cast<const float*>(src);
            for (int64_t i = 0; i < count; ++i) dst[i] = s[i];
            return;
        }
        case QRT_DTYPE_F16: {
            const uint16_t* s = static_cast<const uint16_t*>(src);
            for (int64_t i = 0; i < count; ++i) dst[i] = f16_to_f32(s[i]);
            return;
        }
        case QRT_DTYPE_BF16: {
            const uint16_t* s = static_cast<const uint16_t*>(src);
            for (int64_t i = 0; i < count; ++i) dst[i] = bf16_to_f32(s[i]);
            return;
        }
        case QRT_DTYPE_F8_E4M3: {
            const uint8_t* s = static_cast<const uint8_t*>(src);
            for (int64_t i = 0; i < count; ++i) dst[i] = fp8_e4m3_to_f32(s[i]);
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
    throw Error(QRT_STATUS_INTERNAL_ERROR,
                concat("store_row_f32: cannot store FP32 as ", dtype_name(dtype)));
}

}  // namespace qrt::cpu
