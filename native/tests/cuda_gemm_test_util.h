// What the CUDA GEMM tests share: operands held as host bytes with a device copy, random contents of each dtype, the
// CPU op run on the same bytes as the CUDA op, and the error bound of an FP32-accumulated result.
#pragma once

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cuda_test_util.h"
#include "test_bounds.h"
#include "test_tensors.h"

namespace qrt_test {

// A tensor argument: its bytes on the host and, once uploaded, on the device. Rank 1 or 2; a rank-2 tensor may have
// padded rows (row_stride elements apart).
struct Operand {
    qrt_dtype dtype = QRT_DTYPE_F32;
    std::vector<int64_t> shape;
    int64_t row_stride = 0;  // rank 2: elements between rows (0: contiguous)
    std::vector<uint8_t> bytes;
    std::unique_ptr<DeviceBuffer<uint8_t>> device;

    Operand() = default;
    Operand(qrt_dtype d, std::vector<int64_t> s, int64_t stride = 0) : dtype(d), shape(std::move(s)), row_stride(stride) {
        bytes.assign(static_cast<size_t>(storage_elements()) * qrt_dtype_size(dtype), 0);
    }

    int64_t storage_elements() const {
        if (shape.size() == 2) return shape[0] * (row_stride > 0 ? row_stride : shape[1]);
        int64_t count = 1;
        for (int64_t extent : shape) count *= extent;
        return count;
    }
    // Element (r, c) of a rank-2 operand, or element c of a rank-1 one, as a storage index.
    size_t index(int64_t r, int64_t c) const {
        return static_cast<size_t>(shape.size() == 2 ? r * (row_stride > 0 ? row_stride : shape[1]) + c : c);
    }

    void upload(qrt_stream* gpu) { device = std::make_unique<DeviceBuffer<uint8_t>>(gpu, bytes); }

    qrt_tensor describe(void* data, qrt_device where) const {
        qrt_tensor t{};
        t.data = data;
        t.dtype = dtype;
        t.rank = static_cast<int32_t>(shape.size());
        int64_t stride = 1;
        for (int d = t.rank - 1; d >= 0; --d) {
            t.shape[d] = shape[static_cast<size_t>(d)];
            t.strides[d] = stride;
            stride *= shape[static_cast<size_t>(d)] > 1 ? shape[static_cast<size_t>(d)] : 1;
        }
        if (t.rank == 2 && row_stride > 0) t.strides[0] = row_stride;
        t.device = where;
        return t;
    }
    qrt_tensor host() { return describe(bytes.data(), cpu_device()); }
    qrt_tensor gpu() { return describe(device->data(), cuda_device()); }

    float get(size_t i) const { return load_element(bytes.data(), dtype, i); }
    void set(size_t i, float value) { store_element(bytes.data(), dtype, i, value); }
};

// Fills a float operand with uniform values in [low, high], rounded to its dtype.
inline void fill_uniform(Random& random, Operand& operand, float low, float high) {
    const std::vector<float> values = random.uniform(static_cast<size_t>(operand.storage_elements()), low, high);
    for (size_t i = 0; i < values.size(); ++i) operand.set(i, values[i]);
}

// Random bytes: every int8 value, or every e4m3 code but the two NaNs (0x7F, 0xFF), which quantizers never produce.
inline void fill_bytes(Random& random, Operand& operand, bool e4m3) {
    for (uint8_t& byte : operand.bytes) {
        do {
            byte = static_cast<uint8_t>(random.integer(0, 255));
        } while (e4m3 && (byte & 0x7f) == 0x7f);
    }
}

// A weight scale as checkpoints store it: per tensor [1] (kind 0), per channel [N] (kind 1) or [N, 1] (kind 2),
// with values in [0.001, 0.01).
inline Operand weight_scale_operand(Random& random, qrt_dtype dtype, int kind, int64_t n) {
    Operand scale(dtype, kind == 0 ? std::vector<int64_t>{1} : kind == 1 ? std::vector<int64_t>{n} : std::vector<int64_t>{n, 1});
    fill_uniform(random, scale, 0.001f, 0.01f);
    return scale;
}

// The value of an e4m3 code (sign, 4 exponent bits with bias 7, 3 mantissa bits).
inline double e4m3_value(uint8_t code) {
    const int exponent = (code >> 3) & 15;
    const int mantissa = code & 7;
    const double magnitude = exponent == 0 ? std::ldexp(mantissa, -9) : std::ldexp(8 + mantissa, exponent - 10);
    return (code & 0x80) ? -magnitude : magnitude;
}

// Whether CUDA runs on the emulator here (whose mma rounds each exact block sum once) rather than on a GPU.
inline bool cuda_is_emulated() {
    qrt_backend_info info;
    return qrt_backend_get_info(QRT_BACKEND_CUDA, &info) == QRT_STATUS_OK &&
           std::string(info.detail).find("emulator") != std::string::npos;
}

// The bound on |y_cuda − y_cpu| for one output of an FP32-accumulated GEMM, from the exact value of its parts:
// `products` = Σk |a·w| (exact), `scale` = |row_scale · col_scale|, `bias` = |bias|, `k` = K, rounded to y's dtype.
//
// Each backend sums the K products in FP32 in its own order (the CPU in lanes added pairwise, the GPU per mma block
// and across warps): any order errs from the exact sum by at most γ(K)·Σ|a·w|. Then two products (the scales, then
// the scaled sum) and the bias add each round once: γ(K + 3)·(scale·Σ|a·w|) + u·|bias| bounds a backend's FP32 value
// against the exact result, `extra` adds what a GPU's tensor cores may lose beyond that (0 in the emulator), and
// rounding to y's dtype adds its half ulp (rounded_output_error). The two backends differ by at most the sum of
// their two bounds.
inline double fp32_gemm_bound(double products, double scale, double bias, double exact, int64_t k, qrt_dtype y_dtype,
                              double extra = 0.0) {
    const double fp32_error = gamma_fp32(k + 3) * scale * products + kUnitRoundoff * bias + extra * scale * products;
    return 2.0 * rounded_output_error(fp32_error, std::fabs(exact), y_dtype);
}

}  // namespace qrt_test
