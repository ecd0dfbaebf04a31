// The CUDA softmax, log-softmax and argmax against the CPU ops on the same inputs. Exits 77 (skipped) without a GPU.
//
// Bounds. Both backends take the same row maximum (exact) and the same exp(x − max) per element (in the emulator the
// same expf; on a GPU within 2 ulp of it, and the host's within 1 ulp of the exact value (glibc's expf), so 3 ulp:
// relative ε_exp = 3·2^-23), then add the n terms in different orders. Each FP32 sum of n terms of one sign errs
// from the exact sum by at most γ(d)·sum, d the most additions any one term goes through: on the CPU n/16 in its
// lane, then the tail and the 16 lanes (n/16 + 32 at most); on the GPU ceil(n/T) in its thread (T threads: n rounded
// up to whole warps, at most 1024), then 5 butterfly steps in its warp and 5 across warps. So the two sums differ by
// at most Γ = γ(d_cpu) + γ(d_gpu) relatively (+ ε_exp on a GPU).
//  softmax: y = e / sum with one correctly rounded division each: relative Γ + 2^-23 (the two quotients may
//    round one ulp apart) + 2ε_exp on a GPU (e and the sum).
//  log_softmax: y = (x − max) − log(sum). (x − max) is the same on both. log(sum) differs by at most
//    Γ + ε_exp (the sums' relative difference, absolute after the log) plus the two logf roundings: one ulp of
//    log(sum) each in the emulator, and logf's 1 ulp on a GPU (CUDA C Programming Guide) on top; log(sum) ≤ log(n).
//    The final subtraction may round one ulp of y apart.
// Stored in F16/BF16, the two FP32 results may round one unit of the dtype apart on top.
// argmax compares only, in a total order: the same index on both, everywhere.
#include <algorithm>
#include <cmath>
#include <limits>

#include "cuda_ops_test_util.h"

using namespace qrt_test;

namespace {

constexpr float kInfinity = std::numeric_limits<float>::infinity();

struct Case {
    int64_t rows;
    int64_t cols;
};

double exp_difference() { return cuda_is_emulated() ? 0.0 : 3 * 0x1p-23; }

// Γ above: the relative difference between the CPU's and the GPU's FP32 sums of the same n positive terms.
double sum_difference(int64_t n) {
    const int64_t threads = std::min<int64_t>(1024, (n + 31) / 32 * 32);
    const int64_t cpu_depth = std::min<int64_t>(n, n / 16 + 32);
    const int64_t gpu_depth = std::min<int64_t>(n, (n + threads - 1) / threads + 10);
    return gamma_fp32(cpu_depth) + gamma_fp32(gpu_depth);
}

Tolerance softmax_tolerance(qrt_dtype dtype, int64_t cols) {
    const double fp32 = sum_difference(cols) + 0x1p-23 + 2 * exp_difference();
    // An exp below FP32's normal range has an absolute error of a few 2^-149 on each side, divided by a sum >= 1.
    const double atol = dtype == QRT_DTYPE_F16 ? 0x1p-24 : dtype == QRT_DTYPE_BF16 ? 0x1p-133 : 0x1p-144;
    return {atol, fp32 + output_ulp(dtype) * 1.01};
}

Tolerance log_softmax_tolerance(qrt_dtype dtype, int64_t cols) {
    const double log_sum = std::log(static_cast<double>(cols)) + 1.0;
    const double log_ulps = cuda_is_emulated() ? 2.0 : 4.0;
    const double atol = sum_difference(cols) + exp_difference() + log_ulps * 0x1p-23 * log_sum;
    return {atol * (1 + output_ulp(dtype)), 0x1p-23 + output_ulp(dtype) * 1.01};
}

// Logits with the special rows appended by the caller: scale 3, with a few repeated maxima.
std::vector<float> logits(size_t count, Random& random) { return random.normal(count, 3.0f); }

using RowOp = qrt_status (*)(qrt_stream*, const qrt_tensor*, qrt_tensor*);

// x [rows, cols] with rows x_stride apart, y [rows, cols] with rows y_stride apart (gaps must stay zero); then the
// same op in place (y = x) on the GPU.
void test_row_op(RowOp op, bool log_form, qrt_dtype dtype, Case shape, const std::vector<float>& values,
                 int64_t x_stride, int64_t y_stride) {
    CpuStream cpu;
    CudaStream gpu;
    const char* what = log_form ? "log_softmax" : "softmax";
    const Tolerance tol = log_form ? log_softmax_tolerance(dtype, shape.cols) : softmax_tolerance(dtype, shape.cols);
    const auto x = encode(cpu, values, dtype);  // rows * x_stride values
    const size_t size = qrt_dtype_size(dtype);
    const std::vector<uint8_t> y_zero(static_cast<size_t>(shape.rows * y_stride) * size, 0);
    std::vector<uint8_t> y_cpu = y_zero;
    qrt_tensor x_host = matrix(const_cast<uint8_t*>(x.data()), dtype, shape.rows, shape.cols, x_stride);
    qrt_tensor y_host = matrix(y_cpu.data(), dtype, shape.rows, shape.cols, y_stride);
    QRT_CHECK_OK(op(cpu, &x_host, &y_host));

    DeviceBuffer<uint8_t> x_dev(gpu, x);
    DeviceBuffer<uint8_t> y_dev(gpu, y_zero);
    qrt_tensor x_gpu = on_device(x_host, x_dev.data());
    qrt_tensor y_gpu = on_device(y_host, y_dev.data());
    QRT_CHECK_OK(op(gpu, &x_gpu, &y_gpu));
    all_close(values_of(y_dev.download(), dtype), widened(values_of(y_cpu, dtype)), tol.atol, tol.rtol, what);

    // In place: the rows of x become y; x's gaps stay as they were.
    QRT_CHECK_OK(op(gpu, &x_gpu, &x_gpu));
    std::vector<uint8_t> expected = x;
    for (int64_t r = 0; r < shape.rows; ++r) {
        std::memcpy(expected.data() + static_cast<size_t>(r * x_stride) * size,
                    y_cpu.data() + static_cast<size_t>(r * y_stride) * size, static_cast<size_t>(shape.cols) * size);
    }
    all_close(values_of(x_dev.download(), dtype), widened(values_of(expected, dtype)), tol.atol, tol.rtol, what);
}

void test_softmaxes(qrt_dtype dtype, Case shape, Random& random) {
    const auto values = logits(static_cast<size_t>(shape.rows * shape.cols), random);
    test_row_op(qrt_softmax, false, dtype, shape, values, shape.cols, shape.cols);
    test_row_op(qrt_log_softmax, true, dtype, shape, values, shape.cols, shape.cols);
}

// Rows that exercise the special cases, as columns of a wider buffer (row stride cols + 5): a NaN anywhere, +inf,
// every value −inf, some −inf among finite values, huge logits whose exp would overflow without the shift, ±0.
void test_special_rows(qrt_dtype dtype) {
    const int64_t cols = 70;
    const int64_t stride = cols + 5;
    std::vector<std::vector<float>> rows;
    auto ramp = [&](float scale) {
        std::vector<float> row(static_cast<size_t>(cols));
        for (int64_t c = 0; c < cols; ++c) row[static_cast<size_t>(c)] = scale * static_cast<float>((c * 37) % 23);
        return row;
    };
    rows.push_back(ramp(0.5f));
    rows.push_back(ramp(0.5f));
    rows.back()[40] = std::nanf("");
    rows.push_back(ramp(0.5f));
    rows.back()[3] = kInfinity;
    rows.push_back(std::vector<float>(static_cast<size_t>(cols), -kInfinity));
    rows.push_back(ramp(0.5f));
    for (int64_t c = 0; c < cols; c += 3) rows.back()[static_cast<size_t>(c)] = -kInfinity;
    rows.push_back(ramp(3000.0f));
    rows.push_back(std::vector<float>(static_cast<size_t>(cols), 0.0f));
    for (int64_t c = 0; c < cols; c += 2) rows.back()[static_cast<size_t>(c)] = -0.0f;
    std::vector<float> values;
    for (const auto& row : rows) {
        values.insert(values.end(), row.begin(), row.end());
        values.insert(values.end(), static_cast<size_t>(stride - cols), 7.0f);
    }
    const Case shape{static_cast<int64_t>(rows.size()), cols};
    test_row_op(qrt_softmax, false, dtype, shape, values, stride, cols + 2);
    test_row_op(qrt_log_softmax, true, dtype, shape, values, stride, cols + 2);
}

// argmax of x [rows, cols] (rows `stride` apart) on both backends: the same indices, in I32 and I64.
void check_argmax(qrt_dtype dtype, Case shape, int64_t stride, const std::vector<float>& values, const char* what) {
    CpuStream cpu;
    CudaStream gpu;
    const auto x = encode(cpu, values, dtype);
    DeviceBuffer<uint8_t> x_dev(gpu, x);
    qrt_tensor x_host = matrix(const_cast<uint8_t*>(x.data()), dtype, shape.rows, shape.cols, stride);
    qrt_tensor x_gpu = on_device(x_host, x_dev.data());
    std::vector<int64_t> cpu_wide(static_cast<size_t>(shape.rows), -7);
    qrt_tensor cpu_indices = tensor(cpu_wide.data(), QRT_DTYPE_I64, {shape.rows});
    QRT_CHECK_OK(qrt_argmax(cpu, &x_host, &cpu_indices));

    DeviceBuffer<int64_t> wide_dev(gpu, std::vector<int64_t>(static_cast<size_t>(shape.rows), -7));
    qrt_tensor wide = device_tensor(wide_dev.data(), QRT_DTYPE_I64, {shape.rows});
    QRT_CHECK_OK(qrt_argmax(gpu, &x_gpu, &wide));
    DeviceBuffer<int32_t> narrow_dev(gpu, std::vector<int32_t>(static_cast<size_t>(shape.rows), -7));
    qrt_tensor narrow = device_tensor(narrow_dev.data(), QRT_DTYPE_I32, {shape.rows});
    QRT_CHECK_OK(qrt_argmax(gpu, &x_gpu, &narrow));
    const auto gpu_wide = wide_dev.download();
    const auto gpu_narrow = narrow_dev.download();
    for (size_t r = 0; r < cpu_wide.size(); ++r) {
        if (gpu_wide[r] != cpu_wide[r] || gpu_narrow[r] != cpu_wide[r]) {
            std::fprintf(stderr, "%s (%s, %lld x %lld): row %zu: GPU %lld / %d, CPU %lld\n", what,
                         qrt_dtype_name(dtype), static_cast<long long>(shape.rows), static_cast<long long>(shape.cols),
                         r, static_cast<long long>(gpu_wide[r]), gpu_narrow[r], static_cast<long long>(cpu_wide[r]));
            ++failures();
        }
    }
}

void test_argmax(qrt_dtype dtype, Case shape, Random& random) {
    check_argmax(dtype, shape, shape.cols, logits(static_cast<size_t>(shape.rows * shape.cols), random), "argmax");
}

// Ties, NaNs, infinities and signed zeros, each row a case; rows 40 apart in a wider buffer.
void test_argmax_special(qrt_dtype dtype) {
    const int64_t cols = 33;
    const int64_t stride = 40;
    std::vector<std::vector<float>> rows;
    auto base = [&] {
        std::vector<float> row(static_cast<size_t>(cols));
        for (int64_t c = 0; c < cols; ++c) row[static_cast<size_t>(c)] = static_cast<float>((c * 7) % 11) - 5.0f;
        return row;  // the maximum, 5, first at column 10, again at 21 and 32
    };
    rows.push_back(base());
    rows.push_back(base());
    rows.back()[25] = std::nanf("");
    rows.back()[30] = std::nanf("");  // the first NaN wins
    rows.push_back(base());
    rows.back()[31] = kInfinity;
    rows.back()[2] = kInfinity;
    rows.push_back(std::vector<float>(static_cast<size_t>(cols), -kInfinity));
    rows.push_back(std::vector<float>(static_cast<size_t>(cols), -1.0f));
    rows.back()[17] = -0.0f;
    rows.back()[5] = -0.0f;
    rows.back()[9] = 0.0f;  // ±0 tie: the first zero
    rows.push_back(base());
    rows.back()[0] = std::nanf("");
    rows.push_back(std::vector<float>(static_cast<size_t>(cols), std::nanf("")));
    rows.push_back(base());
    rows.back()[32] = 5.0001f;  // distinct in F32, a tie with 5 once rounded to BF16
    std::vector<float> values;
    for (const auto& row : rows) {
        values.insert(values.end(), row.begin(), row.end());
        values.insert(values.end(), static_cast<size_t>(stride - cols), 100.0f);  // gaps larger than any value
    }
    check_argmax(dtype, Case{static_cast<int64_t>(rows.size()), cols}, stride, values, "argmax special rows");
}

// A vocabulary row with its maximum planted at the far end, and one with the maximum repeated far apart.
void test_argmax_vocab(qrt_dtype dtype, Random& random) {
    const int64_t cols = 131072;
    std::vector<float> values = logits(static_cast<size_t>(2 * cols), random);
    values[static_cast<size_t>(cols - 1)] = 40.0f;
    values[static_cast<size_t>(cols + 99999)] = 40.0f;
    values[static_cast<size_t>(cols + 77777)] = 40.0f;
    check_argmax(dtype, Case{2, cols}, cols, values, "argmax vocab");
}

void test_bad_arguments() {
    CudaStream gpu;
    DeviceBuffer<float> x_dev(gpu, std::vector<float>(8, 1.0f));
    DeviceBuffer<uint16_t> h_dev(gpu, std::vector<uint16_t>(8, 0));
    qrt_tensor x = device_tensor(x_dev.data(), QRT_DTYPE_F32, {2, 4});
    qrt_tensor h = device_tensor(h_dev.data(), QRT_DTYPE_F16, {2, 4});
    QRT_CHECK_FAILS(qrt_softmax(gpu, &x, &h), QRT_STATUS_UNSUPPORTED, "'y'");
    QRT_CHECK_FAILS(qrt_log_softmax(gpu, &x, &h), QRT_STATUS_UNSUPPORTED, "'y'");
    qrt_tensor wrong_shape = device_tensor(x_dev.data(), QRT_DTYPE_F32, {4, 2});
    QRT_CHECK_FAILS(qrt_softmax(gpu, &x, &wrong_shape), QRT_STATUS_INVALID_ARGUMENT, "'y'");
    DeviceBuffer<int32_t> indices_dev(gpu, std::vector<int32_t>(2, 0));
    qrt_tensor indices = device_tensor(indices_dev.data(), QRT_DTYPE_I32, {2});
    qrt_tensor empty_rows = device_tensor(x_dev.data(), QRT_DTYPE_F32, {2, 0});
    QRT_CHECK_FAILS(qrt_argmax(gpu, &empty_rows, &indices), QRT_STATUS_INVALID_ARGUMENT, "'x'");
    qrt_tensor too_few = device_tensor(indices_dev.data(), QRT_DTYPE_I32, {1});
    QRT_CHECK_FAILS(qrt_argmax(gpu, &x, &too_few), QRT_STATUS_INVALID_ARGUMENT, "'indices'");
    qrt_tensor float_indices = device_tensor(indices_dev.data(), QRT_DTYPE_F32, {2});
    QRT_CHECK_FAILS(qrt_argmax(gpu, &x, &float_indices), QRT_STATUS_INVALID_ARGUMENT, "'indices'");
}

}  // namespace

int main() {
    const std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) return skip_without_cuda("test_cuda_softmax", reason);
    Random random(20261209);
    const Case shapes[] = {{1, 1}, {3, 17}, {4, 1000}, {7, 5120}, {2, 131072}};
    for (const Case shape : shapes) {
        for (qrt_dtype dtype : kFloatDtypes) {
            test_softmaxes(dtype, shape, random);
            test_argmax(dtype, shape, random);
        }
    }
    for (qrt_dtype dtype : kFloatDtypes) {
        test_special_rows(dtype);
        test_argmax_special(dtype);
        test_argmax_vocab(dtype, random);
    }
    test_bad_arguments();
    return finish("test_cuda_softmax");
}
