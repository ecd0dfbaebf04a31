// The CUDA RMSNorm kernels against the CPU ops on the same inputs. Exits 77 (skipped) without a GPU.
#include <cmath>

#include "cuda_test_util.h"
#include "test_bounds.h"

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
    }
    test_strided_rows(random);
    test_unsupported_mix();
    return finish("test_cuda_norm");
}
