// Error bounds and comparisons for checking a kernel's results against exact (double) references: the
// rounding errors of the float dtypes, γ(n) for n FP32 roundings, and checks that report the worst element.
#pragma once

#include <cmath>
#include <cstdio>
#include <vector>

#include "test_util.h"

namespace qrt_test {

constexpr double kUnitRoundoff = 0x1p-24;  // 2^-24: one FP32 rounding, relative

// Rounding an exact result to dtype errs by at most unit_roundoff(dtype) relative (half the spacing of
// its values), or by underflow_error(dtype) absolute (half its smallest spacing) for a subnormal result.
inline double unit_roundoff(qrt_dtype dtype) {
    return dtype == QRT_DTYPE_F32 ? 0x1p-24 : dtype == QRT_DTYPE_BF16 ? 0x1p-8 : 0x1p-11;
}

inline double underflow_error(qrt_dtype dtype) {
    return dtype == QRT_DTYPE_F32 ? 0x1p-150 : dtype == QRT_DTYPE_BF16 ? 0x1p-134 : 0x1p-25;
}

// Rounding an FP32 result to the output dtype, relative: nothing for F32 itself, else the dtype's unit
// roundoff (2^-11 for F16, 2^-8 for BF16).
inline double output_rounding(qrt_dtype dtype) { return dtype == QRT_DTYPE_F32 ? 0.0 : unit_roundoff(dtype); }

// Rounding an FP32 result to the output dtype, absolute: below 2^-14 F16 values are multiples of 2^-24,
// so rounding there costs up to 2^-25.
inline double output_underflow(qrt_dtype dtype) { return dtype == QRT_DTYPE_F16 ? underflow_error(dtype) : 0.0; }

// The error of an FP32 result of magnitude `magnitude`, already `fp32_error` off, once rounded to dtype:
// the rounding applies to the value carrying the FP32 error.
inline double rounded_output_error(double fp32_error, double magnitude, qrt_dtype dtype) {
    const double rounding = output_rounding(dtype);
    return fp32_error * (1 + rounding) + rounding * (magnitude + fp32_error) + output_underflow(dtype);
}

// γ(n) = n·u / (1 − n·u): the relative bound on n successive FP32 roundings. (Not named gamma: glibc's
// <math.h> declares a gamma(double) that would make calls with an int ambiguous.)
inline double gamma_fp32(int64_t n) { return n * kUnitRoundoff / (1.0 - n * kUnitRoundoff); }

// A reference sum in double, with the sum of its terms' magnitudes: adding the same n terms in FP32, in
// any order, errs from it by at most gamma_fp32(n - 1) * magnitude.
struct ReferenceSum {
    double value = 0.0;
    double magnitude = 0.0;

    void add(double term) {
        value += term;
        magnitude += std::fabs(term);
    }
};

// An absolute and a relative tolerance, for all_close.
struct Tolerance {
    double atol;
    double rtol;
};

// Compares actual with expected elementwise: |a - e| <= atol + rtol * |e|. Reports the worst element.
inline bool all_close(const std::vector<float>& actual, const std::vector<double>& expected, double atol, double rtol,
                      const char* what) {
    if (actual.size() != expected.size()) {
        std::fprintf(stderr, "%s: size %zu, expected %zu\n", what, actual.size(), expected.size());
        ++failures();
        return false;
    }
    size_t worst = 0;
    double worst_excess = -1.0;
    size_t bad = 0;
    for (size_t i = 0; i < actual.size(); ++i) {
        const double error = std::fabs(static_cast<double>(actual[i]) - expected[i]);
        const double allowed = atol + rtol * std::fabs(expected[i]);
        const double excess = std::isnan(actual[i]) != std::isnan(expected[i]) ? 1e30 : error - allowed;
        if (excess > 0) ++bad;
        if (excess > worst_excess) {
            worst_excess = excess;
            worst = i;
        }
    }
    if (bad > 0) {
        std::fprintf(stderr,
                     "%s: %zu of %zu elements out of tolerance (atol %g, rtol %g); worst at %zu: %.9g vs %.9g\n", what,
                     bad, actual.size(), atol, rtol, worst, actual[worst], expected[worst]);
        ++failures();
        return false;
    }
    return true;
}

// Checks |actual[i] − expected[i]| <= bound[i] for every element, with a bound per element, and reports
// the worst one.
inline void check_within(const std::vector<float>& actual, const std::vector<double>& expected,
                         const std::vector<double>& bound, const char* what) {
    size_t bad = 0, worst = 0;
    double worst_ratio = 0.0;
    for (size_t i = 0; i < actual.size(); ++i) {
        const double error = std::fabs(actual[i] - expected[i]);
        const double ratio = std::isnan(error) ? INFINITY : error / bound[i];
        if (ratio > 1.0) ++bad;
        if (ratio > worst_ratio) {
            worst_ratio = ratio;
            worst = i;
        }
    }
    if (bad > 0) {
        std::fprintf(stderr, "%s: %zu of %zu elements out of bounds; worst at %zu: %.9g vs %.9g (bound %.3g)\n", what,
                     bad, actual.size(), worst, actual[worst], expected[worst], bound[worst]);
        ++failures();
    }
}

}  // namespace qrt_test
