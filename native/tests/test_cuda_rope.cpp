// The CUDA rotary embedding kernels against the CPU ops on the same inputs. Exits 77 (skipped) without a GPU.
//
// qrt_rope_cos_sin reads its tables and rounds operation for operation like the CPU: the same bytes.
// qrt_rope computes its tables on the device: each cos or sin entry may differ from the CPU's correctly
// rounded one by one FP32 ulp (at most 2^-24 = u below 1; see cuda/rope.cu). For a pair (a, b) the CPU
// computes fl(fl(a·c) − fl(b·s)); with c', s' within u of c, s:
//   |fl(a·c) − fl(a·c')| ≤ |a|·u + u·(|a·c| + |a·c'|) ≤ 3u·|a|·(1 + u), likewise for b,
// and the final sums, each rounded once, add u·(|a| + |b|)·(1 + u) each: the FP32 results differ by at most
// 6u·(|a| + |b|). Rounding both to x's dtype (unit roundoff r) adds r·(|cpu| + |gpu|). Dims past R keep their
// bits on both.
#include <cmath>
#include <cstring>
#include <vector>

#include "cuda_test_util.h"
#include "test_bounds.h"

using namespace qrt_test;

namespace {

struct Shape {
    int64_t tokens;
    int64_t heads;
    int64_t dim;
    int64_t half;           // rotated pairs per head
    int64_t token_padding;  // extra elements between tokens of x
};

qrt_tensor heads_tensor(void* data, qrt_dtype dtype, const Shape& s, qrt_device device) {
    qrt_tensor t = tensor(data, dtype, {s.tokens, s.heads, s.dim}, device);
    t.strides[0] = s.heads * s.dim + s.token_padding;
    return t;
}

size_t x_elements(const Shape& s) { return static_cast<size_t>(s.tokens * (s.heads * s.dim + s.token_padding)); }

void test_cos_sin(qrt_dtype dtype, const Shape& s, Random& random) {
    CpuStream cpu;
    CudaStream gpu;
    const std::vector<uint8_t> x = encode(cpu, random.normal(x_elements(s), 2.0f), dtype);
    // Tables with rows further apart than their width, as views of a wider table; values of any angles.
    const int64_t table_stride = s.half + 3;
    std::vector<float> cos(static_cast<size_t>(s.tokens * table_stride));
    std::vector<float> sin(cos.size());
    for (size_t i = 0; i < cos.size(); ++i) {
        const double angle = random.uniform(1, -50.0f, 50.0f)[0];
        cos[i] = static_cast<float>(std::cos(angle));
        sin[i] = static_cast<float>(std::sin(angle));
    }
    std::vector<uint8_t> x_cpu = x;
    qrt_tensor x_host = heads_tensor(x_cpu.data(), dtype, s, cpu_device());
    qrt_tensor cos_host = matrix(cos.data(), QRT_DTYPE_F32, s.tokens, s.half, table_stride);
    qrt_tensor sin_host = matrix(sin.data(), QRT_DTYPE_F32, s.tokens, s.half, table_stride);
    QRT_CHECK_OK(qrt_rope_cos_sin(cpu, &x_host, &cos_host, &sin_host));

    DeviceBuffer<uint8_t> x_dev(gpu, x);
    DeviceBuffer<float> cos_dev(gpu, cos);
    DeviceBuffer<float> sin_dev(gpu, sin);
    qrt_tensor x_gpu = heads_tensor(x_dev.data(), dtype, s, cuda_device());
    qrt_tensor cos_gpu = matrix(cos_dev.data(), QRT_DTYPE_F32, s.tokens, s.half, table_stride);
    cos_gpu.device = cuda_device();
    qrt_tensor sin_gpu = matrix(sin_dev.data(), QRT_DTYPE_F32, s.tokens, s.half, table_stride);
    sin_gpu.device = cuda_device();
    QRT_CHECK_OK(qrt_rope_cos_sin(gpu, &x_gpu, &cos_gpu, &sin_gpu));
    const std::vector<uint8_t> result = x_dev.download();
    QRT_CHECK(result == x_cpu);
    QRT_CHECK(result != x || s.half == 0);
}

std::vector<float> llama_frequencies(int64_t half, double base) {
    std::vector<float> inv_freq(static_cast<size_t>(half));
    for (int64_t i = 0; i < half; ++i) {
        inv_freq[static_cast<size_t>(i)] = static_cast<float>(1.0 / std::pow(base, 2.0 * i / (2.0 * half)));
    }
    return inv_freq;
}

void test_positions(qrt_dtype dtype, qrt_dtype position_dtype, const Shape& s, Random& random) {
    CpuStream cpu;
    CudaStream gpu;
    const std::vector<float> values = random.normal(x_elements(s), 2.0f);
    const std::vector<uint8_t> x = encode(cpu, values, dtype);
    // Small and large positions: angles up to hundreds of thousands of radians.
    std::vector<int64_t> positions(static_cast<size_t>(s.tokens));
    for (int64_t t = 0; t < s.tokens; ++t) {
        positions[static_cast<size_t>(t)] = t % 3 == 0 ? t : t % 3 == 1 ? random.integer(0, 8191) : random.integer(100000, 524287);
    }
    std::vector<uint8_t> position_bytes(positions.size() * qrt_dtype_size(position_dtype));
    for (size_t t = 0; t < positions.size(); ++t) {
        if (position_dtype == QRT_DTYPE_I64) {
            std::memcpy(&position_bytes[t * 8], &positions[t], 8);
        } else {
            const int32_t p = static_cast<int32_t>(positions[t]);
            std::memcpy(&position_bytes[t * 4], &p, 4);
        }
    }
    const std::vector<float> inv_freq = llama_frequencies(s.half, 500000.0);

    std::vector<uint8_t> x_cpu = x;
    qrt_tensor x_host = heads_tensor(x_cpu.data(), dtype, s, cpu_device());
    qrt_tensor p_host = tensor(position_bytes.data(), position_dtype, {s.tokens});
    qrt_tensor f_host = tensor(const_cast<float*>(inv_freq.data()), QRT_DTYPE_F32, {s.half});
    QRT_CHECK_OK(qrt_rope(cpu, &x_host, &p_host, &f_host));

    DeviceBuffer<uint8_t> x_dev(gpu, x);
    DeviceBuffer<uint8_t> p_dev(gpu, position_bytes);
    DeviceBuffer<float> f_dev(gpu, inv_freq);
    qrt_tensor x_gpu = heads_tensor(x_dev.data(), dtype, s, cuda_device());
    qrt_tensor p_gpu = tensor(p_dev.data(), position_dtype, {s.tokens}, cuda_device());
    qrt_tensor f_gpu = tensor(f_dev.data(), QRT_DTYPE_F32, {s.half}, cuda_device());
    QRT_CHECK_OK(qrt_rope(gpu, &x_gpu, &p_gpu, &f_gpu));

    const std::vector<uint8_t> gpu_bytes = x_dev.download();
    const std::vector<float> original = decode(cpu, x, dtype);
    const std::vector<float> expected = decode(cpu, x_cpu, dtype);
    const std::vector<float> actual = decode(cpu, gpu_bytes, dtype);
    const double r = output_rounding(dtype);
    std::vector<float> rotated_actual;
    std::vector<double> rotated_expected;
    std::vector<double> bounds;
    const int64_t token_stride = s.heads * s.dim + s.token_padding;
    for (int64_t t = 0; t < s.tokens; ++t) {
        for (int64_t h = 0; h < s.heads; ++h) {
            const size_t row = static_cast<size_t>(t * token_stride + h * s.dim);
            for (int64_t i = 0; i < s.dim; ++i) {
                const size_t index = row + static_cast<size_t>(i);
                if (i >= 2 * s.half) {
                    // Past the rotary dims: the same bits.
                    const size_t width = qrt_dtype_size(dtype);
                    QRT_CHECK(std::memcmp(&gpu_bytes[index * width], &x_cpu[index * width], width) == 0);
                    continue;
                }
                const size_t partner = row + static_cast<size_t>(i < s.half ? i + s.half : i - s.half);
                const double fp32_error = 6 * kUnitRoundoff * (std::fabs(original[index]) + std::fabs(original[partner]));
                rotated_actual.push_back(actual[index]);
                rotated_expected.push_back(expected[index]);
                bounds.push_back(fp32_error + r * (2 * std::fabs(expected[index]) + fp32_error) +
                                 2 * output_underflow(dtype) + 1e-30);
            }
        }
    }
    check_within(rotated_actual, rotated_expected, bounds, "rope");
}

void test_bad_arguments() {
    CudaStream gpu;
    DeviceBuffer<float> x_dev(gpu, std::vector<float>(2 * 8, 1.0f));
    DeviceBuffer<float> table(gpu, std::vector<float>(8, 0.5f));
    qrt_tensor x = tensor(x_dev.data(), QRT_DTYPE_F32, {2, 1, 8}, cuda_device());
    qrt_tensor positions = tensor(table.data(), QRT_DTYPE_F32, {2}, cuda_device());
    qrt_tensor inv_freq = tensor(table.data(), QRT_DTYPE_F32, {4}, cuda_device());
    QRT_CHECK_FAILS(qrt_rope(gpu, &x, &positions, &inv_freq), QRT_STATUS_INVALID_ARGUMENT, "positions");
    qrt_tensor wide = tensor(table.data(), QRT_DTYPE_F32, {2, 5}, cuda_device());
    QRT_CHECK_FAILS(qrt_rope_cos_sin(gpu, &x, &wide, &wide), QRT_STATUS_INVALID_ARGUMENT, "cos");
}

}  // namespace

int main() {
    const std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) return skip_without_cuda("test_cuda_rope", reason);
    Random random(20261208);
    const Shape shapes[] = {
        {1, 1, 2, 1, 0},       // the smallest rotation
        {7, 4, 64, 32, 0},     // full rotary
        {5, 3, 64, 16, 10},    // partial rotary (half of the dims), padded tokens
        {33, 8, 128, 64, 0},   // Llama-like heads
        {3, 2, 80, 20, 4},     // a width that is no power of two
    };
    for (const Shape& s : shapes) {
        for (qrt_dtype dtype : {QRT_DTYPE_F32, QRT_DTYPE_F16, QRT_DTYPE_BF16}) {
            test_cos_sin(dtype, s, random);
            test_positions(dtype, QRT_DTYPE_I32, s, random);
        }
        test_positions(QRT_DTYPE_BF16, QRT_DTYPE_I64, s, random);
    }
    test_bad_arguments();
    return finish("test_cuda_rope");
}
