// The CUDA qrt_copy and qrt_add against the CPU ops on the same inputs. Both are exact on every backend — a copy of
// the bytes, or one widening to FP32, at most one FP32 addition and one rounding to the output's dtype — so the GPU
// must give the CPU's bits, except that two NaNs match whatever their payloads. Tensors of any strides: permuted
// (transposed) views, column blocks of wider buffers, dimensions of extent 1; the memory between a view's elements
// must stay untouched. Exits 77 (skipped) without a GPU.
#include <algorithm>
#include <cmath>
#include <limits>

#include "cuda_ops_test_util.h"

using namespace qrt_test;

namespace {

constexpr qrt_dtype kCopyFloatDtypes[] = {QRT_DTYPE_F32, QRT_DTYPE_F16, QRT_DTYPE_BF16, QRT_DTYPE_F8_E4M3};

// A strided view: shape and strides (in elements) of up to three dimensions.
struct View {
    std::vector<int64_t> shape;
    std::vector<int64_t> strides;

    int64_t extent() const {  // elements of the buffer the view reaches
        int64_t last = 0;
        for (size_t d = 0; d < shape.size(); ++d) {
            if (shape[d] == 0) return 0;
            last += (shape[d] - 1) * strides[d];
        }
        return last + 1;
    }
    qrt_tensor describe(void* data, qrt_dtype dtype, qrt_device device) const {
        qrt_tensor t{};
        t.data = data;
        t.dtype = dtype;
        t.rank = static_cast<int32_t>(shape.size());
        for (size_t d = 0; d < shape.size(); ++d) {
            t.shape[d] = shape[d];
            t.strides[d] = strides[d];
        }
        t.device = device;
        return t;
    }
};

View contiguous(std::vector<int64_t> shape) {
    std::vector<int64_t> strides(shape.size(), 1);
    for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * std::max<int64_t>(shape[d], 1);
    return View{shape, strides};
}

// Values with the special ones spread through: NaN, ±inf, ±0, beyond F16's and F8's ranges, F16 and F32 subnormals.
std::vector<float> values_with_specials(size_t count, Random& random) {
    std::vector<float> values = random.normal(count, 50.0f);
    const float specials[] = {std::nanf(""),
                              std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity(),
                              0.0f,
                              -0.0f,
                              500.0f,
                              -460.0f,
                              70000.0f,
                              3e-6f,
                              -1e-40f,
                              1e-45f,
                              448.0f,
                              0.001953125f,
                              65504.0f,
                              -3.4e38f};
    for (size_t i = 0; i < 15; ++i) {
        if (i * 7 < count) values[i * 7] = specials[i];
    }
    return values;
}

// Copies src (viewed by src_view, in src_dtype) to dst (dst_view, dst_dtype) on both backends and compares all of
// dst's buffer, gaps included.
void check_copy(qrt_dtype src_dtype, const View& src_view, qrt_dtype dst_dtype, const View& dst_view,
                const std::vector<uint8_t>& src, const char* what) {
    CpuStream cpu;
    CudaStream gpu;
    const std::vector<uint8_t> dst_zero(static_cast<size_t>(dst_view.extent()) * qrt_dtype_size(dst_dtype), 0);
    std::vector<uint8_t> dst_cpu = dst_zero;
    qrt_tensor src_host = src_view.describe(const_cast<uint8_t*>(src.data()), src_dtype, cpu_device());
    qrt_tensor dst_host = dst_view.describe(dst_cpu.data(), dst_dtype, cpu_device());
    QRT_CHECK_OK(qrt_copy(cpu, &src_host, &dst_host));

    DeviceBuffer<uint8_t> src_dev(gpu, src);
    DeviceBuffer<uint8_t> dst_dev(gpu, dst_zero);
    qrt_tensor src_gpu = src_view.describe(src_dev.data(), src_dtype, cuda_device());
    qrt_tensor dst_gpu = dst_view.describe(dst_dev.data(), dst_dtype, cuda_device());
    QRT_CHECK_OK(qrt_copy(gpu, &src_gpu, &dst_gpu));
    check_same_bits(dst_dev.download(), dst_cpu, dst_dtype, what);
}

// Layouts a copy may meet, for a [4, 6, 10] tensor: contiguous; the transpose of a [10, 6, 4] buffer; a column
// block (10 of 16) of padded rows; a view with extents of 1 and odd strides.
struct Layouts {
    View contiguous_view = contiguous({4, 6, 10});
    View transposed{{4, 6, 10}, {1, 4, 24}};
    View padded{{4, 6, 10}, {6 * 16, 16, 1}};
    View odd{{4, 1, 6, 10}, {3, 999, 4 * 3 * 10 + 1, 12 * 3 * 10 + 5}};
};

void test_float_copies(Random& random) {
    CpuStream cpu;
    const Layouts layouts;
    const View* views[] = {&layouts.contiguous_view, &layouts.transposed, &layouts.padded};
    for (qrt_dtype src_dtype : kCopyFloatDtypes) {
        for (qrt_dtype dst_dtype : kCopyFloatDtypes) {
            for (const View* src_view : views) {
                for (const View* dst_view : views) {
                    const auto src =
                        encode(cpu, values_with_specials(static_cast<size_t>(src_view->extent()), random), src_dtype);
                    check_copy(src_dtype, *src_view, dst_dtype, *dst_view, src, "float copy");
                }
            }
            // Extents of 1 with any strides, rank 4.
            const View odd_dst = contiguous({4, 1, 6, 10});
            const auto odd_src =
                encode(cpu, values_with_specials(static_cast<size_t>(layouts.odd.extent()), random), src_dtype);
            check_copy(src_dtype, layouts.odd, dst_dtype, odd_dst, odd_src, "float copy, extents of 1");
        }
    }
}

// Every F8_E4M3 code, widened to each float dtype, and every F16 and BF16 pattern converted to F8 and back.
void test_exhaustive_narrow_codes() {
    std::vector<uint8_t> codes(256);
    for (int code = 0; code < 256; ++code) codes[static_cast<size_t>(code)] = static_cast<uint8_t>(code);
    for (qrt_dtype dst_dtype : kCopyFloatDtypes) {
        check_copy(QRT_DTYPE_F8_E4M3, contiguous({256}), dst_dtype, contiguous({256}), codes, "every e4m3 code");
    }
    std::vector<uint8_t> halves(2 * 65536);
    for (uint32_t bits = 0; bits < 65536; ++bits) std::memcpy(halves.data() + 2 * bits, &bits, 2);
    for (qrt_dtype src_dtype : {QRT_DTYPE_F16, QRT_DTYPE_BF16}) {
        for (qrt_dtype dst_dtype : kCopyFloatDtypes) {
            check_copy(src_dtype, contiguous({65536}), dst_dtype, contiguous({65536}), halves, "every 16-bit pattern");
        }
    }
}

// Integers copy only to their own dtype, bytes unchanged.
void test_integer_copies(Random& random) {
    const Layouts layouts;
    for (qrt_dtype dtype : {QRT_DTYPE_I8, QRT_DTYPE_U8, QRT_DTYPE_I32, QRT_DTYPE_I64}) {
        std::vector<uint8_t> src(static_cast<size_t>(layouts.transposed.extent()) * qrt_dtype_size(dtype));
        for (uint8_t& byte : src) byte = static_cast<uint8_t>(random.integer(0, 255));
        check_copy(dtype, layouts.transposed, dtype, layouts.padded, src, "integer copy");
        check_copy(dtype, layouts.contiguous_view, dtype, layouts.contiguous_view, src, "integer copy, contiguous");
    }
}

void test_large_and_scalar_copies(Random& random) {
    CpuStream cpu;
    const View rows = contiguous({7, 5120});
    const View wide_rows{{7, 5120}, {6000, 1}};
    for (qrt_dtype src_dtype : {QRT_DTYPE_F32, QRT_DTYPE_BF16}) {
        const auto src = encode(cpu, values_with_specials(7 * 5120, random), src_dtype);
        for (qrt_dtype dst_dtype : kCopyFloatDtypes) check_copy(src_dtype, rows, dst_dtype, wide_rows, src, "7 x 5120");
    }
    const View scalar{{}, {}};
    const auto one = encode(cpu, {-2.75f}, QRT_DTYPE_F32);
    check_copy(QRT_DTYPE_F32, scalar, QRT_DTYPE_BF16, scalar, one, "scalar copy");
}

// y = a + b on both backends; y's buffer starts as y_initial (gaps included) and is compared whole.
void check_add(qrt_dtype a_dtype, const View& a_view, qrt_dtype b_dtype, const View& b_view, qrt_dtype y_dtype,
               const View& y_view, Random& random, const char* what) {
    CpuStream cpu;
    CudaStream gpu;
    const auto a = encode(cpu, values_with_specials(static_cast<size_t>(a_view.extent()), random), a_dtype);
    const auto b = encode(cpu, values_with_specials(static_cast<size_t>(b_view.extent()), random), b_dtype);
    const std::vector<uint8_t> y_zero(static_cast<size_t>(y_view.extent()) * qrt_dtype_size(y_dtype), 0);
    std::vector<uint8_t> y_cpu = y_zero;
    qrt_tensor a_host = a_view.describe(const_cast<uint8_t*>(a.data()), a_dtype, cpu_device());
    qrt_tensor b_host = b_view.describe(const_cast<uint8_t*>(b.data()), b_dtype, cpu_device());
    qrt_tensor y_host = y_view.describe(y_cpu.data(), y_dtype, cpu_device());
    QRT_CHECK_OK(qrt_add(cpu, &a_host, &b_host, &y_host));

    DeviceBuffer<uint8_t> a_dev(gpu, a);
    DeviceBuffer<uint8_t> b_dev(gpu, b);
    DeviceBuffer<uint8_t> y_dev(gpu, y_zero);
    qrt_tensor a_gpu = a_view.describe(a_dev.data(), a_dtype, cuda_device());
    qrt_tensor b_gpu = b_view.describe(b_dev.data(), b_dtype, cuda_device());
    qrt_tensor y_gpu = y_view.describe(y_dev.data(), y_dtype, cuda_device());
    QRT_CHECK_OK(qrt_add(gpu, &a_gpu, &b_gpu, &y_gpu));
    check_same_bits(y_dev.download(), y_cpu, y_dtype, what);

    // In place, y = a, where a is y's dtype and a gap-free view like y's: a's buffer becomes what the CPU wrote.
    int64_t elements = 1;
    for (int64_t extent : a_view.shape) elements *= extent;
    if (a_dtype == y_dtype && a_view.shape == y_view.shape && a_view.strides == y_view.strides &&
        a_view.extent() == elements) {
        QRT_CHECK_OK(qrt_add(gpu, &a_gpu, &b_gpu, &a_gpu));
        check_same_bits(a_dev.download(), y_cpu, y_dtype, "add in place");
    }
}

void test_adds(Random& random) {
    const Layouts layouts;
    for (qrt_dtype dtype : kFloatDtypes) {
        check_add(dtype, layouts.contiguous_view, dtype, layouts.contiguous_view, dtype, layouts.contiguous_view,
                  random, "add");
        check_add(dtype, layouts.padded, dtype, layouts.transposed, dtype, layouts.padded, random, "add strided");
        check_add(dtype, contiguous({7, 5120}), dtype, contiguous({7, 5120}), dtype, contiguous({7, 5120}), random,
                  "add 7 x 5120");
        check_add(dtype, contiguous({1}), dtype, contiguous({1}), dtype, contiguous({1}), random, "add 1");
    }
    check_add(QRT_DTYPE_F32, layouts.transposed, QRT_DTYPE_BF16, layouts.contiguous_view, QRT_DTYPE_F16, layouts.padded,
              random, "add mixed dtypes");
    check_add(QRT_DTYPE_F16, layouts.contiguous_view, QRT_DTYPE_F32, layouts.padded, QRT_DTYPE_F32,
              layouts.contiguous_view, random, "add mixed dtypes into F32");
}

void test_bad_arguments() {
    CudaStream gpu;
    DeviceBuffer<float> f_dev(gpu, std::vector<float>(16, 1.0f));
    DeviceBuffer<int32_t> i_dev(gpu, std::vector<int32_t>(16, 1));
    qrt_tensor f = device_tensor(f_dev.data(), QRT_DTYPE_F32, {2, 4});
    qrt_tensor i = device_tensor(i_dev.data(), QRT_DTYPE_I32, {2, 4});
    QRT_CHECK_FAILS(qrt_copy(gpu, &i, &f), QRT_STATUS_INVALID_ARGUMENT, "'dst'");
    QRT_CHECK_FAILS(qrt_copy(gpu, &f, &i), QRT_STATUS_INVALID_ARGUMENT, "'dst'");
    qrt_tensor other_shape = device_tensor(f_dev.data(), QRT_DTYPE_F32, {4, 2});
    QRT_CHECK_FAILS(qrt_copy(gpu, &f, &other_shape), QRT_STATUS_INVALID_ARGUMENT, "'dst'");
    qrt_tensor shifted = device_tensor(static_cast<float*>(f_dev.data()) + 2, QRT_DTYPE_F32, {2, 4});
    QRT_CHECK_FAILS(qrt_copy(gpu, &f, &shifted), QRT_STATUS_INVALID_ARGUMENT, "overlaps");
    QRT_CHECK_FAILS(qrt_add(gpu, &f, &f, &shifted), QRT_STATUS_INVALID_ARGUMENT, "overlaps");
    QRT_CHECK_FAILS(qrt_add(gpu, &f, &i, &f), QRT_STATUS_INVALID_ARGUMENT, "'b'");
    QRT_CHECK_FAILS(qrt_add(gpu, &f, &f, &other_shape), QRT_STATUS_INVALID_ARGUMENT, "'y'");
    // A copy onto itself is no work; an empty tensor too.
    QRT_CHECK_OK(qrt_copy(gpu, &f, &f));
    qrt_tensor empty = device_tensor(f_dev.data(), QRT_DTYPE_F32, {0, 4});
    qrt_tensor empty_h = device_tensor(i_dev.data(), QRT_DTYPE_BF16, {0, 4});
    QRT_CHECK_OK(qrt_copy(gpu, &empty, &empty_h));
}

}  // namespace

int main() {
    const std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) return skip_without_cuda("test_cuda_elementwise", reason);
    Random random(20261210);
    test_float_copies(random);
    test_exhaustive_narrow_codes();
    test_integer_copies(random);
    test_large_and_scalar_copies(random);
    test_adds(random);
    test_bad_arguments();
    return finish("test_cuda_elementwise");
}
