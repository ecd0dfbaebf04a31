// What the tests of the CUDA row ops (elementwise, activation, softmax, embedding) share: whether the kernels run
// in the emulator, where they call the host's math library and must give the CPU op's bits, and comparisons of
// results stored in a float dtype, bit for bit or within a bound.
#pragma once

#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "cuda_test_util.h"
#include "test_bounds.h"
#include "test_formats.h"

namespace qrt_test {

// True when libqrt's CUDA backend is the emulator (its build description says so): kernels then use the host's
// expf, erfcf and logf, as the CPU ops do, and any difference from the CPU comes from the order of sums alone.
inline bool cuda_is_emulated() { return std::strstr(qrt_version_string(), "emulator") != nullptr; }

// Element i of storage in dtype (F32, F16, BF16 or F8_E4M3) as FP32.
inline float element_value(const std::vector<uint8_t>& bytes, qrt_dtype dtype, size_t i) {
    switch (dtype) {
        case QRT_DTYPE_F16: {
            uint16_t bits;
            std::memcpy(&bits, bytes.data() + 2 * i, 2);
            return from_f16(bits);
        }
        case QRT_DTYPE_BF16: {
            uint16_t bits;
            std::memcpy(&bits, bytes.data() + 2 * i, 2);
            return from_bf16(bits);
        }
        case QRT_DTYPE_F8_E4M3: return from_e4m3(bytes[i]);
        default: {
            float value;
            std::memcpy(&value, bytes.data() + 4 * i, 4);
            return value;
        }
    }
}

// The same bytes, element by element, except that two NaNs match whatever their payloads (a GPU's conversions
// choose their own NaN bits). Reports the first mismatch.
inline void check_same_bits(const std::vector<uint8_t>& actual, const std::vector<uint8_t>& expected, qrt_dtype dtype,
                            const char* what) {
    const size_t size = qrt_dtype_size(dtype);
    if (actual.size() != expected.size()) {
        std::fprintf(stderr, "%s: %zu bytes, expected %zu\n", what, actual.size(), expected.size());
        ++failures();
        return;
    }
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < actual.size() / size; ++i) {
        if (std::memcmp(actual.data() + i * size, expected.data() + i * size, size) == 0) continue;
        if (std::isnan(element_value(actual, dtype, i)) && std::isnan(element_value(expected, dtype, i))) continue;
        if (bad++ == 0) first = i;
    }
    if (bad > 0) {
        std::fprintf(stderr, "%s: %zu of %zu elements differ from the CPU's bits; first at %zu: %.9g vs %.9g\n", what,
                     bad, actual.size() / size, first, element_value(actual, dtype, first),
                     element_value(expected, dtype, first));
        ++failures();
    }
}

// Decoded values of float storage, for all_close.
inline std::vector<float> values_of(const std::vector<uint8_t>& bytes, qrt_dtype dtype) {
    std::vector<float> values(bytes.size() / qrt_dtype_size(dtype));
    for (size_t i = 0; i < values.size(); ++i) values[i] = element_value(bytes, dtype, i);
    return values;
}

inline std::vector<double> widened(const std::vector<float>& values) {
    return std::vector<double>(values.begin(), values.end());
}

// One unit in the last place of dtype, relative (twice its unit roundoff): two roundings to dtype of FP32 values
// that differ slightly may land one unit apart.
inline double output_ulp(qrt_dtype dtype) { return 2.0 * unit_roundoff(dtype); }

// A descriptor of device memory: tensor() on cuda:0.
inline qrt_tensor device_tensor(void* data, qrt_dtype dtype, std::initializer_list<int64_t> shape) {
    return tensor(data, dtype, shape, cuda_device());
}

// The same view over device memory: a host descriptor with its data and device replaced.
inline qrt_tensor on_device(qrt_tensor host, void* data) {
    host.data = data;
    host.device = cuda_device();
    return host;
}

}  // namespace qrt_test
