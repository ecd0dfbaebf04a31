// qrt_quantize_int8 and qrt_quantize_fp8 against expectations written from their definitions in qrt.h:
// exact codes (ties to even, saturation, zero rows, NaN) and exact dynamic scales.
#include <algorithm>
#include <cmath>
#include <vector>

#include "test_formats.h"
#include "test_tensors.h"
#include "test_util.h"

using namespace qrt_test;

namespace {

double round_half_even(double value) {
    const double floor_value = std::floor(value);
    const double fraction = value - floor_value;
    if (fraction > 0.5) return floor_value + 1.0;
    if (fraction < 0.5) return floor_value;
    return std::fmod(floor_value, 2.0) == 0.0 ? floor_value : floor_value + 1.0;
}

// sat(round(quotient) + zero_point) with NaN rounding to 0.
int8_t expected_int8(float quotient, int32_t zero_point) {
    const double rounded = std::isnan(quotient) ? 0.0 : round_half_even(quotient);
    return static_cast<int8_t>(std::clamp(rounded + zero_point, -128.0, 127.0));
}

float absolute_max(const std::vector<double>& values, size_t begin, size_t end) {
    float result = 0.0f;
    for (size_t i = begin; i < end; ++i) {
        if (!std::isnan(values[i])) result = std::max(result, static_cast<float>(std::fabs(values[i])));
    }
    return result;
}

struct Shape {
    int64_t m, k;
};
const Shape kShapes[] = {{1, 1}, {3, 7}, {7, 33}, {17, 127}, {33, 200}, {2, 1100}};

// Random rows (the second one all zeros) with row strides on x and q, every x dtype.
template <class Check>
void for_random_inputs(uint32_t seed, Check check) {
    Random random(seed);
    for (const Shape& s : kShapes) {
        for (qrt_dtype dtype : kFloatDtypes) {
            const int64_t x_stride = s.k + 3;
            std::vector<float> source = random.normal(static_cast<size_t>(s.m * x_stride), 3.0f);
            if (s.m > 1) std::fill_n(source.begin() + x_stride, s.k, 0.0f);
            Stored x = store(source, dtype);
            qrt_tensor xt = tensor(x.bytes.data(), dtype, {s.m, s.k});
            xt.strides[0] = x_stride;
            check(s, x, xt, x_stride);
        }
    }
}

void test_int8_dynamic() {
    CpuStream stream;
    for_random_inputs(11, [&](const Shape& s, const Stored& x, qrt_tensor& xt, int64_t x_stride) {
        const int64_t q_stride = s.k + 5;
        std::vector<int8_t> q(static_cast<size_t>(s.m * q_stride), 99);
        std::vector<float> scales(static_cast<size_t>(s.m), -1.0f);
        qrt_tensor qt = tensor(q.data(), QRT_DTYPE_I8, {s.m, s.k});
        qt.strides[0] = q_stride;
        qrt_tensor st = tensor(scales.data(), QRT_DTYPE_F32, {s.m});
        QRT_CHECK_OK(qrt_quantize_int8(stream, &xt, nullptr, nullptr, &qt, &st));
        int wrong = 0;
        for (int64_t m = 0; m < s.m; ++m) {
            const size_t row = static_cast<size_t>(m * x_stride);
            const float absmax = absolute_max(x.values, row, row + static_cast<size_t>(s.k));
            const float scale = absmax / 127.0f;  // the definition, in FP32
            wrong += scales[static_cast<size_t>(m)] != scale;
            for (int64_t k = 0; k < s.k; ++k) {
                const float value = static_cast<float>(x.values[row + static_cast<size_t>(k)]);
                const int8_t code = absmax == 0.0f ? 0 : expected_int8(value / scale, 0);
                wrong += q[static_cast<size_t>(m * q_stride + k)] != code;
            }
            wrong += q[static_cast<size_t>(m * q_stride + s.k)] != 99;  // the gap between rows of q
        }
        if (s.m > 1) wrong += scales[1] != 0.0f;
        if (wrong) {
            std::fprintf(stderr, "qrt_quantize_int8 dynamic M=%lld K=%lld x %s: %d wrong\n",
                         static_cast<long long>(s.m), static_cast<long long>(s.k),
                         qrt_dtype_name(static_cast<qrt_dtype>(xt.dtype)), wrong);
            ++failures();
        }
    });
}

void test_fp8_dynamic() {
    CpuStream stream;
    for_random_inputs(12, [&](const Shape& s, const Stored& x, qrt_tensor& xt, int64_t x_stride) {
        std::vector<uint8_t> q(static_cast<size_t>(s.m * s.k), 0x55);
        std::vector<float> scales(static_cast<size_t>(s.m), -1.0f);
        qrt_tensor qt = tensor(q.data(), QRT_DTYPE_F8_E4M3, {s.m, s.k});
        qrt_tensor st = tensor(scales.data(), QRT_DTYPE_F32, {s.m, 1});
        QRT_CHECK_OK(qrt_quantize_fp8(stream, &xt, nullptr, &qt, &st));
        int wrong = 0;
        for (int64_t m = 0; m < s.m; ++m) {
            const size_t row = static_cast<size_t>(m * x_stride);
            const float absmax = absolute_max(x.values, row, row + static_cast<size_t>(s.k));
            const float scale = absmax / 448.0f;  // the definition, in FP32
            wrong += scales[static_cast<size_t>(m)] != scale;
            for (int64_t k = 0; k < s.k; ++k) {
                const float value = static_cast<float>(x.values[row + static_cast<size_t>(k)]);
                const uint8_t code = absmax == 0.0f ? 0 : to_e4m3(value / scale);
                wrong += q[static_cast<size_t>(m * s.k + k)] != code;
            }
        }
        if (wrong) {
            std::fprintf(stderr, "qrt_quantize_fp8 dynamic M=%lld K=%lld x %s: %d wrong\n", static_cast<long long>(s.m),
                         static_cast<long long>(s.k), qrt_dtype_name(static_cast<qrt_dtype>(xt.dtype)), wrong);
            ++failures();
        }
    });
}

// Hand-computed codes: x / 0.5 lands exactly on halves (ties go to the even integer), beyond the range
// (saturation), and on NaN and infinities.
void test_int8_static_codes() {
    CpuStream stream;
    const std::vector<float> x = {0.25f,   0.75f,   1.25f,  1.75f,   -0.25f, -0.75f,   -1.25f,    63.25f, 63.75f,
                                  -64.25f, -64.75f, 100.0f, -100.0f, NAN,    INFINITY, -INFINITY, 0.3f};
    // round(2x):                   0, 2, 2, 4, −0, −2, −2, 126, 128, −128, −130, 200, −200, NaN, ∞, −∞, 0.6
    const std::vector<int8_t> symmetric = {0, 2, 2, 4, 0, -2, -2, 126, 127, -128, -128, 127, -128, 0, 127, -128, 1};
    // + 3, saturated after the addition (so −130 + 3 = −127, not −128 + 3).
    const std::vector<int8_t> plus_three = {3, 5, 5, 7, 3, 1, 1, 127, 127, -125, -127, 127, -128, 3, 127, -128, 4};
    // − 100: 128 − 100 = 28 and 200 − 100 = 100 (not 127 − 100 = 27); infinity stays saturated.
    const std::vector<int8_t> minus_hundred = {-100, -98,  -98, -96,  -100, -102, -102, 26, 28,
                                               -128, -128, 100, -128, -100, 127,  -128, -99};
    const int64_t k = static_cast<int64_t>(x.size());
    std::vector<float> x_copy = x;
    qrt_tensor xt = tensor(x_copy.data(), QRT_DTYPE_F32, {1, k});
    std::vector<int8_t> q(x.size());
    qrt_tensor qt = tensor(q.data(), QRT_DTYPE_I8, {1, k});
    for (qrt_dtype scale_dtype : kFloatDtypes) {
        Stored half = store({0.5f}, scale_dtype);
        qrt_tensor st = tensor(half.bytes.data(), scale_dtype, {1});
        QRT_CHECK_OK(qrt_quantize_int8(stream, &xt, &st, nullptr, &qt, nullptr));
        QRT_CHECK(q == symmetric);
        int32_t zero_point = 3;
        qrt_tensor zt = tensor(&zero_point, QRT_DTYPE_I32, {1});
        QRT_CHECK_OK(qrt_quantize_int8(stream, &xt, &st, &zt, &qt, nullptr));
        QRT_CHECK(q == plus_three);
        zero_point = -100;
        QRT_CHECK_OK(qrt_quantize_int8(stream, &xt, &st, &zt, &qt, nullptr));
        QRT_CHECK(q == minus_hundred);
    }
    // The reference rounding agrees with the hand-computed codes.
    for (size_t i = 0; i < x.size(); ++i) {
        QRT_CHECK(expected_int8(x[i] / 0.5f, 0) == symmetric[i]);
        QRT_CHECK(expected_int8(x[i] / 0.5f, 3) == plus_three[i]);
        QRT_CHECK(expected_int8(x[i] / 0.5f, -100) == minus_hundred[i]);
    }
}

// A row whose absmax is 127 has scale exactly 1, so its halves are ties; a NaN is skipped by the absmax
// and quantizes to 0.
void test_int8_dynamic_codes() {
    CpuStream stream;
    std::vector<float> x = {127.0f, 2.5f, 3.5f, -2.5f, -0.5f, 0.5f, 1.5f, -127.0f, NAN, 0.0f, 0.0f, 0.0f};
    std::vector<int8_t> q(x.size(), 99);
    std::vector<float> scales(3, -1.0f);
    qrt_tensor xt = tensor(x.data(), QRT_DTYPE_F32, {3, 4});
    qrt_tensor qt = tensor(q.data(), QRT_DTYPE_I8, {3, 4});
    qrt_tensor st = tensor(scales.data(), QRT_DTYPE_F32, {3});
    QRT_CHECK_OK(qrt_quantize_int8(stream, &xt, nullptr, nullptr, &qt, &st));
    QRT_CHECK(scales[0] == 1.0f);
    QRT_CHECK(scales[1] == 127.0f / 127.0f);
    QRT_CHECK(scales[2] == 0.0f);  // the row of NaN and zeros has absmax 0
    const std::vector<int8_t> expected = {127, 2, 4, -2, 0, 0, 2, -127, 0, 0, 0, 0};
    QRT_CHECK(q == expected);
}

// Hand-computed e4m3 codes with scale 1 (and 2): ties between neighbours go to the even mantissa,
// magnitudes past 448 saturate, subnormals round in units of 2^-9, NaN stays NaN.
void test_fp8_static_codes() {
    CpuStream stream;
    const std::vector<float> x = {1.0625f,   1.1875f, 500.0f, -1000.0f, 464.0f,    0x1p-10f, 0x3p-10f,
                                  -0x3p-10f, 0.0f,    -2.0f,  INFINITY, -INFINITY, 1.0f,     0.3f};
    const std::vector<uint8_t> expected = {0x38, 0x3a, 0x7e, 0xfe, 0x7e, 0x00, 0x02,
                                           0x82, 0x00, 0xc0, 0x7e, 0xfe, 0x38, to_e4m3(0.3f)};
    for (size_t i = 0; i < x.size(); ++i) QRT_CHECK(to_e4m3(x[i]) == expected[i]);
    const int64_t k = static_cast<int64_t>(x.size());
    std::vector<float> x_copy = x;
    std::vector<uint8_t> q(x.size());
    qrt_tensor xt = tensor(x_copy.data(), QRT_DTYPE_F32, {k});
    qrt_tensor qt = tensor(q.data(), QRT_DTYPE_F8_E4M3, {k});
    for (qrt_dtype scale_dtype : kFloatDtypes) {
        Stored one = store({1.0f}, scale_dtype);
        qrt_tensor st = tensor(one.bytes.data(), scale_dtype, {1});
        QRT_CHECK_OK(qrt_quantize_fp8(stream, &xt, &st, &qt, nullptr));
        QRT_CHECK(q == expected);
    }
    // Scale 2: 2.125 / 2 = 1.0625 is the tie above.
    float twice = 2.125f, two = 2.0f;
    uint8_t code = 0;
    qrt_tensor xt1 = tensor(&twice, QRT_DTYPE_F32, {1, 1});
    qrt_tensor st2 = tensor(&two, QRT_DTYPE_F32, {1});
    qrt_tensor qt1 = tensor(&code, QRT_DTYPE_F8_E4M3, {1, 1});
    QRT_CHECK_OK(qrt_quantize_fp8(stream, &xt1, &st2, &qt1, nullptr));
    QRT_CHECK(code == 0x38);
    // NaN quantizes to a NaN code, and a zero row gets scale 0 and zero codes.
    std::vector<float> rows = {NAN, 1.0f, 0.0f, 0.0f};
    std::vector<uint8_t> codes(4, 0x55);
    std::vector<float> scales(2, -1.0f);
    qrt_tensor xr = tensor(rows.data(), QRT_DTYPE_F32, {2, 2});
    qrt_tensor qr = tensor(codes.data(), QRT_DTYPE_F8_E4M3, {2, 2});
    qrt_tensor sr = tensor(scales.data(), QRT_DTYPE_F32, {2});
    QRT_CHECK_OK(qrt_quantize_fp8(stream, &xr, nullptr, &qr, &sr));
    QRT_CHECK((codes[0] & 0x7f) == 0x7f);
    QRT_CHECK(codes[1] == 0x7e && scales[0] == 1.0f / 448.0f);
    QRT_CHECK(codes[2] == 0 && codes[3] == 0 && scales[1] == 0.0f);
}

void test_bad_arguments() {
    CpuStream stream;
    const int64_t m = 3, k = 8;
    std::vector<float> x(m * k), scales(m);
    std::vector<int8_t> q(m * k);
    float scale = 0.5f;
    int32_t zero_point = 1;
    qrt_tensor xt = tensor(x.data(), QRT_DTYPE_F32, {m, k});
    qrt_tensor qi = tensor(q.data(), QRT_DTYPE_I8, {m, k});
    qrt_tensor qf = tensor(q.data(), QRT_DTYPE_F8_E4M3, {m, k});
    qrt_tensor so = tensor(scales.data(), QRT_DTYPE_F32, {m});
    qrt_tensor ss = tensor(&scale, QRT_DTYPE_F32, {1});
    qrt_tensor zp = tensor(&zero_point, QRT_DTYPE_I32, {1});
    QRT_CHECK_OK(qrt_quantize_int8(stream, &xt, nullptr, nullptr, &qi, &so));
    QRT_CHECK_OK(qrt_quantize_int8(stream, &xt, &ss, &zp, &qi, nullptr));
    QRT_CHECK_OK(qrt_quantize_fp8(stream, &xt, nullptr, &qf, &so));
    QRT_CHECK_OK(qrt_quantize_fp8(stream, &xt, &ss, &qf, nullptr));

    // NULL stream and tensors.
    QRT_CHECK_FAILS(qrt_quantize_int8(nullptr, &xt, nullptr, nullptr, &qi, &so), QRT_STATUS_INVALID_ARGUMENT,
                    "'stream'");
    QRT_CHECK_FAILS(qrt_quantize_int8(stream, nullptr, nullptr, nullptr, &qi, &so), QRT_STATUS_INVALID_ARGUMENT, "'x'");
    QRT_CHECK_FAILS(qrt_quantize_int8(stream, &xt, nullptr, nullptr, nullptr, &so), QRT_STATUS_INVALID_ARGUMENT, "'q'");
    QRT_CHECK_FAILS(qrt_quantize_int8(stream, &xt, nullptr, nullptr, &qi, nullptr), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'scale_out': is NULL");
    QRT_CHECK_FAILS(qrt_quantize_fp8(nullptr, &xt, nullptr, &qf, &so), QRT_STATUS_INVALID_ARGUMENT, "'stream'");
    QRT_CHECK_FAILS(qrt_quantize_fp8(stream, nullptr, nullptr, &qf, &so), QRT_STATUS_INVALID_ARGUMENT, "'x'");
    QRT_CHECK_FAILS(qrt_quantize_fp8(stream, &xt, &ss, nullptr, nullptr), QRT_STATUS_INVALID_ARGUMENT, "'q'");
    QRT_CHECK_FAILS(qrt_quantize_fp8(stream, &xt, nullptr, &qf, nullptr), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'scale_out': is NULL");

    // Wrong dtypes.
    qrt_tensor int_x = tensor(q.data(), QRT_DTYPE_I8, {m, k});
    QRT_CHECK_FAILS(qrt_quantize_int8(stream, &int_x, nullptr, nullptr, &qi, &so), QRT_STATUS_INVALID_ARGUMENT,
                    "'x': dtype I8 is not accepted");
    QRT_CHECK_FAILS(qrt_quantize_int8(stream, &xt, nullptr, nullptr, &qf, &so), QRT_STATUS_INVALID_ARGUMENT,
                    "'q': dtype F8_E4M3 is not accepted");
    QRT_CHECK_FAILS(qrt_quantize_fp8(stream, &xt, nullptr, &qi, &so), QRT_STATUS_INVALID_ARGUMENT,
                    "'q': dtype I8 is not accepted");
    qrt_tensor half_scales = tensor(scales.data(), QRT_DTYPE_BF16, {m});
    QRT_CHECK_FAILS(qrt_quantize_fp8(stream, &xt, nullptr, &qf, &half_scales), QRT_STATUS_INVALID_ARGUMENT,
                    "'scale_out': dtype BF16");
    qrt_tensor int_scale = tensor(&zero_point, QRT_DTYPE_I32, {1});
    QRT_CHECK_FAILS(qrt_quantize_int8(stream, &xt, &int_scale, nullptr, &qi, nullptr), QRT_STATUS_INVALID_ARGUMENT,
                    "'static_scale': dtype I32");
    qrt_tensor float_zero = tensor(&scale, QRT_DTYPE_F32, {1});
    QRT_CHECK_FAILS(qrt_quantize_int8(stream, &xt, &ss, &float_zero, &qi, nullptr), QRT_STATUS_INVALID_ARGUMENT,
                    "'static_zero_point': dtype F32");

    // Shape mismatches.
    qrt_tensor short_q = tensor(q.data(), QRT_DTYPE_I8, {m - 1, k});
    QRT_CHECK_FAILS(qrt_quantize_int8(stream, &xt, nullptr, nullptr, &short_q, &so), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'q': has 2 rows but x has 3");
    qrt_tensor narrow_q = tensor(q.data(), QRT_DTYPE_F8_E4M3, {m, k - 1});
    QRT_CHECK_FAILS(qrt_quantize_fp8(stream, &xt, &ss, &narrow_q, nullptr), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'q': has 7 columns but x has 8");
    qrt_tensor few_scales = tensor(scales.data(), QRT_DTYPE_F32, {m - 1});
    QRT_CHECK_FAILS(qrt_quantize_int8(stream, &xt, nullptr, nullptr, &qi, &few_scales), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'scale_out': must have one element per row of x (M = 3)");
    std::vector<float> two(2, 1.0f);
    qrt_tensor two_scales = tensor(two.data(), QRT_DTYPE_F32, {2});
    QRT_CHECK_FAILS(qrt_quantize_fp8(stream, &xt, &two_scales, &qf, nullptr), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'static_scale': must have exactly 1 element");
    qrt_tensor two_zeros = tensor(two.data(), QRT_DTYPE_I32, {2});
    QRT_CHECK_FAILS(qrt_quantize_int8(stream, &xt, &ss, &two_zeros, &qi, nullptr), QRT_STATUS_INVALID_ARGUMENT,
                    "'static_zero_point': must have 1 elements");
    qrt_tensor strided_scales = tensor(scales.data(), QRT_DTYPE_F32, {m});
    strided_scales.strides[0] = 2;
    std::vector<float> wide(2 * m);
    strided_scales.data = wide.data();
    QRT_CHECK_FAILS(qrt_quantize_int8(stream, &xt, nullptr, nullptr, &qi, &strided_scales), QRT_STATUS_INVALID_ARGUMENT,
                    "'scale_out': must be contiguous");

    // Mode mix-ups: a zero point without a static scale, a scale output with one.
    QRT_CHECK_FAILS(qrt_quantize_int8(stream, &xt, nullptr, &zp, &qi, &so), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'static_zero_point': must be NULL without static_scale");
    QRT_CHECK_FAILS(qrt_quantize_int8(stream, &xt, &ss, nullptr, &qi, &so), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'scale_out': must be NULL with a static scale");
    QRT_CHECK_FAILS(qrt_quantize_fp8(stream, &xt, &ss, &qf, &so), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'scale_out': must be NULL with a static scale");

    // Layout, missing data, device.
    qrt_tensor strided_x = tensor(x.data(), QRT_DTYPE_F32, {m, k / 2});
    strided_x.strides[1] = 2;
    qrt_tensor half_q = tensor(q.data(), QRT_DTYPE_I8, {m, k / 2});
    QRT_CHECK_FAILS(qrt_quantize_int8(stream, &strided_x, nullptr, nullptr, &half_q, &so), QRT_STATUS_INVALID_ARGUMENT,
                    "'x': the last dimension must be contiguous");
    qrt_tensor no_data = tensor(nullptr, QRT_DTYPE_F8_E4M3, {m, k});
    QRT_CHECK_FAILS(qrt_quantize_fp8(stream, &xt, nullptr, &no_data, &so), QRT_STATUS_INVALID_ARGUMENT,
                    "'q': data is NULL");
    qrt_tensor elsewhere = tensor(&scale, QRT_DTYPE_F32, {1}, qrt_device{QRT_BACKEND_CUDA, 0});
    QRT_CHECK_FAILS(qrt_quantize_fp8(stream, &xt, &elsewhere, &qf, nullptr), QRT_STATUS_INVALID_ARGUMENT,
                    "'static_scale': lives on cuda:0");
}

}  // namespace

int main() {
    test_int8_dynamic();
    test_fp8_dynamic();
    test_int8_static_codes();
    test_int8_dynamic_codes();
    test_fp8_static_codes();
    test_bad_arguments();
    return finish("test_quantize");
}
