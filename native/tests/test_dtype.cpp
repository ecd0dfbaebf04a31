// Conversions between FP32 and the 16- and 8-bit float formats, run through qrt_copy and checked against
// the formats' definitions: every code of every format decoded, and FP32 values encoded to the code that
// a search over the format's list of values finds nearest (ties to the even code, NaN stays NaN).
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "test_util.h"

using namespace qrt_test;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A binary floating-point format: a sign bit, exponent_bits of biased exponent, mantissa_bits of
// fraction; exponent 0 holds the subnormals. IEEE formats (F16, BF16) give the top exponent to the
// infinities and NaNs and round overflow to infinity. e4m3fn has no infinities: its top exponent holds
// normal numbers up to 448 except S.1111.111, the NaN, and conversion to it saturates at ±448.
struct Format {
    const char* name;
    qrt_dtype dtype;
    int exponent_bits;
    int mantissa_bits;
    int bias;
    bool ieee;

    int bits() const { return 1 + exponent_bits + mantissa_bits; }
    uint32_t sign_bit() const { return 1u << (exponent_bits + mantissa_bits); }
    uint32_t code_count() const { return 1u << bits(); }
    uint32_t top_exponent() const { return (1u << exponent_bits) - 1; }
    uint32_t mantissa_mask() const { return (1u << mantissa_bits) - 1; }
};

const Format kBF16{"BF16", QRT_DTYPE_BF16, 8, 7, 127, true};
const Format kF16{"F16", QRT_DTYPE_F16, 5, 10, 15, true};
const Format kF8{"F8_E4M3", QRT_DTYPE_F8_E4M3, 4, 3, 7, false};
const Format* const kFormats[] = {&kBF16, &kF16, &kF8};

// The value of a code, from the definition of its format.
double decode(const Format& format, uint32_t code) {
    const bool negative = (code & format.sign_bit()) != 0;
    const uint32_t exponent = (code >> format.mantissa_bits) & format.top_exponent();
    const uint32_t mantissa = code & format.mantissa_mask();
    double magnitude;
    if (format.ieee && exponent == format.top_exponent()) {
        magnitude = mantissa == 0 ? kInf : std::nan("");
    } else if (!format.ieee && exponent == format.top_exponent() && mantissa == format.mantissa_mask()) {
        magnitude = std::nan("");
    } else if (exponent == 0) {
        magnitude = std::ldexp(mantissa, 1 - format.bias - format.mantissa_bits);
    } else {
        magnitude = std::ldexp((1u << format.mantissa_bits) + mantissa,
                               static_cast<int>(exponent) - format.bias - format.mantissa_bits);
    }
    return negative ? -magnitude : magnitude;
}

bool is_nan_code(const Format& format, uint32_t code) { return std::isnan(decode(format, code)); }

uint32_t float_bits(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, 4);
    return bits;
}

float bits_float(uint32_t bits) {
    float value;
    std::memcpy(&value, &bits, 4);
    return value;
}

// The non-negative finite values of a format in increasing order, with their codes. An IEEE format gets
// one more entry for infinity, where the next binade would begin (the largest value plus one unit):
// IEEE rounding treats overflow as if the exponent range went on, so a value at least halfway past the
// largest finite one rounds to infinity, whose code is even.
struct CodeList {
    std::vector<double> values;
    std::vector<uint32_t> codes;
};

CodeList non_negative_codes(const Format& format) {
    std::vector<std::pair<double, uint32_t>> entries;
    for (uint32_t code = 0; code < format.sign_bit(); ++code) {
        const double value = decode(format, code);
        if (std::isfinite(value)) entries.emplace_back(value, code);
    }
    std::sort(entries.begin(), entries.end());
    CodeList list;
    for (const auto& entry : entries) {
        list.values.push_back(entry.first);
        list.codes.push_back(entry.second);
    }
    if (format.ieee) {
        const size_t last = list.values.size() - 1;
        list.values.push_back(2 * list.values[last] - list.values[last - 1]);
        list.codes.push_back(format.top_exponent() << format.mantissa_bits);
    }
    return list;
}

// The code nearest to value by searching the list (ties to the even code), carrying value's sign. Values
// past the list's end take its last code: infinity for IEEE formats, the saturated ±448 for e4m3fn.
// NaN has no nearest code; callers check NaN separately.
uint32_t nearest_code(const Format& format, const CodeList& list, float value) {
    const uint32_t sign = std::signbit(value) ? format.sign_bit() : 0;
    const double magnitude = std::fabs(static_cast<double>(value));
    if (magnitude >= list.values.back()) return sign | list.codes.back();
    const size_t above =
        static_cast<size_t>(std::upper_bound(list.values.begin(), list.values.end(), magnitude) - list.values.begin());
    const size_t below = above - 1;
    const double distance_below = magnitude - list.values[below];
    const double distance_above = list.values[above] - magnitude;
    size_t nearest;
    if (distance_below != distance_above) {
        nearest = distance_below < distance_above ? below : above;
    } else {
        nearest = list.codes[below] % 2 == 0 ? below : above;
    }
    return sign | list.codes[nearest];
}

// Storage for a vector of codes of a format, in the format's width.
std::vector<unsigned char> pack(const Format& format, const std::vector<uint32_t>& codes) {
    const size_t width = static_cast<size_t>(format.bits() / 8);
    std::vector<unsigned char> bytes(codes.size() * width);
    for (size_t i = 0; i < codes.size(); ++i) {
        if (width == 1) {
            bytes[i] = static_cast<unsigned char>(codes[i]);
        } else {
            const uint16_t code = static_cast<uint16_t>(codes[i]);
            std::memcpy(&bytes[2 * i], &code, 2);
        }
    }
    return bytes;
}

std::vector<uint32_t> unpack(const Format& format, const std::vector<unsigned char>& bytes) {
    const size_t width = static_cast<size_t>(format.bits() / 8);
    std::vector<uint32_t> codes(bytes.size() / width);
    for (size_t i = 0; i < codes.size(); ++i) {
        if (width == 1) {
            codes[i] = bytes[i];
        } else {
            uint16_t code;
            std::memcpy(&code, &bytes[2 * i], 2);
            codes[i] = code;
        }
    }
    return codes;
}

void copy_contiguous(qrt_stream* stream, void* src, qrt_dtype src_dtype, void* dst, qrt_dtype dst_dtype, size_t count) {
    qrt_tensor source = tensor(src, src_dtype, {static_cast<int64_t>(count)});
    qrt_tensor target = tensor(dst, dst_dtype, {static_cast<int64_t>(count)});
    QRT_CHECK_OK(qrt_copy(stream, &source, &target));
}

void report_mismatch(int& reported, const char* what, double input, uint32_t actual, uint32_t expected) {
    ++failures();
    if (++reported <= 10) {
        std::fprintf(stderr, "%s: %.17g gave 0x%x, expected 0x%x\n", what, input, actual, expected);
    }
}

// Every code widened to F32: the exact value, or a NaN with the code's sign.
void test_decoding(qrt_stream* stream, const Format& format) {
    std::vector<uint32_t> codes(format.code_count());
    for (uint32_t code = 0; code < format.code_count(); ++code) codes[code] = code;
    std::vector<unsigned char> src = pack(format, codes);
    std::vector<float> dst(codes.size());
    copy_contiguous(stream, src.data(), format.dtype, dst.data(), QRT_DTYPE_F32, codes.size());

    int reported = 0;
    for (uint32_t code : codes) {
        const double expected = decode(format, code);
        const float actual = dst[code];
        const bool negative = (code & format.sign_bit()) != 0;
        const bool matches = std::isnan(expected) ? std::isnan(actual) && std::signbit(actual) == negative
                                                  : float_bits(actual) == float_bits(static_cast<float>(expected));
        if (!matches)
            report_mismatch(reported, format.name, code, float_bits(actual), float_bits(static_cast<float>(expected)));
    }
}

// FP32 inputs that probe every part of a format's rounding.
std::vector<float> encoding_probes(const Format& format, const CodeList& list, Random& random) {
    std::vector<float> probes;
    // Every FP32 exponent, infinities and NaNs included: random bit patterns.
    for (int i = 0; i < 100000; ++i) probes.push_back(bits_float(static_cast<uint32_t>(random.engine()())));
    // Dense over the format's own range, from well below its smallest subnormal to past its largest value.
    const int lowest = 1 - format.bias - format.mantissa_bits - 3;
    const int highest = static_cast<int>(format.top_exponent()) - format.bias + 2;
    std::uniform_real_distribution<double> significand(1.0, 2.0);
    for (int i = 0; i < 100000; ++i) {
        const double magnitude = std::ldexp(significand(random.engine()), random.integer(lowest, highest));
        probes.push_back(static_cast<float>(random.integer(0, 1) ? -magnitude : magnitude));
    }
    // Every exact tie between neighbouring values, and the floats either side of it.
    for (size_t i = 0; i + 1 < list.values.size(); ++i) {
        const double midpoint = (list.values[i] + list.values[i + 1]) / 2;
        const float tie = static_cast<float>(midpoint);
        QRT_CHECK(static_cast<double>(tie) == midpoint);
        for (float probe : {tie, std::nextafter(tie, 0.0f), std::nextafter(tie, FLT_MAX)}) {
            probes.push_back(probe);
            probes.push_back(-probe);
        }
    }
    // Hand-picked edges: zeros, NaNs, infinities, FP32 extremes, and each format's ties, overflow
    // thresholds and smallest subnormals.
    const float hand_picked[] = {
        0.0f,
        -0.0f,
        std::nanf(""),
        -std::nanf(""),
        bits_float(0x7f800001u),
        bits_float(0xffc00001u),
        INFINITY,
        -INFINITY,
        FLT_MAX,
        -FLT_MAX,
        FLT_MIN,
        FLT_TRUE_MIN,
        -FLT_TRUE_MIN,
        1e30f,
        -1e30f,
        // BF16: ties at 1 + 2^-8 (down to 1) and 1 + 3·2^-8 (up); the largest value; subnormals.
        1.00390625f,
        1.01171875f,
        bits_float(0x7f7f0000u),
        bits_float(0x7f7f8000u),
        bits_float(0x7f7f7fffu),
        std::ldexp(1.0f, -133),
        std::ldexp(1.0f, -134),
        std::nextafter(std::ldexp(1.0f, -134), 1.0f),
        // F16: largest 65504; 65520 is halfway to the next binade and rounds to infinity.
        65504.0f,
        65519.0f,
        std::nextafter(65520.0f, 0.0f),
        65520.0f,
        65536.0f,
        1e5f,
        -65520.0f,
        -65519.99f,
        std::ldexp(1.0f, -24),
        std::ldexp(1.0f, -25),
        std::nextafter(std::ldexp(1.0f, -25), 1.0f),
        std::ldexp(1.0f, -14),
        std::ldexp(1.0f, -14) - std::ldexp(1.0f, -25),
        1.00048828125f,
        1.00146484375f,
        // F8: largest 448; 464 is halfway to 480, which does not exist: everything beyond saturates.
        448.0f,
        449.0f,
        std::nextafter(464.0f, 0.0f),
        464.0f,
        465.0f,
        480.0f,
        -500.0f,
        1e9f,
        std::ldexp(1.0f, -9),
        std::ldexp(1.0f, -10),
        std::nextafter(std::ldexp(1.0f, -10), 1.0f),
        std::ldexp(1.0f, -6),
        1.0625f,
        1.1875f,
        0.0137f,
        -0.0137f,
    };
    probes.insert(probes.end(), std::begin(hand_picked), std::end(hand_picked));
    return probes;
}

// FP32 rounded to the format: the nearest code, ties to even; NaN to a NaN of the same sign.
void test_encoding(qrt_stream* stream, const Format& format, Random& random) {
    const CodeList list = non_negative_codes(format);
    std::vector<float> probes = encoding_probes(format, list, random);
    std::vector<unsigned char> dst(probes.size() * static_cast<size_t>(format.bits() / 8));
    copy_contiguous(stream, probes.data(), QRT_DTYPE_F32, dst.data(), format.dtype, probes.size());
    const std::vector<uint32_t> codes = unpack(format, dst);

    int reported = 0;
    for (size_t i = 0; i < probes.size(); ++i) {
        const uint32_t sign = std::signbit(probes[i]) ? format.sign_bit() : 0;
        if (std::isnan(probes[i])) {
            if (!is_nan_code(format, codes[i]) || (codes[i] & format.sign_bit()) != sign) {
                report_mismatch(reported, format.name, probes[i], codes[i], sign | (format.code_count() / 2 - 1));
            }
            continue;
        }
        const uint32_t expected = nearest_code(format, list, probes[i]);
        if (codes[i] != expected) report_mismatch(reported, format.name, probes[i], codes[i], expected);
    }
}

// Between two narrow formats every value goes through FP32, where each is exact: every code of `from`
// must land on the code of `to` nearest to its value, and a format copied to itself keeps every code.
void test_format_to_format(qrt_stream* stream, const Format& from, const Format& to) {
    const CodeList list = non_negative_codes(to);
    std::vector<uint32_t> codes(from.code_count());
    for (uint32_t code = 0; code < from.code_count(); ++code) codes[code] = code;
    std::vector<unsigned char> src = pack(from, codes);
    std::vector<unsigned char> dst(codes.size() * static_cast<size_t>(to.bits() / 8));
    copy_contiguous(stream, src.data(), from.dtype, dst.data(), to.dtype, codes.size());
    const std::vector<uint32_t> converted = unpack(to, dst);

    int reported = 0;
    for (uint32_t code : codes) {
        const double value = decode(from, code);
        uint32_t expected;
        if (&from == &to) {
            expected = code;
        } else if (std::isnan(value)) {
            const uint32_t sign = (code & from.sign_bit()) != 0 ? to.sign_bit() : 0;
            if (!is_nan_code(to, converted[code]) || (converted[code] & to.sign_bit()) != sign) {
                report_mismatch(reported, from.name, value, converted[code], sign | (to.code_count() / 2 - 1));
            }
            continue;
        } else {
            expected = nearest_code(to, list, static_cast<float>(value));
        }
        if (converted[code] != expected) report_mismatch(reported, to.name, value, converted[code], expected);
    }
}

}  // namespace

int main() {
    CpuStream stream;
    Random random(20240611);
    for (const Format* format : kFormats) {
        test_decoding(stream, *format);
        test_encoding(stream, *format, random);
        for (const Format* other : kFormats) test_format_to_format(stream, *format, *other);
    }
    return finish("test_dtype");
}
