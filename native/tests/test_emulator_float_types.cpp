// The CUDA emulator's half, bfloat16 and FP8 types against slow references written here: every code decoded by its
// textbook formula, and rounding done by searching the sorted values of a format for the nearest one, ties to the
// even code (ptx-semantics.md §8). Every half and bfloat16 code is checked, every midpoint between neighbours and
// the floats on either side of it, and millions of random floats; arithmetic against exact integer arithmetic.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "test_util.h"

using namespace qrt_test;

namespace {

// ---- A format's values, decoded independently of the emulator --------------------------------------------------

struct FormatSpec {
    const char* name;
    int exponent_bits;
    int mantissa_bits;
    bool has_infinity;  // IEEE-style: the top exponent is infinity and NaN; otherwise only all-ones is NaN (e4m3)
};

constexpr FormatSpec kHalf{"binary16", 5, 10, true};
constexpr FormatSpec kBf16{"bfloat16", 8, 7, true};
constexpr FormatSpec kE4M3{"e4m3", 4, 3, false};
constexpr FormatSpec kE5M2{"e5m2", 5, 2, true};

uint32_t sign_bit(const FormatSpec& f) { return 1u << (f.exponent_bits + f.mantissa_bits); }
int bias(const FormatSpec& f) { return (1 << (f.exponent_bits - 1)) - 1; }

bool is_nan_code(const FormatSpec& f, uint32_t code) {
    const uint32_t magnitude = code & (sign_bit(f) - 1);
    const uint32_t exponent = magnitude >> f.mantissa_bits;
    const uint32_t fraction = magnitude & ((1u << f.mantissa_bits) - 1);
    const uint32_t top = (1u << f.exponent_bits) - 1;
    if (f.has_infinity) return exponent == top && fraction != 0;
    return magnitude == (sign_bit(f) - 1);
}

bool is_infinity_code(const FormatSpec& f, uint32_t code) {
    return f.has_infinity && (code & (sign_bit(f) - 1)) == (((1u << f.exponent_bits) - 1) << f.mantissa_bits);
}

// (-1)^s * 2^(e - bias) * 1.m, or 2^(1 - bias) * 0.m for e = 0.
double decode(const FormatSpec& f, uint32_t code) {
    if (is_nan_code(f, code)) return std::numeric_limits<double>::quiet_NaN();
    const double sign = (code & sign_bit(f)) != 0 ? -1.0 : 1.0;
    if (is_infinity_code(f, code)) return sign * std::numeric_limits<double>::infinity();
    const uint32_t magnitude = code & (sign_bit(f) - 1);
    const int exponent = static_cast<int>(magnitude >> f.mantissa_bits);
    const double fraction = static_cast<double>(magnitude & ((1u << f.mantissa_bits) - 1)) / (1 << f.mantissa_bits);
    const double value =
        exponent == 0 ? std::ldexp(fraction, 1 - bias(f)) : std::ldexp(1.0 + fraction, exponent - bias(f));
    return sign * value;
}

// The finite non-negative values of a format in increasing order, with their codes.
struct Ladder {
    FormatSpec format;
    std::vector<double> values;
    std::vector<uint32_t> codes;
};

Ladder ladder(const FormatSpec& f) {
    Ladder result{f, {}, {}};
    for (uint32_t code = 0; code < sign_bit(f); ++code) {
        if (is_nan_code(f, code) || is_infinity_code(f, code)) continue;
        result.values.push_back(decode(f, code));
        result.codes.push_back(code);
    }
    return result;
}

enum class OnOverflow { Infinity, Saturate, NaN };

// The nearest value to x (exact as a double), ties to the even code. Past the largest finite value M the next step
// up is the value M + ulp that the format cannot hold, whose code is M's plus one: a tie there goes to it when that
// code is even, and reaching it is an overflow.
uint32_t reference_round(const Ladder& ladder, double x, OnOverflow overflow, uint32_t nan_code) {
    const FormatSpec& f = ladder.format;
    if (std::isnan(x)) return nan_code;
    const uint32_t sign = std::signbit(x) ? sign_bit(f) : 0;
    const uint32_t max_code = ladder.codes.back();
    const uint32_t overflow_code = overflow == OnOverflow::Infinity   ? sign | (max_code + 1)
                                   : overflow == OnOverflow::Saturate ? sign | max_code
                                                                      : sign | nan_code;
    const double magnitude = std::fabs(x);
    const double max = ladder.values.back();
    const double beyond = max + (max - ladder.values[ladder.values.size() - 2]);
    if (magnitude >= beyond) return overflow_code;
    if (magnitude > max) {
        const double middle = (max + beyond) / 2;
        if (magnitude < middle) return sign | max_code;
        if (magnitude > middle) return overflow_code;
        return (max_code & 1u) == 0 ? (sign | max_code) : overflow_code;
    }
    const auto upper = std::lower_bound(ladder.values.begin(), ladder.values.end(), magnitude);
    const size_t high = static_cast<size_t>(upper - ladder.values.begin());
    if (ladder.values[high] == magnitude || high == 0) return sign | ladder.codes[high];
    const size_t low = high - 1;
    const double middle = (ladder.values[low] + ladder.values[high]) / 2;  // exact: a few bits wider than the format
    if (magnitude < middle) return sign | ladder.codes[low];
    if (magnitude > middle) return sign | ladder.codes[high];
    return sign | ((ladder.codes[low] & 1u) == 0 ? ladder.codes[low] : ladder.codes[high]);
}

// Floats worth converting: every midpoint between neighbours of a ladder and the floats just around it, the
// neighbours themselves, the edges, and random floats over a range of exponents.
std::vector<float> probe_floats(const Ladder& ladder, int min_exponent, int max_exponent, size_t random_count) {
    std::vector<float> probes = {0.0f,
                                 -0.0f,
                                 std::numeric_limits<float>::infinity(),
                                 -std::numeric_limits<float>::infinity(),
                                 std::numeric_limits<float>::quiet_NaN(),
                                 -std::numeric_limits<float>::quiet_NaN(),
                                 std::numeric_limits<float>::max(),
                                 std::numeric_limits<float>::denorm_min(),
                                 std::numeric_limits<float>::min()};
    std::vector<double> points = ladder.values;
    const double max = ladder.values.back();
    points.push_back(max + (max - ladder.values[ladder.values.size() - 2]));
    for (size_t i = 0; i + 1 < points.size(); ++i) {
        const float value = static_cast<float>(points[i]);
        const float middle = static_cast<float>((points[i] + points[i + 1]) / 2);
        for (float v : {value, middle, std::nextafter(middle, 0.0f), std::nextafter(middle, INFINITY)}) {
            probes.push_back(v);
            probes.push_back(-v);
        }
    }
    std::mt19937_64 random(20261208);
    std::uniform_int_distribution<int> exponent(min_exponent, max_exponent);
    std::uniform_int_distribution<uint32_t> mantissa(0, (1u << 23) - 1);
    for (size_t i = 0; i < random_count; ++i) {
        const uint32_t biased = static_cast<uint32_t>(exponent(random) + 127);
        const uint32_t bits = (static_cast<uint32_t>(i & 1) << 31) | (biased << 23) | mantissa(random);
        float value;
        std::memcpy(&value, &bits, sizeof value);
        probes.push_back(value);
    }
    return probes;
}

unsigned short bits(__half value) { return __half_as_ushort(value); }
unsigned short bits(__nv_bfloat16 value) { return __bfloat16_as_ushort(value); }

// ---- binary16 --------------------------------------------------------------------------------------------------

void test_half_widening_and_round_trip() {
    int mismatches = 0;
    for (uint32_t code = 0; code < 65536; ++code) {
        const __half h = __ushort_as_half(static_cast<unsigned short>(code));
        const float widened = __half2float(h);
        const double expected = decode(kHalf, code);
        if (std::isnan(expected)) {
            if (!std::isnan(widened) || bits(__float2half_rn(widened)) != 0x7FFF) ++mismatches;
            continue;
        }
        if (static_cast<double>(widened) != expected || std::signbit(widened) != std::signbit(expected)) ++mismatches;
        if (bits(__float2half_rn(widened)) != code) ++mismatches;
    }
    QRT_CHECK(mismatches == 0);
}

void test_half_rounding() {
    const Ladder halves = ladder(kHalf);
    int mismatches = 0;
    for (float x : probe_floats(halves, -30, 17, 2000000)) {
        const uint32_t expected = reference_round(halves, x, OnOverflow::Infinity, 0x7FFF);
        if (bits(__float2half_rn(x)) != expected || bits(__half(x)) != expected) {
            if (++mismatches <= 5)
                std::fprintf(stderr, "half(%a): %#x, expected %#x\n", x, bits(__float2half_rn(x)), expected);
        }
    }
    QRT_CHECK(mismatches == 0);
    // Landmarks, written out.
    QRT_CHECK(bits(__float2half_rn(1.0f)) == 0x3C00);
    QRT_CHECK(bits(__float2half_rn(65504.0f)) == 0x7BFF);
    QRT_CHECK(bits(__float2half_rn(65519.99f)) == 0x7BFF);
    QRT_CHECK(bits(__float2half_rn(65520.0f)) == 0x7C00);  // the tie above the largest value goes to infinity
    QRT_CHECK(bits(__float2half_rn(std::ldexp(1.0f, -24))) == 0x0001);
    QRT_CHECK(bits(__float2half_rn(std::ldexp(1.0f, -25))) == 0x0000);  // half the smallest subnormal: tie to 0
    QRT_CHECK(bits(__float2half_rn(-std::ldexp(1.0f, -25))) == 0x8000);
    QRT_CHECK(bits(__float2half_rn(std::ldexp(3.0f, -26))) == 0x0001);
    QRT_CHECK(bits(__float2half_rn(-std::numeric_limits<float>::quiet_NaN())) == 0x7FFF);
    QRT_CHECK(bits(__double2half(1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40))) == 0x3C01);  // no double rounding
}

// ---- bfloat16 --------------------------------------------------------------------------------------------------

void test_bfloat16_widening_and_round_trip() {
    int mismatches = 0;
    for (uint32_t code = 0; code < 65536; ++code) {
        const __nv_bfloat16 b = __ushort_as_bfloat16(static_cast<unsigned short>(code));
        const float widened = __bfloat162float(b);
        const double expected = decode(kBf16, code);
        if (std::isnan(expected)) {
            if (!std::isnan(widened) || bits(__float2bfloat16_rn(widened)) != 0x7FFF) ++mismatches;
            continue;
        }
        if (static_cast<double>(widened) != expected || std::signbit(widened) != std::signbit(expected)) ++mismatches;
        if (bits(__float2bfloat16_rn(widened)) != code) ++mismatches;
    }
    QRT_CHECK(mismatches == 0);
}

void test_bfloat16_rounding() {
    const Ladder bf16 = ladder(kBf16);
    int mismatches = 0;
    for (float x : probe_floats(bf16, -140, 127, 2000000)) {
        const uint32_t expected = reference_round(bf16, x, OnOverflow::Infinity, 0x7FFF);
        if (bits(__float2bfloat16_rn(x)) != expected || bits(__float2bfloat16(x)) != expected) {
            if (++mismatches <= 5)
                std::fprintf(stderr, "bf16(%a): %#x, expected %#x\n", x, bits(__float2bfloat16_rn(x)), expected);
        }
    }
    QRT_CHECK(mismatches == 0);
    QRT_CHECK(bits(__float2bfloat16_rn(1.0f)) == 0x3F80);
    QRT_CHECK(bits(__float2bfloat16_rn(1.0f + std::ldexp(1.0f, -8))) == 0x3F80);  // tie to even
    QRT_CHECK(bits(__float2bfloat16_rn(1.0f + 3 * std::ldexp(1.0f, -8))) == 0x3F82);
    QRT_CHECK(bits(__float2bfloat16_rn(std::numeric_limits<float>::max())) == 0x7F80);  // overflows to infinity
    QRT_CHECK(bits(__float2bfloat16_rn(std::numeric_limits<float>::denorm_min())) == 0x0000);
    QRT_CHECK(bits(__float2bfloat16_rn(-std::numeric_limits<float>::quiet_NaN())) == 0x7FFF);

    // __floats2bfloat162_rn(a, b): .x = a, in the low 16 bits of the 32-bit register.
    const __nv_bfloat162 pair = __floats2bfloat162_rn(1.0f, -2.0f);
    uint32_t word;
    static_assert(sizeof pair == 4, "a bfloat162 is one 32-bit register");
    std::memcpy(&word, &pair, sizeof word);
    QRT_CHECK(word == 0xC0003F80u);
    QRT_CHECK(__low2float(pair) == 1.0f && __high2float(pair) == -2.0f);
    const __half2 halves = __floats2half2_rn(1.0f, -2.0f);
    std::memcpy(&word, &halves, sizeof word);
    QRT_CHECK(word == 0xC0003C00u);
}

// ---- Arithmetic: one rounding of the exact result ---------------------------------------------------------------

// Exact values as integers times 2^-scale, for the fused multiply-add reference.
__extension__ typedef __int128 Wide;  // GCC and Clang; -Wpedantic wants it marked

Wide units(double value, int scale) {
    // value * 2^scale is an integer for every operand drawn here; checked.
    const double scaled = std::ldexp(value, scale);
    const Wide result = static_cast<Wide>(scaled);
    if (static_cast<double>(result) != scaled)
        std::fprintf(stderr, "units: %a is not a multiple of 2^-%d\n", value, scale);
    return result;
}

// reference_round on an exact value n * 2^-scale: neighbours found through a double approximation, then compared
// exactly in integers. `steps` is the ladder's values followed by the first value past its largest.
uint32_t reference_round_exact(const Ladder& ladder, const std::vector<double>& steps, Wide n, int scale) {
    const FormatSpec& f = ladder.format;
    if (n == 0) return 0;
    const uint32_t sign = n < 0 ? sign_bit(f) : 0;
    const Wide magnitude = n < 0 ? -n : n;
    const double approx = std::ldexp(static_cast<double>(magnitude), -scale);
    if (approx > 2 * steps.back()) return sign | (ladder.codes.back() + 1);
    const auto upper = std::lower_bound(steps.begin(), steps.end(), approx);
    size_t high = std::min(static_cast<size_t>(upper - steps.begin()), steps.size() - 1);
    // The approximation may be off by one neighbour: step until low <= exact <= high.
    auto as_units = [&](size_t i) { return units(steps[i], scale); };
    while (high + 1 < steps.size() && as_units(high) < magnitude) ++high;
    while (high > 0 && as_units(high - 1) > magnitude) --high;
    auto code_of = [&](size_t i) { return i < ladder.codes.size() ? ladder.codes[i] : ladder.codes.back() + 1; };
    if (as_units(high) <= magnitude || high == 0) return sign | code_of(high);
    const Wide below = magnitude - as_units(high - 1);
    const Wide above = as_units(high) - magnitude;
    if (below < above) return sign | code_of(high - 1);
    if (above < below) return sign | code_of(high);
    return sign | ((code_of(high - 1) & 1u) == 0 ? code_of(high - 1) : code_of(high));
}

std::vector<double> steps_of(const Ladder& ladder) {
    std::vector<double> steps = ladder.values;
    const double max = steps.back();
    steps.push_back(max + (max - steps[steps.size() - 2]));
    return steps;
}

void test_half_arithmetic() {
    const Ladder halves = ladder(kHalf);
    const std::vector<double> steps = steps_of(halves);
    std::mt19937 random(7);
    std::uniform_int_distribution<uint32_t> code(0, 0xFFFF);
    auto draw = [&] {
        uint32_t c;
        do c = code(random);
        while (is_nan_code(kHalf, c) || is_infinity_code(kHalf, c));
        return __ushort_as_half(static_cast<unsigned short>(c));
    };
    int mismatches = 0;
    for (int i = 0; i < 300000; ++i) {
        const __half a = draw();
        const __half b = draw();
        const __half c = draw();
        const double x = __half2float(a);
        const double y = __half2float(b);
        // Sums, differences and products of halves are exact as doubles; a quotient rounded to a double first
        // still rounds correctly to binary16, a double having more than twice its precision plus two bits.
        const bool ok = bits(__hadd(a, b)) == reference_round(halves, x + y, OnOverflow::Infinity, 0x7FFF) &&
                        bits(__hsub(a, b)) == reference_round(halves, x - y, OnOverflow::Infinity, 0x7FFF) &&
                        bits(__hmul(a, b)) == reference_round(halves, x * y, OnOverflow::Infinity, 0x7FFF) &&
                        (y == 0 || bits(__hdiv(a, b)) == reference_round(halves, x / y, OnOverflow::Infinity, 0x7FFF));
        // a * b + c exactly: halves are multiples of 2^-24, their products of 2^-48.
        const Wide exact = units(x, 24) * units(y, 24) + units(__half2float(c), 48);
        const bool fused = exact == 0 ? (bits(__hfma(a, b, c)) & 0x7FFFu) == 0
                                      : bits(__hfma(a, b, c)) == reference_round_exact(halves, steps, exact, 48);
        if (!ok || !fused) {
            if (++mismatches <= 5) std::fprintf(stderr, "half arithmetic on %#x %#x %#x\n", bits(a), bits(b), bits(c));
        }
    }
    QRT_CHECK(mismatches == 0);
    // A fused multiply-add rounds once. (1 + 2^-10) * 2^-11 * (1 - 2^-10) + (1 + 2^-10) = 1 + 3 * 2^-11 - 2^-31:
    // just below the tie between 0x3C01 and 0x3C02, so 0x3C01. A float fma would round it to the tie first, and the
    // tie would then go to the even 0x3C02.
    QRT_CHECK(bits(__hfma(__ushort_as_half(0x3C01), __ushort_as_half(0x0FFE), __ushort_as_half(0x3C01))) == 0x3C01);
    QRT_CHECK(bits(__hneg(__ushort_as_half(0x7E00))) == 0xFE00 && bits(__habs(__ushort_as_half(0x8001))) == 0x0001);
    const __half2 sum = __hadd2(__floats2half2_rn(1.0f, 2.0f), __floats2half2_rn(0.5f, 0.25f));
    QRT_CHECK(__low2float(sum) == 1.5f && __high2float(sum) == 2.25f);
}

void test_bfloat16_arithmetic() {
    const Ladder bf16 = ladder(kBf16);
    const std::vector<double> steps = steps_of(bf16);
    std::mt19937 random(11);
    // Exponents in [-20, 20] keep a * b + c an integer multiple of 2^-70 below 2^100.
    std::uniform_int_distribution<uint32_t> exponent(127 - 20, 127 + 20);
    std::uniform_int_distribution<uint32_t> fraction(0, 127);
    std::uniform_int_distribution<uint32_t> sign(0, 1);
    auto draw = [&] {
        return __ushort_as_bfloat16(
            static_cast<unsigned short>(sign(random) << 15 | exponent(random) << 7 | fraction(random)));
    };
    int mismatches = 0;
    for (int i = 0; i < 300000; ++i) {
        const __nv_bfloat16 a = draw();
        const __nv_bfloat16 b = draw();
        const __nv_bfloat16 c = draw();
        const double x = __bfloat162float(a);
        const double y = __bfloat162float(b);
        const bool ok = bits(__hadd(a, b)) == reference_round(bf16, x + y, OnOverflow::Infinity, 0x7FFF) &&
                        bits(__hsub(a, b)) == reference_round(bf16, x - y, OnOverflow::Infinity, 0x7FFF) &&
                        bits(__hmul(a, b)) == reference_round(bf16, x * y, OnOverflow::Infinity, 0x7FFF) &&
                        bits(__hdiv(a, b)) == reference_round(bf16, x / y, OnOverflow::Infinity, 0x7FFF);
        const Wide exact = units(x, 35) * units(y, 35) + units(__bfloat162float(c), 70);
        const bool fused = exact == 0 ? (bits(__hfma(a, b, c)) & 0x7FFFu) == 0
                                      : bits(__hfma(a, b, c)) == reference_round_exact(bf16, steps, exact, 70);
        if (!ok || !fused) {
            if (++mismatches <= 5) std::fprintf(stderr, "bf16 arithmetic on %#x %#x %#x\n", bits(a), bits(b), bits(c));
        }
    }
    QRT_CHECK(mismatches == 0);
}

// ---- FP8 --------------------------------------------------------------------------------------------------------

void test_fp8_from_float(const FormatSpec& format, __nv_fp8_interpretation_t interpretation) {
    const Ladder values = ladder(format);
    const uint32_t nan_code = 0x7F;
    const OnOverflow unsaturated = format.has_infinity ? OnOverflow::Infinity : OnOverflow::NaN;
    int mismatches = 0;
    for (float x : probe_floats(values, -30, 20, 1000000)) {
        const uint32_t saturated = reference_round(values, x, OnOverflow::Saturate, nan_code);
        const uint32_t plain = reference_round(values, x, unsaturated, nan_code);
        if (__nv_cvt_float_to_fp8(x, __NV_SATFINITE, interpretation) != saturated ||
            __nv_cvt_float_to_fp8(x, __NV_NOSAT, interpretation) != plain ||
            __nv_cvt_double_to_fp8(x, __NV_SATFINITE, interpretation) != saturated) {
            if (++mismatches <= 5) {
                std::fprintf(stderr, "%s(%a): %#x/%#x, expected %#x/%#x\n", format.name, x,
                             __nv_cvt_float_to_fp8(x, __NV_SATFINITE, interpretation),
                             __nv_cvt_float_to_fp8(x, __NV_NOSAT, interpretation), saturated, plain);
            }
        }
    }
    QRT_CHECK(mismatches == 0);

    // Every half and bfloat16 converts as the float of the same value.
    const Ladder halves = ladder(kHalf);
    int half_mismatches = 0;
    for (uint32_t code = 0; code < 65536; ++code) {
        const double value = decode(kHalf, code);
        const uint32_t expected = reference_round(values, value, OnOverflow::Saturate, nan_code);
        if (__nv_cvt_halfraw_to_fp8(__half_raw{static_cast<unsigned short>(code)}, __NV_SATFINITE, interpretation) !=
            expected) {
            ++half_mismatches;
        }
        const double bvalue = decode(kBf16, code);
        const uint32_t bexpected = reference_round(values, bvalue, OnOverflow::Saturate, nan_code);
        if (__nv_cvt_bfloat16raw_to_fp8(__nv_bfloat16_raw{static_cast<unsigned short>(code)}, __NV_SATFINITE,
                                        interpretation) != bexpected) {
            ++half_mismatches;
        }
    }
    QRT_CHECK(half_mismatches == 0);
    (void)halves;
}

void test_e4m3_landmarks() {
    // ptx-semantics.md §8.1 and §8.3, written out.
    QRT_CHECK(__nv_cvt_float_to_fp8(1.0f, __NV_SATFINITE, __NV_E4M3) == 0x38);
    QRT_CHECK(__nv_cvt_float_to_fp8(448.0f, __NV_SATFINITE, __NV_E4M3) == 0x7E);
    QRT_CHECK(__nv_cvt_float_to_fp8(464.0f, __NV_NOSAT, __NV_E4M3) == 0x7E);     // the tie goes to the even 0x7E
    QRT_CHECK(__nv_cvt_float_to_fp8(464.0001f, __NV_NOSAT, __NV_E4M3) == 0x7F);  // past it: NaN without saturation
    QRT_CHECK(__nv_cvt_float_to_fp8(464.0001f, __NV_SATFINITE, __NV_E4M3) == 0x7E);
    QRT_CHECK(__nv_cvt_float_to_fp8(-1e9f, __NV_SATFINITE, __NV_E4M3) == 0xFE);
    QRT_CHECK(__nv_cvt_float_to_fp8(-INFINITY, __NV_SATFINITE, __NV_E4M3) == 0xFE);
    QRT_CHECK(__nv_cvt_float_to_fp8(-500.0f, __NV_NOSAT, __NV_E4M3) == 0xFF);
    QRT_CHECK(__nv_cvt_float_to_fp8(std::ldexp(1.0f, -9), __NV_SATFINITE, __NV_E4M3) == 0x01);
    QRT_CHECK(__nv_cvt_float_to_fp8(std::ldexp(1.0f, -10), __NV_SATFINITE, __NV_E4M3) == 0x00);
    QRT_CHECK(__nv_cvt_float_to_fp8(-std::ldexp(1.0f, -10), __NV_SATFINITE, __NV_E4M3) == 0x80);
    QRT_CHECK(__nv_cvt_float_to_fp8(-NAN, __NV_SATFINITE, __NV_E4M3) == 0x7F);
    QRT_CHECK(__nv_cvt_float_to_fp8(57344.0f, __NV_SATFINITE, __NV_E5M2) == 0x7B);
    QRT_CHECK(__nv_cvt_float_to_fp8(61440.0f, __NV_NOSAT, __NV_E5M2) == 0x7C);  // tie to the even code: infinity
    QRT_CHECK(__nv_cvt_float_to_fp8(61440.0f, __NV_SATFINITE, __NV_E5M2) == 0x7B);

    // Pairs: .x in the low byte.
    QRT_CHECK(__nv_cvt_float2_to_fp8x2(make_float2(1.0f, -2.0f), __NV_SATFINITE, __NV_E4M3) == 0xC038);
    const __half2_raw widened = __nv_cvt_fp8x2_to_halfraw2(0xC038, __NV_E4M3);
    QRT_CHECK(widened.x == 0x3C00 && widened.y == 0xC000);

    // The type's constructors saturate; its conversions are exact.
    QRT_CHECK(__nv_fp8_e4m3(1000.0f).__x == 0x7E && __nv_fp8_e4m3(-1000.0).__x == 0xFE);
    QRT_CHECK(__nv_fp8_e4m3(__float2half_rn(-3.0f)).__x == 0xC4);
    QRT_CHECK(__nv_fp8_e4m3(__float2bfloat16_rn(0.5f)).__x == 0x30);
    QRT_CHECK(static_cast<float>(__nv_fp8_e4m3(0.3f)) == 0.3125f);
    const __nv_fp8x2_e4m3 pair(make_float2(2.0f, 0.5f));
    QRT_CHECK(pair.__x == 0x3040);
    QRT_CHECK(static_cast<float2>(pair).x == 2.0f && static_cast<float2>(pair).y == 0.5f);
}

void test_fp8_to_half() {
    for (const auto& [format, interpretation] : {std::pair{kE4M3, __NV_E4M3}, std::pair{kE5M2, __NV_E5M2}}) {
        int mismatches = 0;
        for (uint32_t code = 0; code < 256; ++code) {
            const __nv_fp8_storage_t storage = static_cast<__nv_fp8_storage_t>(code);
            const unsigned short half_bits = __nv_cvt_fp8_to_halfraw(storage, interpretation).x;
            const double expected = decode(format, code);
            if (std::isnan(expected)) {
                if (half_bits != 0x7FFF) ++mismatches;  // the canonical half NaN, sign dropped
                continue;
            }
            const double got = decode(kHalf, half_bits);
            if (got != expected || std::signbit(got) != std::signbit(expected)) ++mismatches;
        }
        QRT_CHECK(mismatches == 0);
    }
    int round_trips = 0;
    for (uint32_t code = 0; code < 256; ++code) {
        if (is_nan_code(kE4M3, code)) continue;
        __nv_fp8_e4m3 value;
        value.__x = static_cast<__nv_fp8_storage_t>(code);
        if (__nv_fp8_e4m3(static_cast<float>(value)).__x == code) ++round_trips;
    }
    QRT_CHECK(round_trips == 254);
}

}  // namespace

int main() {
    test_half_widening_and_round_trip();
    test_half_rounding();
    test_bfloat16_widening_and_round_trip();
    test_bfloat16_rounding();
    test_half_arithmetic();
    test_bfloat16_arithmetic();
    test_fp8_from_float(kE4M3, __NV_E4M3);
    test_fp8_from_float(kE5M2, __NV_E5M2);
    test_e4m3_landmarks();
    test_fp8_to_half();
    return finish("test_emulator_float_types");
}
