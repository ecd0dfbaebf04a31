// The CUDA activation-quantization kernels against the CPU ops on the same inputs. Both compute one FP32 scale per
// row (max|x| / 127 or / 448) and one correctly rounded division per element, then round half to even and saturate,
// so codes and scales must be equal bit for bit: there is no tolerance. Exits 77 (skipped) without a GPU.
#include <cmath>
#include <cstring>
#include <limits>

#include "cuda_test_util.h"

using namespace qrt_test;

namespace {

enum class Format { Int8, Fp8 };

qrt_dtype code_dtype(Format format) { return format == Format::Int8 ? QRT_DTYPE_I8 : QRT_DTYPE_F8_E4M3; }

const char* format_name(Format format) { return format == Format::Int8 ? "int8" : "fp8"; }

// Optional static scale and zero point, as host values; the test puts them in memory of each backend.
struct Quantization {
    bool dynamic = true;
    float scale = 1.0f;
    qrt_dtype scale_dtype = QRT_DTYPE_F32;
    bool has_zero_point = false;
    int32_t zero_point = 0;
};

// Codes (and dynamic scales) of one backend.
struct Result {
    std::vector<uint8_t> codes;
    std::vector<float> scales;
};

qrt_status run(qrt_stream* stream, Format format, const Quantization& quantization, qrt_tensor* x, void* scale,
               void* zero_point, qrt_tensor* q, qrt_tensor* scale_out, qrt_device device) {
    qrt_tensor static_scale = tensor(scale, quantization.scale_dtype, {1}, device);
    qrt_tensor static_zero_point = tensor(zero_point, QRT_DTYPE_I32, {1}, device);
    const qrt_tensor* scale_arg = quantization.dynamic ? nullptr : &static_scale;
    const qrt_tensor* zero_point_arg = quantization.has_zero_point ? &static_zero_point : nullptr;
    if (format == Format::Int8) return qrt_quantize_int8(stream, x, scale_arg, zero_point_arg, q, scale_out);
    return qrt_quantize_fp8(stream, x, scale_arg, q, scale_out);
}

// Quantizes x ([rows, cols] rows `stride` elements apart, in x_dtype) on the CPU and on the GPU and requires the same
// bytes: codes (including the untouched gaps between strided rows) and scales.
void check_same(CpuStream& cpu, CudaStream& gpu, Format format, const Quantization& quantization,
                const std::vector<float>& values, qrt_dtype x_dtype, int64_t rows, int64_t cols, int64_t stride,
                const char* what) {
    const std::vector<uint8_t> x = encode(cpu, values, x_dtype);
    const std::vector<uint8_t> scale = encode(cpu, {quantization.scale}, quantization.scale_dtype);
    std::vector<int32_t> zero_point{quantization.zero_point};
    const qrt_dtype codes = code_dtype(format);
    const size_t code_bytes = static_cast<size_t>(rows * stride);
    const int64_t scale_count = quantization.dynamic ? rows : 0;

    auto view = [&](void* data, qrt_dtype dtype, qrt_device device) {
        qrt_tensor t = tensor(data, dtype, {rows, cols}, device);
        t.strides[0] = stride;
        return t;
    };

    Result host{std::vector<uint8_t>(code_bytes, 0x5a), std::vector<float>(static_cast<size_t>(scale_count), -1.0f)};
    qrt_tensor x_host = view(const_cast<uint8_t*>(x.data()), x_dtype, cpu_device());
    qrt_tensor q_host = view(host.codes.data(), codes, cpu_device());
    qrt_tensor s_host = tensor(host.scales.data(), QRT_DTYPE_F32, {scale_count});
    QRT_CHECK_OK(run(cpu, format, quantization, &x_host, const_cast<uint8_t*>(scale.data()), zero_point.data(), &q_host,
                     quantization.dynamic ? &s_host : nullptr, cpu_device()));

    DeviceBuffer<uint8_t> x_dev(gpu, x);
    DeviceBuffer<uint8_t> scale_dev(gpu, scale);
    DeviceBuffer<int32_t> zero_point_dev(gpu, zero_point);
    DeviceBuffer<uint8_t> q_dev(gpu, std::vector<uint8_t>(code_bytes, 0x5a));
    DeviceBuffer<float> s_dev(gpu, std::vector<float>(static_cast<size_t>(scale_count) + 1, -1.0f));
    qrt_tensor x_gpu = view(x_dev.data(), x_dtype, cuda_device());
    qrt_tensor q_gpu = view(q_dev.data(), codes, cuda_device());
    qrt_tensor s_gpu = tensor(s_dev.data(), QRT_DTYPE_F32, {scale_count}, cuda_device());
    QRT_CHECK_OK(run(gpu, format, quantization, &x_gpu, scale_dev.data(), zero_point_dev.data(), &q_gpu,
                     quantization.dynamic ? &s_gpu : nullptr, cuda_device()));

    const std::vector<uint8_t> gpu_codes = q_dev.download();
    std::vector<float> gpu_scales = s_dev.download();
    gpu_scales.resize(static_cast<size_t>(scale_count));
    size_t first_difference = code_bytes;
    for (size_t i = 0; i < code_bytes && first_difference == code_bytes; ++i) {
        if (gpu_codes[i] != host.codes[i]) first_difference = i;
    }
    if (first_difference != code_bytes) {
        std::fprintf(stderr, "%s (%s, x %s): code %zu is 0x%02x on the GPU, 0x%02x on the CPU\n", what,
                     format_name(format), qrt_dtype_name(x_dtype), first_difference, gpu_codes[first_difference],
                     host.codes[first_difference]);
    }
    QRT_CHECK(first_difference == code_bytes);
    // Scales compared as bits: the same FP32 division on both.
    QRT_CHECK(std::memcmp(gpu_scales.data(), host.scales.data(), host.scales.size() * sizeof(float)) == 0);
}

void random_rows(CpuStream& cpu, CudaStream& gpu, Random& random, Format format, const Quantization& quantization) {
    struct Shape {
        int64_t rows, cols;
    };
    for (const Shape shape : {Shape{1, 1}, Shape{3, 17}, Shape{7, 4096}, Shape{2, 5120}, Shape{33, 1000}}) {
        for (qrt_dtype dtype : {QRT_DTYPE_F32, QRT_DTYPE_F16, QRT_DTYPE_BF16}) {
            const auto values = random.normal(static_cast<size_t>(shape.rows * shape.cols), 2.5f);
            check_same(cpu, gpu, format, quantization, values, dtype, shape.rows, shape.cols, shape.cols,
                       "random rows");
        }
    }
    // Rows of 96 elements, 160 apart: the gaps stay as they were on both.
    const auto values = random.normal(5 * 160, 4.0f);
    check_same(cpu, gpu, format, quantization, values, QRT_DTYPE_F32, 5, 96, 160, "strided rows");
}

// Values that probe the rounding and saturation rules: ties of round-half-even, values past the code range,
// infinities, NaN, signed zero, e4m3 subnormals and a row of zeros (scale 0, no division).
std::vector<float> edge_row(float unit) {
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> row;
    for (float tie : {0.5f, 1.5f, 2.5f, -0.5f, -2.5f, 126.5f, -127.5f, 127.5f, -128.5f}) row.push_back(tie * unit);
    for (float big : {200.0f, -1000.0f, 447.0f, 449.0f, 464.0f, -465.0f, 1e30f}) row.push_back(big * unit);
    for (float tiny : {0.001953125f, 0.0009765625f, 0.00146484375f, -0.0f, 1e-30f}) row.push_back(tiny * unit);
    row.push_back(inf);
    row.push_back(-inf);
    row.push_back(nan);
    row.push_back(-nan);
    return row;
}

void edge_values(CpuStream& cpu, CudaStream& gpu, Format format) {
    const std::vector<float> row = edge_row(1.0f);
    const int64_t cols = static_cast<int64_t>(row.size());
    std::vector<float> values = row;
    values.insert(values.end(), row.size(), 0.0f);  // a second row of zeros
    for (float finite_max : {127.5f, 3.0f}) {         // a third row whose absmax is finite, scale exactly 1 or not
        std::vector<float> third(row.begin(), row.begin() + 21);
        third.resize(row.size(), 0.0f);
        third[0] = finite_max;
        values.insert(values.end(), third.begin(), third.end());
    }
    Quantization dynamic;
    check_same(cpu, gpu, format, dynamic, values, QRT_DTYPE_F32, 4, cols, cols, "edge values, dynamic");
    for (float scale : {1.0f, 0.5f, 3.0f}) {
        Quantization fixed;
        fixed.dynamic = false;
        fixed.scale = scale;
        check_same(cpu, gpu, format, fixed, values, QRT_DTYPE_F32, 4, cols, cols, "edge values, static");
        if (format == Format::Int8) {
            for (int32_t zero_point : {-128, -3, 7, 127, 1000, -2147483647}) {
                fixed.has_zero_point = true;
                fixed.zero_point = zero_point;
                check_same(cpu, gpu, format, fixed, values, QRT_DTYPE_F32, 4, cols, cols,
                           "edge values, static with zero point");
            }
        }
    }
}

void static_scale_dtypes(CpuStream& cpu, CudaStream& gpu, Random& random, Format format) {
    const auto values = random.normal(3 * 300, 8.0f);
    for (qrt_dtype scale_dtype : {QRT_DTYPE_F32, QRT_DTYPE_F16, QRT_DTYPE_BF16}) {
        Quantization fixed;
        fixed.dynamic = false;
        fixed.scale = 0.0734f;
        fixed.scale_dtype = scale_dtype;
        fixed.has_zero_point = format == Format::Int8;
        fixed.zero_point = -11;
        check_same(cpu, gpu, format, fixed, values, QRT_DTYPE_BF16, 3, 300, 300, "static scale dtypes");
    }
}

void empty_inputs(CpuStream& cpu, CudaStream& gpu, Format format) {
    // No rows; and rows of no columns, which still get their (zero) dynamic scales.
    check_same(cpu, gpu, format, Quantization{}, {}, QRT_DTYPE_F32, 0, 8, 8, "no rows");
    check_same(cpu, gpu, format, Quantization{}, {}, QRT_DTYPE_F32, 3, 0, 1, "empty rows");
}

}  // namespace

int main() {
    const std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) return skip_without_cuda("test_cuda_quantize", reason);
    CpuStream cpu;
    CudaStream gpu;
    Random random(20261207);
    for (Format format : {Format::Int8, Format::Fp8}) {
        random_rows(cpu, gpu, random, format, Quantization{});
        Quantization fixed;
        fixed.dynamic = false;
        fixed.scale = 0.021f;
        random_rows(cpu, gpu, random, format, fixed);
        if (format == Format::Int8) {
            fixed.has_zero_point = true;
            fixed.zero_point = 9;
            random_rows(cpu, gpu, random, format, fixed);
        }
        edge_values(cpu, gpu, format);
        static_scale_dtypes(cpu, gpu, random, format);
        empty_inputs(cpu, gpu, format);
    }
    return finish("test_cuda_quantize");
}
