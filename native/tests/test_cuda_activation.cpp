// The CUDA activations against the CPU ops on the same inputs. The kernels compute each function as the CPU does,
// operation for operation in FP32, so in the emulator (the host's expf and erfcf) the result must be the CPU's bits.
// On a GPU the math library differs: expf is within 2 ulp and erfcf within 4 ulp (CUDA C Programming Guide, single
// precision functions), and the host's within 4 ulp too (glibc's documented maxima for these functions are
// smaller), so one call's results differ by at most 8 ulp, relative 8·2^-23. That difference enters the sigmoid
// twice at most (e and 1/(1+e), each propagating a relative error with a factor at most 1, then e·s), and each of
// the at most five correctly rounded operations after it may round the two sides one ulp apart: in FP32,
// |Δ| ≤ (2·8 + 5)·2^-23·|y| < 2^-18·|y|. Stored in F16/BF16, the two FP32 results may round one unit of the dtype
// apart on top. Results below FP32's normal range lose the relative bound, hence an absolute 2^-126 floor (0 for the
// emulator). Exits 77 (skipped) without a GPU.
#include <cmath>
#include <limits>

#include "cuda_ops_test_util.h"

using namespace qrt_test;

namespace {

constexpr qrt_activation kActivations[] = {QRT_ACTIVATION_SILU, QRT_ACTIVATION_GELU, QRT_ACTIVATION_GELU_TANH,
                                           QRT_ACTIVATION_QUICK_GELU};

struct Case {
    int64_t rows;
    int64_t cols;
};

// Random values with the special ones mixed in: NaN, ±inf, ±0, the largest finite values, tiny and large ones.
std::vector<float> inputs(size_t count, Random& random) {
    std::vector<float> values = random.normal(count, 4.0f);
    const float specials[] = {std::nanf(""),
                              std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity(),
                              0.0f,
                              -0.0f,
                              3.4e38f,
                              -3.4e38f,
                              1e-30f,
                              -1e-30f,
                              88.0f,
                              -88.0f,
                              -104.0f,
                              20.0f,
                              -20.0f,
                              1e-40f};
    for (size_t i = 0; i < count && i < 15; ++i) values[count - 1 - i] = specials[i];
    return values;
}

// GPU results against the CPU's: the same bits in the emulator, within the bound above on a GPU.
void compare(const std::vector<uint8_t>& gpu, const std::vector<uint8_t>& cpu_bytes, qrt_dtype dtype, int extra_ops,
             const char* what) {
    if (cuda_is_emulated()) {
        check_same_bits(gpu, cpu_bytes, dtype, what);
        return;
    }
    const double fp32 = (2 * 8 + 5 + extra_ops) * 0x1p-23;
    all_close(values_of(gpu, dtype), widened(values_of(cpu_bytes, dtype)), 0x1p-126, fp32 + output_ulp(dtype) * 1.01,
              what);
}

void test_activate(qrt_activation activation, qrt_dtype dtype, Case shape, Random& random) {
    CpuStream cpu;
    CudaStream gpu;
    const size_t n = static_cast<size_t>(shape.rows * shape.cols);
    const auto x = encode(cpu, inputs(n, random), dtype);
    std::vector<uint8_t> y_cpu(x.size());
    qrt_tensor x_host = tensor(const_cast<uint8_t*>(x.data()), dtype, {shape.rows, shape.cols});
    qrt_tensor y_host = tensor(y_cpu.data(), dtype, {shape.rows, shape.cols});
    QRT_CHECK_OK(qrt_activate(cpu, activation, &x_host, &y_host));

    // In place on the GPU (y = x), as a decoder reuses its buffer.
    DeviceBuffer<uint8_t> x_dev(gpu, x);
    qrt_tensor x_gpu = on_device(x_host, x_dev.data());
    QRT_CHECK_OK(qrt_activate(gpu, activation, &x_gpu, &x_gpu));
    compare(x_dev.download(), y_cpu, dtype, 0, "activate");
}

// gate and up are the two halves of one fused [rows, 2·cols] projection output, passed as column views; y is a
// separate, padded buffer whose gaps must stay zero.
void test_activate_gated(qrt_activation activation, qrt_dtype dtype, Case shape, Random& random) {
    CpuStream cpu;
    CudaStream gpu;
    const int64_t fused_stride = 2 * shape.cols;
    const int64_t y_stride = shape.cols + 3;
    const size_t size = qrt_dtype_size(dtype);
    const auto fused = encode(cpu, inputs(static_cast<size_t>(shape.rows * fused_stride), random), dtype);
    const std::vector<uint8_t> y_zero(static_cast<size_t>(shape.rows * y_stride) * size, 0);
    std::vector<uint8_t> y_cpu = y_zero;
    auto* base = const_cast<uint8_t*>(fused.data());
    qrt_tensor gate_host = matrix(base, dtype, shape.rows, shape.cols, fused_stride);
    qrt_tensor up_host =
        matrix(base + static_cast<size_t>(shape.cols) * size, dtype, shape.rows, shape.cols, fused_stride);
    qrt_tensor y_host = matrix(y_cpu.data(), dtype, shape.rows, shape.cols, y_stride);
    QRT_CHECK_OK(qrt_activate_gated(cpu, activation, &gate_host, &up_host, &y_host));

    DeviceBuffer<uint8_t> fused_dev(gpu, fused);
    DeviceBuffer<uint8_t> y_dev(gpu, y_zero);
    auto* device_base = static_cast<uint8_t*>(fused_dev.data());
    qrt_tensor gate_gpu = on_device(gate_host, device_base);
    qrt_tensor up_gpu = on_device(up_host, device_base + static_cast<size_t>(shape.cols) * size);
    qrt_tensor y_gpu = on_device(y_host, y_dev.data());
    QRT_CHECK_OK(qrt_activate_gated(gpu, activation, &gate_gpu, &up_gpu, &y_gpu));
    compare(y_dev.download(), y_cpu, dtype, 1, "activate_gated");

    // y = gate, in place: the fused buffer's gate half becomes the CPU's y, its up half stays.
    QRT_CHECK_OK(qrt_activate_gated(gpu, activation, &gate_gpu, &up_gpu, &gate_gpu));
    std::vector<uint8_t> expected = fused;
    for (int64_t r = 0; r < shape.rows; ++r) {
        std::memcpy(expected.data() + static_cast<size_t>(r * fused_stride) * size,
                    y_cpu.data() + static_cast<size_t>(r * y_stride) * size, static_cast<size_t>(shape.cols) * size);
    }
    compare(fused_dev.download(), expected, dtype, 1, "activate_gated in place");
}

void test_bad_arguments() {
    CudaStream gpu;
    DeviceBuffer<float> a_dev(gpu, std::vector<float>(8, 1.0f));
    DeviceBuffer<uint16_t> b_dev(gpu, std::vector<uint16_t>(8, 0));
    qrt_tensor a = device_tensor(a_dev.data(), QRT_DTYPE_F32, {2, 4});
    qrt_tensor b16 = device_tensor(b_dev.data(), QRT_DTYPE_BF16, {2, 4});
    QRT_CHECK_FAILS(qrt_activate(gpu, QRT_ACTIVATION_SILU, &a, &b16), QRT_STATUS_UNSUPPORTED, "'y'");
    QRT_CHECK_FAILS(qrt_activate_gated(gpu, QRT_ACTIVATION_SILU, &a, &b16, &a), QRT_STATUS_UNSUPPORTED, "'up'");
    QRT_CHECK_FAILS(qrt_activate_gated(gpu, QRT_ACTIVATION_SILU, &a, &a, &b16), QRT_STATUS_UNSUPPORTED, "'y'");
    QRT_CHECK_FAILS(qrt_activate(gpu, static_cast<qrt_activation>(7), &a, &a), QRT_STATUS_INVALID_ARGUMENT,
                    "'activation'");
    qrt_tensor wide = device_tensor(a_dev.data(), QRT_DTYPE_F32, {1, 8});
    QRT_CHECK_FAILS(qrt_activate_gated(gpu, QRT_ACTIVATION_SILU, &a, &wide, &a), QRT_STATUS_INVALID_ARGUMENT, "'up'");
    // Empty rows are no work, not an error.
    qrt_tensor empty = device_tensor(a_dev.data(), QRT_DTYPE_F32, {0, 4});
    QRT_CHECK_OK(qrt_activate(gpu, QRT_ACTIVATION_GELU, &empty, &empty));
}

}  // namespace

int main() {
    const std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) return skip_without_cuda("test_cuda_activation", reason);
    Random random(20261208);
    const Case shapes[] = {{1, 1}, {3, 17}, {2, 300}, {7, 5120}};
    for (const Case shape : shapes) {
        for (qrt_activation activation : kActivations) {
            for (qrt_dtype dtype : kFloatDtypes) {
                test_activate(activation, dtype, shape, random);
                test_activate_gated(activation, dtype, shape, random);
            }
        }
    }
    test_bad_arguments();
    return finish("test_cuda_activation");
}
