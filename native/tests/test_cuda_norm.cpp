// The CUDA RMSNorm and LayerNorm kernels against the CPU ops on the same inputs. Exits 77 (skipped) without a GPU.
#include <algorithm>
#include <cmath>
#include <optional>

#include "cuda_test_util.h"
#include "test_bounds.h"
#include "test_tensors.h"

using namespace qrt_test;

namespace {

struct Case {
    int64_t rows;
    int64_t cols;
};

// The GPU and CPU differ only in the order of the sum of squares: each sum has relative error at most
// cols * 2^-24, so 1/rms differs by at most about cols * 2^-24 relative. For F32 that bounds y directly.
// For F16/BF16 the normalised value and then y are each rounded: a tiny difference can flip each rounding
// by one unit, so allow two units of the output's precision (2 * 2^-10 for F16, 2 * 2^-7 for BF16).
double relative_tolerance(qrt_dtype dtype, int64_t cols) {
    switch (dtype) {
        case QRT_DTYPE_F16: return std::ldexp(2.0, -10);
        case QRT_DTYPE_BF16: return std::ldexp(2.0, -7);
        default: return std::ldexp(static_cast<double>(cols), -23);
    }
}

void compare(const std::vector<float>& gpu, const std::vector<float>& cpu_values, double rtol, const char* what) {
    std::vector<double> expected(cpu_values.begin(), cpu_values.end());
    all_close(gpu, expected, 0.0, rtol, what);
}

void test_rms_norm(qrt_dtype dtype, qrt_dtype weight_dtype, Case shape, Random& random) {
    CpuStream cpu;
    CudaStream gpu;
    const size_t n = static_cast<size_t>(shape.rows * shape.cols);
    const auto x = encode(cpu, random.normal(n, 3.0f), dtype);
    const auto w = encode(cpu, random.uniform(static_cast<size_t>(shape.cols), 0.5f, 1.5f), weight_dtype);
    std::vector<uint8_t> y_cpu(x.size());

    qrt_tensor x_host = tensor(const_cast<uint8_t*>(x.data()), dtype, {shape.rows, shape.cols});
    qrt_tensor w_host = tensor(const_cast<uint8_t*>(w.data()), weight_dtype, {shape.cols});
    qrt_tensor y_host = tensor(y_cpu.data(), dtype, {shape.rows, shape.cols});
    QRT_CHECK_OK(qrt_rms_norm(cpu, &x_host, &w_host, 1e-5f, &y_host));

    DeviceBuffer<uint8_t> x_dev(gpu, x);
    DeviceBuffer<uint8_t> w_dev(gpu, w);
    DeviceBuffer<uint8_t> y_dev(gpu, std::vector<uint8_t>(x.size()));
    qrt_tensor x_gpu = tensor(x_dev.data(), dtype, {shape.rows, shape.cols}, cuda_device());
    qrt_tensor w_gpu = tensor(w_dev.data(), weight_dtype, {shape.cols}, cuda_device());
    qrt_tensor y_gpu = tensor(y_dev.data(), dtype, {shape.rows, shape.cols}, cuda_device());
    QRT_CHECK_OK(qrt_rms_norm(gpu, &x_gpu, &w_gpu, 1e-5f, &y_gpu));
    compare(decode(cpu, y_dev.download(), dtype), decode(cpu, y_cpu, dtype), relative_tolerance(dtype, shape.cols),
            "rms_norm");
}

void test_add_rms_norm(qrt_dtype dtype, Case shape, Random& random) {
    CpuStream cpu;
    CudaStream gpu;
    const size_t n = static_cast<size_t>(shape.rows * shape.cols);
    const auto x = encode(cpu, random.normal(n), dtype);
    const auto residual = encode(cpu, random.normal(n, 4.0f), dtype);
    const auto w = encode(cpu, random.uniform(static_cast<size_t>(shape.cols), 0.5f, 1.5f), dtype);

    std::vector<uint8_t> residual_cpu = residual;
    std::vector<uint8_t> y_cpu(x.size());
    qrt_tensor x_host = tensor(const_cast<uint8_t*>(x.data()), dtype, {shape.rows, shape.cols});
    qrt_tensor r_host = tensor(residual_cpu.data(), dtype, {shape.rows, shape.cols});
    qrt_tensor w_host = tensor(const_cast<uint8_t*>(w.data()), dtype, {shape.cols});
    qrt_tensor y_host = tensor(y_cpu.data(), dtype, {shape.rows, shape.cols});
    QRT_CHECK_OK(qrt_add_rms_norm(cpu, &x_host, &r_host, &w_host, 1e-6f, &y_host));

    DeviceBuffer<uint8_t> x_dev(gpu, x);
    DeviceBuffer<uint8_t> r_dev(gpu, residual);
    DeviceBuffer<uint8_t> w_dev(gpu, w);
    qrt_tensor x_gpu = tensor(x_dev.data(), dtype, {shape.rows, shape.cols}, cuda_device());
    qrt_tensor r_gpu = tensor(r_dev.data(), dtype, {shape.rows, shape.cols}, cuda_device());
    qrt_tensor w_gpu = tensor(w_dev.data(), dtype, {shape.cols}, cuda_device());
    // y aliases x, the way a decoder layer reuses its buffer.
    QRT_CHECK_OK(qrt_add_rms_norm(gpu, &x_gpu, &r_gpu, &w_gpu, 1e-6f, &x_gpu));

    // The residual sum is one FP32 add rounded once on both backends: it must match bit for bit.
    QRT_CHECK(r_dev.download() == residual_cpu);
    compare(decode(cpu, x_dev.download(), dtype), decode(cpu, y_cpu, dtype), relative_tolerance(dtype, shape.cols),
            "add_rms_norm");
}

void test_strided_rows(Random& random) {
    // Rows of 96 elements taken every 160 elements of a wider buffer, written into another strided view.
    CpuStream cpu;
    CudaStream gpu;
    const int64_t rows = 5;
    const int64_t cols = 96;
    const int64_t stride = 160;
    const auto x = random.normal(static_cast<size_t>(rows * stride));
    const auto w = random.uniform(static_cast<size_t>(cols), 0.5f, 1.5f);
    std::vector<float> y_cpu(static_cast<size_t>(rows * stride), 0.0f);

    qrt_tensor x_host = tensor(const_cast<float*>(x.data()), QRT_DTYPE_F32, {rows, cols});
    x_host.strides[0] = stride;
    qrt_tensor w_host = tensor(const_cast<float*>(w.data()), QRT_DTYPE_F32, {cols});
    qrt_tensor y_host = tensor(y_cpu.data(), QRT_DTYPE_F32, {rows, cols});
    y_host.strides[0] = stride;
    QRT_CHECK_OK(qrt_rms_norm(cpu, &x_host, &w_host, 1e-5f, &y_host));

    DeviceBuffer<float> x_dev(gpu, x);
    DeviceBuffer<float> w_dev(gpu, w);
    DeviceBuffer<float> y_dev(gpu, std::vector<float>(static_cast<size_t>(rows * stride), 0.0f));
    qrt_tensor x_gpu = x_host;
    x_gpu.data = x_dev.data();
    x_gpu.device = cuda_device();
    qrt_tensor w_gpu = tensor(w_dev.data(), QRT_DTYPE_F32, {cols}, cuda_device());
    qrt_tensor y_gpu = y_host;
    y_gpu.data = y_dev.data();
    y_gpu.device = cuda_device();
    QRT_CHECK_OK(qrt_rms_norm(gpu, &x_gpu, &w_gpu, 1e-5f, &y_gpu));
    // The gaps between rows stay untouched (zero) on both.
    compare(y_dev.download(), y_cpu, relative_tolerance(QRT_DTYPE_F32, cols), "strided rms_norm");
}

void test_unsupported_mix() {
    CudaStream gpu;
    DeviceBuffer<float> x_dev(gpu, std::vector<float>(8, 1.0f));
    DeviceBuffer<uint16_t> y_dev(gpu, std::vector<uint16_t>(8, 0));
    qrt_tensor x = tensor(x_dev.data(), QRT_DTYPE_F32, {2, 4}, cuda_device());
    qrt_tensor w = tensor(x_dev.data(), QRT_DTYPE_F32, {4}, cuda_device());
    qrt_tensor y = tensor(y_dev.data(), QRT_DTYPE_BF16, {2, 4}, cuda_device());
    QRT_CHECK_FAILS(qrt_rms_norm(gpu, &x, &w, 1e-5f, &y), QRT_STATUS_UNSUPPORTED, "'y'");
}


// LayerNorm: the GPU and the CPU compute the same operations in the same order except the two FP32 sums (of x, and
// of the squared deviations), which they add in different orders. With d the most additions one term goes through
// (CPU: n/16 in its lane, then the tail and the 16 lanes, n/16 + 32 at most; GPU: ceil(n/T) in its thread of T =
// n rounded up to whole warps, at most 1024, then 10 tree steps), each sum is within γ(d)·Σ|terms| of the exact
// one, so, with Γ = γ(d_cpu) + γ(d_gpu) and u' = 2^-23 (two correct roundings of nearby values land at most one ulp
// apart), per row and element i, in terms of the exact mean μ, deviations δ_i = x_i − μ and r = 1/√(var + eps):
//   means:       Δμ ≤ Γ·Σ|x| / n + u'·|μ|                       (the sums, then the divisions by n)
//   deviations:  Δδ_i ≤ Δμ + u'·|δ_i|
//   variances:   Δv ≤ (2·Σ Δδ_i·|δ_i| + (Γ + 2u')·Σδ²) / n + u'·v  (squares of different deviations, their sums)
//   r:           Δr ≤ r·(Δv / (2·(v + eps)) + 3u')             (the sum with eps, the square root, the division)
//   y_i:         Δy_i ≤ |w_i|·(Δδ_i·r + |δ_i|·Δr) + u'·(2·|δ_i·r·w_i| + |y_i|)   (two products and the bias sum)
// then one unit of the output dtype when it is F16 or BF16. Each bound is widened by 1% for the second-order terms.
std::vector<double> layer_norm_bounds(const std::vector<double>& x, const std::vector<double>& w,
                                      const std::vector<double>& y, int64_t rows, int64_t cols, float eps,
                                      qrt_dtype dtype) {
    const double unit = 0x1p-23;
    const int64_t threads = std::min<int64_t>(1024, (cols + 31) / 32 * 32);
    const double big_gamma = gamma_fp32(std::min<int64_t>(cols, cols / 16 + 32)) +
                             gamma_fp32(std::min<int64_t>(cols, (cols + threads - 1) / threads + 10));
    std::vector<double> bounds(x.size());
    for (int64_t r = 0; r < rows; ++r) {
        const double* row = x.data() + r * cols;
        double sum = 0, magnitude = 0;
        for (int64_t c = 0; c < cols; ++c) {
            sum += row[c];
            magnitude += std::fabs(row[c]);
        }
        const double mean = sum / static_cast<double>(cols);
        const double d_mean = big_gamma * magnitude / static_cast<double>(cols) + unit * std::fabs(mean);
        double squares = 0, cross = 0;
        for (int64_t c = 0; c < cols; ++c) {
            const double deviation = row[c] - mean;
            squares += deviation * deviation;
            cross += (d_mean + unit * std::fabs(deviation)) * std::fabs(deviation);
        }
        const double variance = squares / static_cast<double>(cols);
        const double d_variance = (2 * cross + (big_gamma + 2 * unit) * squares) / static_cast<double>(cols) +
                                  unit * variance;
        const double inverse_std = 1.0 / std::sqrt(variance + eps);
        const double d_inverse_std = inverse_std * (d_variance / (2 * (variance + eps)) + 3 * unit);
        for (int64_t c = 0; c < cols; ++c) {
            const size_t i = static_cast<size_t>(r * cols + c);
            const double deviation = row[c] - mean;
            const double d_deviation = d_mean + unit * std::fabs(deviation);
            const double weight = std::fabs(w[static_cast<size_t>(c)]);
            const double fp32 = weight * (d_deviation * inverse_std + std::fabs(deviation) * d_inverse_std) +
                                unit * (2 * std::fabs(deviation * inverse_std) * weight + std::fabs(y[i]));
            // Both sides round to the output dtype: twice its rounding error (and underflow) beyond the FP32 one.
            bounds[i] = 1.01 * (rounded_output_error(fp32, std::fabs(y[i]), dtype) +
                                output_rounding(dtype) * (std::fabs(y[i]) + fp32) + output_underflow(dtype)) +
                        0x1p-140;
        }
    }
    return bounds;
}

// x [rows, cols] with rows x_stride apart (a column block when wider), y likewise with y_stride; weight and bias in
// weight_dtype, bias optional. The GPU writes into a copy of x's buffer in place (y = x) when in_place is set.
void test_layer_norm(qrt_dtype dtype, qrt_dtype weight_dtype, Case shape, int64_t x_stride, bool with_bias,
                     bool in_place, Random& random) {
    CpuStream cpu;
    CudaStream gpu;
    const float eps = 1e-5f;
    // Rows far from zero (offset 20, spread 3): the two-pass variance must not cancel.
    std::vector<float> x_values = random.normal(static_cast<size_t>(shape.rows * x_stride), 3.0f);
    for (float& value : x_values) value += 20.0f;
    const Stored x = store(x_values, dtype);
    const Stored w = store(random.uniform(static_cast<size_t>(shape.cols), -1.5f, 1.5f), weight_dtype);
    const Stored b = store(random.uniform(static_cast<size_t>(shape.cols), -1.0f, 1.0f), weight_dtype);
    const int64_t y_stride = in_place ? x_stride : shape.cols;
    std::vector<uint8_t> y_cpu(static_cast<size_t>(shape.rows * y_stride) * qrt_dtype_size(dtype), 0);

    qrt_tensor x_host = matrix(const_cast<uint8_t*>(x.bytes.data()), dtype, shape.rows, shape.cols, x_stride);
    qrt_tensor w_host = tensor(const_cast<uint8_t*>(w.bytes.data()), weight_dtype, {shape.cols});
    qrt_tensor b_host = tensor(const_cast<uint8_t*>(b.bytes.data()), weight_dtype, {shape.cols});
    qrt_tensor y_host = matrix(y_cpu.data(), dtype, shape.rows, shape.cols, y_stride);
    QRT_CHECK_OK(qrt_layer_norm(cpu, &x_host, &w_host, with_bias ? &b_host : nullptr, eps, &y_host));

    DeviceBuffer<uint8_t> x_dev(gpu, x.bytes);
    DeviceBuffer<uint8_t> w_dev(gpu, w.bytes);
    DeviceBuffer<uint8_t> b_dev(gpu, b.bytes);
    DeviceBuffer<uint8_t> y_dev(gpu, std::vector<uint8_t>(y_cpu.size(), 0));
    qrt_tensor x_gpu = x_host;
    x_gpu.data = x_dev.data();
    x_gpu.device = cuda_device();
    qrt_tensor w_gpu = tensor(w_dev.data(), weight_dtype, {shape.cols}, cuda_device());
    qrt_tensor b_gpu = tensor(b_dev.data(), weight_dtype, {shape.cols}, cuda_device());
    qrt_tensor y_gpu = y_host;
    y_gpu.data = in_place ? x_dev.data() : y_dev.data();
    y_gpu.device = cuda_device();
    QRT_CHECK_OK(qrt_layer_norm(gpu, &x_gpu, &w_gpu, with_bias ? &b_gpu : nullptr, eps, &y_gpu));

    // The rows of the result, and of the inputs they came from, as contiguous rows.
    const std::vector<uint8_t> result = in_place ? x_dev.download() : y_dev.download();
    std::vector<float> actual, expected;
    std::vector<double> x_rows;
    for (int64_t r = 0; r < shape.rows; ++r) {
        for (int64_t c = 0; c < shape.cols; ++c) {
            const size_t i = static_cast<size_t>(r * y_stride + c);
            actual.push_back(load_element(result.data(), dtype, i));
            expected.push_back(load_element(y_cpu.data(), dtype, i));
            x_rows.push_back(x.values[static_cast<size_t>(r * x_stride + c)]);
        }
    }
    const std::vector<double> expected_wide(expected.begin(), expected.end());
    const std::vector<double> bounds =
        layer_norm_bounds(x_rows, w.values, expected_wide, shape.rows, shape.cols, eps, dtype);
    check_within(actual, expected_wide, bounds, "layer_norm");
    if (in_place) {
        // The gaps between x's rows are x's own values still.
        for (int64_t r = 0; r < shape.rows; ++r) {
            for (int64_t c = shape.cols; c < x_stride; ++c) {
                const size_t i = static_cast<size_t>(r * x_stride + c);
                QRT_CHECK(load_element(result.data(), dtype, i) == static_cast<float>(x.values[i]));
            }
        }
    }
}

void test_layer_norm_refusals() {
    CudaStream gpu;
    DeviceBuffer<float> x_dev(gpu, std::vector<float>(8, 1.0f));
    DeviceBuffer<uint16_t> h_dev(gpu, std::vector<uint16_t>(8, 0));
    qrt_tensor x = tensor(x_dev.data(), QRT_DTYPE_F32, {2, 4}, cuda_device());
    qrt_tensor w = tensor(x_dev.data(), QRT_DTYPE_F32, {4}, cuda_device());
    qrt_tensor b16 = tensor(h_dev.data(), QRT_DTYPE_BF16, {4}, cuda_device());
    qrt_tensor y16 = tensor(h_dev.data(), QRT_DTYPE_BF16, {2, 4}, cuda_device());
    QRT_CHECK_FAILS(qrt_layer_norm(gpu, &x, &w, &b16, 1e-5f, &x), QRT_STATUS_UNSUPPORTED, "'bias'");
    QRT_CHECK_FAILS(qrt_layer_norm(gpu, &x, &w, nullptr, 1e-5f, &y16), QRT_STATUS_UNSUPPORTED, "'y'");
    QRT_CHECK_FAILS(qrt_layer_norm(gpu, &x, &w, nullptr, -1.0f, &x), QRT_STATUS_INVALID_ARGUMENT, "'eps'");
    qrt_tensor short_w = tensor(x_dev.data(), QRT_DTYPE_F32, {3}, cuda_device());
    QRT_CHECK_FAILS(qrt_layer_norm(gpu, &x, &short_w, nullptr, 1e-5f, &x), QRT_STATUS_INVALID_ARGUMENT, "'weight'");
}

}  // namespace

int main() {
    const std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) return skip_without_cuda("test_cuda_norm", reason);
    Random random(20261123);
    const Case shapes[] = {{1, 1}, {3, 17}, {7, 4096}, {33, 5120}, {2, 12288}};
    for (const Case shape : shapes) {
        for (qrt_dtype dtype : {QRT_DTYPE_F32, QRT_DTYPE_F16, QRT_DTYPE_BF16}) {
            test_rms_norm(dtype, dtype, shape, random);
            test_add_rms_norm(dtype, shape, random);
        }
        test_rms_norm(QRT_DTYPE_BF16, QRT_DTYPE_F32, shape, random);
        for (qrt_dtype dtype : {QRT_DTYPE_F32, QRT_DTYPE_F16, QRT_DTYPE_BF16}) {
            test_layer_norm(dtype, dtype, shape, shape.cols, true, false, random);
            test_layer_norm(dtype, dtype, shape, shape.cols, false, true, random);
        }
        test_layer_norm(QRT_DTYPE_BF16, QRT_DTYPE_F32, shape, shape.cols + 8, true, true, random);
    }
    test_layer_norm(QRT_DTYPE_F32, QRT_DTYPE_F32, Case{5, 96}, 160, true, false, random);
    test_layer_norm_refusals();
    test_strided_rows(random);
    test_unsupported_mix();
    return finish("test_cuda_norm");
}
