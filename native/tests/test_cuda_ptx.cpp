// Conformance of the PTX wrappers (cuda/ptx.cuh) and the warp intrinsics: every kernel in cuda_ptx_kernels.cu runs
// with lane-dependent inputs, and each lane's registers are checked against values this file works out from the PTX
// ISA's tables (fragment layouts, ldmatrix's distribution, cp.async's zero-fill and groups, lop3's truth table,
// prmt's selectors, shfl.sync's segment rules), never from the emulator's code. The same program, built by nvcc, is
// what a GPU run executes: there a pass shows the emulator and the hardware agree. Exits 77 without a device.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "cuda_ptx_kernels.h"
#include "test_formats.h"
#include "test_util.h"

using namespace qrt_ptx_test;
using qrt_test::Random;
using qrt_test::from_bf16;
using qrt_test::from_f16;
using qrt_test::to_bf16;
using qrt_test::to_f16;

namespace {

// lane = 4 g + t: g is the ISA's groupID, t its threadID_in_group.
int group_of(int lane) { return lane >> 2; }
int thread_in_group(int lane) { return lane & 3; }

uint32_t pack16(uint16_t low, uint16_t high) { return static_cast<uint32_t>(low) | static_cast<uint32_t>(high) << 16; }
uint32_t pack8(uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3) {
    return static_cast<uint32_t>(b0) | static_cast<uint32_t>(b1) << 8 | static_cast<uint32_t>(b2) << 16 |
           static_cast<uint32_t>(b3) << 24;
}

uint32_t float_bits(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}
float bits_float(uint32_t bits) {
    float value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}

// ---- Exact encodings of the test values --------------------------------------------------------------------------
// Every test value is exactly representable in its type; these encoders refuse anything else.

uint16_t bf16_of(double value) {
    const float narrowed = static_cast<float>(value);
    const uint32_t bits = float_bits(narrowed);
    if (static_cast<double>(narrowed) != value || (bits & 0xFFFFu) != 0) {
        std::fprintf(stderr, "test bug: %g is not a bf16 value\n", value);
        std::abort();
    }
    return static_cast<uint16_t>(bits >> 16);
}

// IEEE binary16: 1 sign, 5 exponent bits (bias 15), 10 fraction bits; subnormals are m * 2^-24.
uint16_t f16_of(double value) {
    const uint16_t sign = std::signbit(value) ? 0x8000 : 0;
    const double magnitude = std::fabs(value);
    if (magnitude == 0.0) return sign;
    int exponent;
    std::frexp(magnitude, &exponent);  // magnitude = f * 2^exponent, f in [0.5, 1)
    const int biased = exponent - 1 + 15;
    double fraction;
    uint16_t bits;
    if (biased <= 0) {
        fraction = std::ldexp(magnitude, 24);  // a subnormal: m * 2^-24
        bits = static_cast<uint16_t>(fraction);
    } else {
        fraction = std::ldexp(magnitude, 10 - (exponent - 1)) - 1024.0;  // the 10 fraction bits
        bits = static_cast<uint16_t>(biased << 10 | static_cast<int>(fraction));
    }
    if (biased >= 31 || fraction != std::floor(fraction)) {
        std::fprintf(stderr, "test bug: %g is not an f16 value\n", value);
        std::abort();
    }
    return static_cast<uint16_t>(sign | bits);
}

// e4m3 (PTX ISA "Alternate floating point data formats"): bias 7, 3 mantissa bits, subnormals m * 2^-9, no infinity,
// S.1111.111 is NaN, the largest finite value is 448.
double e4m3_value(uint8_t code) {
    const int exponent = code >> 3 & 0xF;
    const int mantissa = code & 7;
    if (exponent == 0xF && mantissa == 7) return std::numeric_limits<double>::quiet_NaN();
    const double magnitude = exponent == 0 ? std::ldexp(mantissa, -9) : std::ldexp(8 + mantissa, exponent - 10);
    return (code & 0x80) ? -magnitude : magnitude;
}

uint8_t e4m3_of(double value) {
    for (int code = 0; code < 256; ++code) {
        if (e4m3_value(static_cast<uint8_t>(code)) == value && std::signbit(e4m3_value(static_cast<uint8_t>(code))) ==
                                                                    std::signbit(value)) {
            return static_cast<uint8_t>(code);
        }
    }
    std::fprintf(stderr, "test bug: %g is not an e4m3 value\n", value);
    std::abort();
}

// ---- mma fragments, register by register from the ISA's tables -----------------------------------------------------

// Real-valued tiles: A is 16 x K, B is K x 8, C is 16 x 8.
struct Tiles {
    int k;
    std::vector<double> a;  // [16][k]
    std::vector<double> b;  // [k][8]
    std::vector<double> c;  // [16][8]
    double& at_a(int m, int kk) { return a[static_cast<size_t>(m * k + kk)]; }
    double& at_b(int kk, int n) { return b[static_cast<size_t>(kk * 8 + n)]; }
    double& at_c(int m, int n) { return c[static_cast<size_t>(m * 8 + n)]; }
};

Tiles zero_tiles(int k) {
    return Tiles{k, std::vector<double>(static_cast<size_t>(16 * k)), std::vector<double>(static_cast<size_t>(k * 8)),
                 std::vector<double>(16 * 8)};
}

// m16n8k16 (f16 and bf16), "Matrix fragments for mma.m16n8k16 with floating point type":
//   a0 = {A[g][2t], A[g][2t+1]}, a1 = {A[g+8][2t], ..}, a2 = {A[g][2t+8], A[g][2t+9]}, a3 = {A[g+8][2t+8], ..}
//   b0 = {B[2t][g], B[2t+1][g]}, b1 = {B[2t+8][g], B[2t+9][g]}
template <class Encode>
void fragments_k16(Tiles& tiles, Encode encode, LaneWords& a, LaneWords& b) {
    a.clear();
    b.clear();
    for (int lane = 0; lane < kLanes; ++lane) {
        const int g = group_of(lane), t = thread_in_group(lane);
        a.push_back(pack16(encode(tiles.at_a(g, 2 * t)), encode(tiles.at_a(g, 2 * t + 1))));
        a.push_back(pack16(encode(tiles.at_a(g + 8, 2 * t)), encode(tiles.at_a(g + 8, 2 * t + 1))));
        a.push_back(pack16(encode(tiles.at_a(g, 2 * t + 8)), encode(tiles.at_a(g, 2 * t + 9))));
        a.push_back(pack16(encode(tiles.at_a(g + 8, 2 * t + 8)), encode(tiles.at_a(g + 8, 2 * t + 9))));
        b.push_back(pack16(encode(tiles.at_b(2 * t, g)), encode(tiles.at_b(2 * t + 1, g))));
        b.push_back(pack16(encode(tiles.at_b(2 * t + 8, g)), encode(tiles.at_b(2 * t + 9, g))));
    }
}

// m16n8k32 (s8 and e4m3), "Matrix fragments for mma.m16n8k32": byte q of each register is column (row) +q:
//   a0 = A[g][4t..4t+3], a1 = A[g+8][4t..4t+3], a2 = A[g][4t+16..4t+19], a3 = A[g+8][4t+16..4t+19]
//   b0 = B[4t..4t+3][g], b1 = B[4t+16..4t+19][g]
template <class Encode>
void fragments_k32(Tiles& tiles, Encode encode, LaneWords& a, LaneWords& b) {
    a.clear();
    b.clear();
    for (int lane = 0; lane < kLanes; ++lane) {
        const int g = group_of(lane), t = thread_in_group(lane);
        auto row_bytes = [&](int m, int k0) {
            return pack8(encode(tiles.at_a(m, k0)), encode(tiles.at_a(m, k0 + 1)), encode(tiles.at_a(m, k0 + 2)),
                         encode(tiles.at_a(m, k0 + 3)));
        };
        auto column_bytes = [&](int k0, int n) {
            return pack8(encode(tiles.at_b(k0, n)), encode(tiles.at_b(k0 + 1, n)), encode(tiles.at_b(k0 + 2, n)),
                         encode(tiles.at_b(k0 + 3, n)));
        };
        a.push_back(row_bytes(g, 4 * t));
        a.push_back(row_bytes(g + 8, 4 * t));
        a.push_back(row_bytes(g, 4 * t + 16));
        a.push_back(row_bytes(g + 8, 4 * t + 16));
        b.push_back(column_bytes(4 * t, g));
        b.push_back(column_bytes(4 * t + 16, g));
    }
}

// C/D with 32-bit elements: c0 = C[g][2t], c1 = C[g][2t+1], c2 = C[g+8][2t], c3 = C[g+8][2t+1].
template <class Element>
LaneWords accumulator_fragments(Element element) {
    LaneWords words;
    for (int lane = 0; lane < kLanes; ++lane) {
        const int g = group_of(lane), t = thread_in_group(lane);
        words.push_back(element(g, 2 * t));
        words.push_back(element(g, 2 * t + 1));
        words.push_back(element(g + 8, 2 * t));
        words.push_back(element(g + 8, 2 * t + 1));
    }
    return words;
}

// The exact C + A B for element (m, n). The test values keep every partial sum exact in double.
double exact_product(Tiles& tiles, int m, int n) {
    double sum = tiles.at_c(m, n);
    for (int k = 0; k < tiles.k; ++k) sum += tiles.at_a(m, k) * tiles.at_b(k, n);
    return sum;
}

// Checks every lane's D registers against the exact result rounded to f32 (NaN where it is NaN).
void check_float_d(const char* what, Tiles& tiles, const LaneWords& d) {
    const LaneWords expected =
        accumulator_fragments([&](int m, int n) { return float_bits(static_cast<float>(exact_product(tiles, m, n))); });
    int mismatches = 0;
    for (size_t i = 0; i < d.size(); ++i) {
        const bool both_nan = std::isnan(bits_float(d[i])) && std::isnan(bits_float(expected[i]));
        if (d[i] != expected[i] && !both_nan && mismatches++ < 8) {
            std::fprintf(stderr, "%s: lane %zu register %zu: got %.9g (0x%08x), expected %.9g\n", what, i / 4, i % 4,
                         bits_float(d[i]), d[i], bits_float(expected[i]));
        }
    }
    QRT_CHECK(mismatches == 0);
}

// A value of the form integer * 2^-scale with |integer| <= limit.
double grid_value(Random& random, int limit, int scale) { return std::ldexp(random.integer(-limit, limit), -scale); }

// bf16 and f16: A, B in multiples of 1/4 up to 2, C in multiples of 1/16 up to 4. Every sum is a multiple of 1/16
// below 2^7, exact in f32, so any accumulation order and truncation gives these bits: the case checks the layouts.
Tiles random_half_tiles(Random& random) {
    Tiles tiles = zero_tiles(16);
    for (double& v : tiles.a) v = grid_value(random, 8, 2);
    for (double& v : tiles.b) v = grid_value(random, 8, 2);
    for (double& v : tiles.c) v = grid_value(random, 64, 4);
    return tiles;
}

void test_mma_half(MmaKind kind, const char* name, Random& random) {
    auto encode = [kind](double v) { return kind == MmaKind::BF16 ? bf16_of(v) : f16_of(v); };
    LaneWords a, b;

    Tiles tiles = random_half_tiles(random);
    fragments_k16(tiles, encode, a, b);
    LaneWords c = accumulator_fragments([&](int m, int n) { return float_bits(static_cast<float>(tiles.at_c(m, n))); });
    check_float_d(name, tiles, run_mma(kind, a, b, c));

    // Rows 0 and 9 make the products 2^22, 2^-2 and -2^22 at k = 0, 1, 2 (C = 0). Exactly, that is 0.25; adding them
    // one by one in f32 loses the 0.25 (2^22 + 0.25 is a tie that rounds to 2^22) and gives 0. Any GPU keeps at
    // least 24 bits below the largest product of a block (A100: 8 products, H100: 16; ptx-semantics.md §9.2), so the
    // hardware gives 0.25 as well; the emulator sums exactly.
    Tiles cancelling = random_half_tiles(random);
    for (int m : {0, 9}) {
        for (int k = 0; k < 16; ++k) cancelling.at_a(m, k) = 0.0;
        cancelling.at_a(m, 0) = 2048.0;
        cancelling.at_a(m, 1) = 0.5;
        cancelling.at_a(m, 2) = -2048.0;
        for (int n = 0; n < 8; ++n) cancelling.at_c(m, n) = 0.0;
    }
    for (int n = 0; n < 8; ++n) {
        cancelling.at_b(0, n) = 2048.0;
        cancelling.at_b(1, n) = 0.5;
        cancelling.at_b(2, n) = 2048.0;
    }
    float naive = 0.0f;
    for (int k = 0; k < 3; ++k) naive += static_cast<float>(cancelling.at_a(0, k) * cancelling.at_b(k, 0));
    QRT_CHECK(naive == 0.0f && exact_product(cancelling, 0, 0) == 0.25);  // the case is what it claims to be
    fragments_k16(cancelling, encode, a, b);
    c = accumulator_fragments([&](int m, int n) { return float_bits(static_cast<float>(cancelling.at_c(m, n))); });
    check_float_d(name, cancelling, run_mma(kind, a, b, c));

    // C = 1 plus products 2^-24 and 2^-30: the exact sum 1 + 2^-24 + 2^-30 lies above the midpoint between 1 and
    // 1 + 2^-23, so rounding it once gives 1 + 2^-23. The ISA leaves the rounding open and GPUs truncate (giving 1);
    // the emulator documents single rounding, asserted only there. On a GPU the result is printed for the record.
    Tiles rounding = zero_tiles(16);
    rounding.at_a(0, 3) = std::ldexp(1.0, -12);
    rounding.at_b(3, 0) = std::ldexp(1.0, -12);
    rounding.at_a(0, 7) = std::ldexp(1.0, -15);
    rounding.at_b(7, 0) = std::ldexp(1.0, -15);
    rounding.at_c(0, 0) = 1.0;
    fragments_k16(rounding, encode, a, b);
    c = accumulator_fragments([&](int m, int n) { return float_bits(static_cast<float>(rounding.at_c(m, n))); });
    const LaneWords d = run_mma(kind, a, b, c);
    const float element = bits_float(d[0]);  // lane 0's c0 is D[0][0]
    if (built_for_emulator()) {
        QRT_CHECK(element == 1.0f + std::ldexp(1.0f, -23));
    } else {
        std::printf("%s: 1 + 2^-24 + 2^-30 accumulates to 1 + %g * 2^-23 on this device\n", name,
                    std::ldexp(element - 1.0f, 23));
    }
}

// s8: exact integers, and .satfinite. Rows 0 and 8 drive columns 0-3 past the int32 range with products of one sign
// only (so clamping partial sums or the final sum cannot differ): C = INT32_MAX - 100 plus 32 * 127 * 127, and
// C = INT32_MIN + 100 plus 32 * (-128) * 127. Wrapping instead of clamping would give the opposite sign.
void test_mma_s8(Random& random) {
    Tiles tiles = zero_tiles(32);
    for (double& v : tiles.a) v = random.integer(-128, 127);
    for (double& v : tiles.b) v = random.integer(-128, 127);
    for (double& v : tiles.c) v = random.integer(-100000, 100000);
    auto encode = [](double v) { return static_cast<uint8_t>(static_cast<int8_t>(v)); };
    LaneWords a, b;
    fragments_k32(tiles, encode, a, b);
    auto c_of = [&](int m, int n) { return static_cast<uint32_t>(static_cast<int32_t>(tiles.at_c(m, n))); };
    auto expected_of = [&](int m, int n) {
        const double exact = exact_product(tiles, m, n);
        const double clamped = std::min<double>(std::max<double>(exact, INT32_MIN), INT32_MAX);
        return static_cast<uint32_t>(static_cast<int32_t>(clamped));
    };
    QRT_CHECK(run_mma(MmaKind::S8, a, b, accumulator_fragments(c_of)) == accumulator_fragments(expected_of));

    for (int k = 0; k < 32; ++k) {
        tiles.at_a(0, k) = 127;
        tiles.at_a(8, k) = -128;
        for (int n = 0; n < 4; ++n) tiles.at_b(k, n) = 127;
    }
    for (int n = 0; n < 4; ++n) {
        tiles.at_c(0, n) = INT32_MAX - 100;
        tiles.at_c(8, n) = INT32_MIN + 100;
    }
    fragments_k32(tiles, encode, a, b);
    const LaneWords d = run_mma(MmaKind::S8, a, b, accumulator_fragments(c_of));
    QRT_CHECK(d == accumulator_fragments(expected_of));
    QRT_CHECK(static_cast<int32_t>(d[0]) == INT32_MAX);       // lane 0, c0 = D[0][0]
    QRT_CHECK(static_cast<int32_t>(d[2]) == INT32_MIN);       // lane 0, c2 = D[8][0]
}

// e4m3: A and B from {0, +-0.5, +-1, +-1.5, +-2}, C multiples of 1/4 up to 16; every sum is a multiple of 1/4 below
// 2^8, which survives even the ~13-bit FP8 accumulation of Ada and Hopper. Row 13 carries a subnormal (0x01 = 2^-9),
// row 14 the largest finite value 448 (0x7E), row 15 a NaN (0x7F), which makes that row's D NaN.
void test_mma_e4m3(Random& random) {
    const double choices[] = {0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -1.5, 2.0, -2.0};
    Tiles tiles = zero_tiles(32);
    for (double& v : tiles.a) v = choices[random.integer(0, 8)];
    for (double& v : tiles.b) v = choices[random.integer(0, 8)];
    for (double& v : tiles.c) v = grid_value(random, 64, 2);
    for (int k = 0; k < 32; ++k) {
        tiles.at_a(13, k) = 0.0;
        tiles.at_a(14, k) = 0.0;
    }
    tiles.at_a(13, 5) = std::ldexp(1.0, -9);
    for (int n = 0; n < 8; ++n) {
        tiles.at_c(13, n) = 0.0;
        tiles.at_b(5, n) = 2.0;
        tiles.at_b(0, n) = 0.5;
    }
    tiles.at_a(14, 0) = 448.0;
    LaneWords a, b;
    fragments_k32(tiles, [](double v) { return e4m3_of(v); }, a, b);
    // A[15][31] is byte 3 of a3 of the lanes with g = 7 and t = 3 (lane 31): make it the NaN code.
    a[4 * 31 + 3] = (a[4 * 31 + 3] & 0x00FFFFFFu) | 0x7Fu << 24;
    tiles.at_a(15, 31) = std::numeric_limits<double>::quiet_NaN();
    const LaneWords c =
        accumulator_fragments([&](int m, int n) { return float_bits(static_cast<float>(tiles.at_c(m, n))); });
    const LaneWords d = run_mma(MmaKind::E4M3, a, b, c);
    check_float_d("mma e4m3", tiles, d);
    QRT_CHECK(bits_float(d[4 * 20 + 2]) == std::ldexp(1.0f, -8));  // lane 20 (g 5, t 0), c2 = D[13][0]
    QRT_CHECK(std::isnan(bits_float(d[4 * 31 + 3])));  // lane 31, c3 = D[15][7]
}

// ---- ldmatrix ----------------------------------------------------------------------------------------------------

// Distinct 16-bit values, so that any misplaced element shows.
std::vector<uint16_t> numbered_shared(size_t elements) {
    std::vector<uint16_t> shared(elements);
    for (size_t i = 0; i < elements; ++i) shared[i] = static_cast<uint16_t>(i * 40503u + 17u);
    return shared;
}

// ISA "ldmatrix": lanes 8j .. 8j+7 give the rows of matrix j. Lane l = 4g + t receives in register j
//   without .trans: M_j[g][2t] (low half), M_j[g][2t+1] (high half);   with .trans: M_j[2t][g], M_j[2t+1][g].
LaneWords expected_ldmatrix(int count, bool transpose, const std::vector<uint16_t>& shared,
                            const std::vector<uint32_t>& offsets) {
    auto element = [&](int matrix, int row, int col) { return shared[offsets[static_cast<size_t>(8 * matrix + row)] + col]; };
    LaneWords words;
    for (int lane = 0; lane < kLanes; ++lane) {
        const int g = group_of(lane), t = thread_in_group(lane);
        for (int j = 0; j < count; ++j) {
            words.push_back(transpose ? pack16(element(j, 2 * t, g), element(j, 2 * t + 1, g))
                                      : pack16(element(j, g, 2 * t), element(j, g, 2 * t + 1)));
        }
    }
    return words;
}

void test_ldmatrix(Random& random) {
    const std::vector<uint16_t> shared = numbered_shared(2048);
    for (int count : {1, 2, 4}) {
        for (bool transpose : {false, true}) {
            // Rows at scattered 16-byte aligned places (rows need not be contiguous). Lanes past 8 * count point at
            // other rows, whose contents must not appear.
            std::vector<uint32_t> rows(256);
            std::iota(rows.begin(), rows.end(), 0u);
            std::shuffle(rows.begin(), rows.end(), random.engine());
            std::vector<uint32_t> offsets;
            for (int lane = 0; lane < kLanes; ++lane) offsets.push_back(8 * rows[static_cast<size_t>(lane)]);
            const LaneWords got = run_ldmatrix(count, transpose, shared, offsets);
            if (got != expected_ldmatrix(count, transpose, shared, offsets)) {
                std::fprintf(stderr, "ldmatrix x%d%s: wrong registers\n", count, transpose ? ".trans" : "");
                QRT_CHECK(false);
            }
        }
    }

    // Marlin's ldsm4: lane l passes row l % 16, column 8 (l / 16) of a 16 x 16 tile (row stride 24 elements). The
    // result must be the m16n8k16 A fragment: a0 = {A[g][2t], A[g][2t+1]}, a1 = rows g+8, a2 = columns +8, a3 = both.
    const int stride = 24;
    std::vector<uint32_t> offsets;
    for (int lane = 0; lane < kLanes; ++lane) offsets.push_back(static_cast<uint32_t>((lane % 16) * stride + 8 * (lane / 16)));
    auto a = [&](int row, int col) { return shared[static_cast<size_t>(row * stride + col)]; };
    LaneWords fragment;
    for (int lane = 0; lane < kLanes; ++lane) {
        const int g = group_of(lane), t = thread_in_group(lane);
        fragment.push_back(pack16(a(g, 2 * t), a(g, 2 * t + 1)));
        fragment.push_back(pack16(a(g + 8, 2 * t), a(g + 8, 2 * t + 1)));
        fragment.push_back(pack16(a(g, 2 * t + 8), a(g, 2 * t + 9)));
        fragment.push_back(pack16(a(g + 8, 2 * t + 8), a(g + 8, 2 * t + 9)));
    }
    QRT_CHECK(run_ldmatrix(4, false, shared, offsets) == fragment);
}

// ldmatrix.x4 (A, Marlin's addressing) and ldmatrix.x2.trans (B stored K x N) feeding mma: D must be A B.
void test_ldmatrix_into_mma(Random& random) {
    Tiles tiles = zero_tiles(16);
    for (double& v : tiles.a) v = grid_value(random, 8, 2);
    for (double& v : tiles.b) v = grid_value(random, 8, 2);
    std::vector<uint16_t> a, b;
    for (double v : tiles.a) a.push_back(bf16_of(v));
    for (double v : tiles.b) b.push_back(bf16_of(v));
    check_float_d("ldmatrix into mma bf16", tiles, run_ldmatrix_mma_bf16(a, b));
}

// ---- cp.async ----------------------------------------------------------------------------------------------------

constexpr uint8_t kFill = 0x77;  // what each slot holds before the copy

int cp_size_of(CpAsyncForm form) {
    switch (form) {
        case CpAsyncForm::Ca4: return 4;
        case CpAsyncForm::Ca8: return 8;
        default: return 16;
    }
}

// ISA "cp.async": cp-size bytes land at the destination; with src-size n, the first n come from the source and the
// rest are zeros; with ignore-src set, all are zeros; a predicated-off instruction writes nothing. Bytes past the
// cp-size keep the fill.
std::vector<uint8_t> expected_cp_async(CpAsyncForm form, CpAsyncVariant variant, const std::vector<uint8_t>& source,
                                       const std::vector<uint32_t>& argument) {
    const int size = cp_size_of(form);
    std::vector<uint8_t> slots(16 * kLanes, kFill);
    for (int lane = 0; lane < kLanes; ++lane) {
        const uint32_t arg = argument[static_cast<size_t>(lane)];
        int copied = size;
        int zeroed = 0;
        if (variant == CpAsyncVariant::ZeroFill) {
            copied = static_cast<int>(arg);
            zeroed = size - copied;
        }
        if (variant == CpAsyncVariant::IgnoreSource && arg != 0) {
            copied = 0;
            zeroed = size;
        }
        if (variant == CpAsyncVariant::Predicated && arg == 0) copied = 0;
        for (int i = 0; i < copied; ++i) slots[static_cast<size_t>(16 * lane + i)] = source[static_cast<size_t>(16 * lane + i)];
        for (int i = copied; i < copied + zeroed; ++i) slots[static_cast<size_t>(16 * lane + i)] = 0;
    }
    return slots;
}

std::vector<uint8_t> random_bytes(Random& random, size_t count) {
    std::vector<uint8_t> bytes(count);
    for (uint8_t& byte : bytes) byte = static_cast<uint8_t>(random.integer(1, 255));  // no zeros: zero-fill must show
    return bytes;
}

void test_cp_async(Random& random) {
    const CpAsyncForm forms[] = {CpAsyncForm::Ca4, CpAsyncForm::Ca8, CpAsyncForm::Ca16, CpAsyncForm::Cg16,
                                 CpAsyncForm::Cg16EvictFirst};
    const char* form_names[] = {"ca 4", "ca 8", "ca 16", "cg 16", "cg 16 evict_first"};
    const CpAsyncVariant variants[] = {CpAsyncVariant::Plain, CpAsyncVariant::ZeroFill, CpAsyncVariant::IgnoreSource,
                                       CpAsyncVariant::Predicated};
    const char* variant_names[] = {"plain", "src-size zero-fill", "ignore-src", "predicated"};
    for (int f = 0; f < 5; ++f) {
        for (int v = 0; v < 4; ++v) {
            const int size = cp_size_of(forms[f]);
            std::vector<uint32_t> argument;
            for (int lane = 0; lane < kLanes; ++lane) {
                // Zero-fill sweeps src-size over 0 .. cp-size (0 < n < cp-size included); the flags alternate.
                argument.push_back(variants[v] == CpAsyncVariant::ZeroFill ? static_cast<uint32_t>(lane % (size + 1))
                                                                           : static_cast<uint32_t>(lane % 3 == 0));
            }
            const std::vector<uint8_t> source = random_bytes(random, 16 * kLanes);
            const auto got = run_cp_async(forms[f], variants[v], source, argument);
            if (got != expected_cp_async(forms[f], variants[v], source, argument)) {
                std::fprintf(stderr, "cp.async %s %s: wrong shared contents\n", form_names[f], variant_names[v]);
                QRT_CHECK(false);
            }
        }
    }

    // Three groups; after wait_group 2, 1, 0 (and a barrier) the groups 0, 1, 2 are complete and visible to the other
    // lanes. The emulator also faults on reading a stage before its wait (test_emulator_ptx_faults).
    const std::vector<uint8_t> source = random_bytes(random, 3 * 16 * kLanes);
    std::vector<uint8_t> expected;
    for (int stage = 0; stage < 3; ++stage) {
        for (int lane = 0; lane < kLanes; ++lane) {
            const size_t from = static_cast<size_t>(16 * (kLanes * stage + (lane + 1) % kLanes));
            expected.insert(expected.end(), source.begin() + static_cast<long>(from),
                            source.begin() + static_cast<long>(from + 16));
        }
    }
    QRT_CHECK(run_cp_async_groups(source) == expected);
}

// ---- lop3 and prmt -----------------------------------------------------------------------------------------------

// The functions behind the truth tables (ISA "lop3": immLut = F(0xF0, 0xCC, 0xAA)).
uint32_t lop3_function(uint8_t lut, uint32_t a, uint32_t b, uint32_t c) {
    switch (lut) {
        case 0xEA: return (a & b) | c;
        case 0x96: return a ^ b ^ c;
        case 0x80: return a & b & c;
        case 0xF0: return a;
        case 0xCC: return b;
        case 0xAA: return c;
        case 0x00: return 0;
        case 0xFF: return 0xFFFFFFFFu;
        case 0xCA: return (a & b) | (~a & c);
        case 0xE8: return (a & b) | (a & c) | (b & c);
        case 0x1E: return a ^ (b | c);
        case 0x6A: return (a & b) ^ c;
        default: std::abort();
    }
}

void test_lop3(Random& random) {
    for (uint8_t lut : kLop3Tables) {
        QRT_CHECK((lop3_function(lut, 0xF0, 0xCC, 0xAA) & 0xFFu) == lut);  // the function is the table's
        LaneWords a, b, c, expected;
        for (int lane = 0; lane < kLanes; ++lane) {
            a.push_back(static_cast<uint32_t>(random.engine()()));
            b.push_back(static_cast<uint32_t>(random.engine()()));
            c.push_back(static_cast<uint32_t>(random.engine()()));
            expected.push_back(lop3_function(lut, a.back(), b.back(), c.back()));
        }
        if (run_lop3(lut, a, b, c) != expected) {
            std::fprintf(stderr, "lop3 0x%02X: wrong result\n", lut);
            QRT_CHECK(false);
        }
    }
}

// ISA "fma" on f16x2 / bf16x2: each half is a * b + c computed exactly and rounded once to nearest even. The inputs
// keep a * b + c exact in FP32 (11- or 8-bit significands in [1, 2), c within a factor 4), so rounding that FP32
// value once (to_f16 / to_bf16) is the reference. Lanes 0-15 run the dequantiser's identities instead: the
// magic-number halves 1024 + n and 1024 + 16n (F16) or 128 + n (BF16) with c = -(magic + z) give n - z exactly.
void test_fma_x2(Random& random, bool bfloat16) {
    auto encode = [&](float v) { return bfloat16 ? to_bf16(v) : to_f16(v); };
    auto decode = [&](uint16_t v) { return bfloat16 ? from_bf16(v) : from_f16(v); };
    std::uniform_real_distribution<float> unit(1.0f, 2.0f);
    LaneWords a, b, c, expected;
    for (int lane = 0; lane < kLanes; ++lane) {
        uint16_t ah[2], bh[2], ch[2], dh[2];
        for (int h = 0; h < 2; ++h) {
            if (lane < 16) {
                const int n = (lane * 2 + h) % 16, z = (lane * 7 + h * 3) % 16;
                const bool high = !bfloat16 && lane >= 8;  // F16's 1024 + 16n form, scaled by 1/16
                ah[h] = encode(bfloat16 ? 128.0f + n : (high ? 1024.0f + 16.0f * n : 1024.0f + n));
                bh[h] = encode(high ? 0.0625f : 1.0f);
                ch[h] = encode(-(bfloat16 ? 128.0f + z : (high ? 64.0f + z : 1024.0f + z)));
                dh[h] = encode(static_cast<float>(n - z));
            } else {
                ah[h] = encode(unit(random.engine()));
                bh[h] = encode(unit(random.engine()) * (lane % 2 ? -1.0f : 1.0f));
                ch[h] = encode(unit(random.engine()) * (lane % 3 ? 1.0f : -2.0f));
                dh[h] = encode(decode(ah[h]) * decode(bh[h]) + decode(ch[h]));  // exact in FP32, one rounding
            }
        }
        a.push_back(pack16(ah[0], ah[1]));
        b.push_back(pack16(bh[0], bh[1]));
        c.push_back(pack16(ch[0], ch[1]));
        expected.push_back(pack16(dh[0], dh[1]));
    }
    const LaneWords actual = run_fma_x2(bfloat16, a, b, c);
    for (int lane = 0; lane < kLanes; ++lane) {
        if (actual[static_cast<size_t>(lane)] != expected[static_cast<size_t>(lane)]) {
            std::fprintf(stderr, "fma.rn.%s lane %d: 0x%08X, expected 0x%08X\n", bfloat16 ? "bf16x2" : "f16x2", lane,
                         actual[static_cast<size_t>(lane)], expected[static_cast<size_t>(lane)]);
            QRT_CHECK(false);
        }
    }
}

// ISA "prmt", default mode: bytes {b, a} numbered 0-7 (a's are 0-3); result byte n uses the nibble c[4n+3 : 4n]:
// source byte (nibble & 7), or 0xFF / 0x00 by that byte's sign bit when nibble & 8. c[31:16] is ignored.
uint32_t prmt_reference(uint32_t a, uint32_t b, uint32_t c) {
    uint8_t bytes[8];
    for (int i = 0; i < 4; ++i) {
        bytes[i] = static_cast<uint8_t>(a >> (8 * i));
        bytes[4 + i] = static_cast<uint8_t>(b >> (8 * i));
    }
    uint32_t d = 0;
    for (int n = 0; n < 4; ++n) {
        const uint32_t nibble = c >> (4 * n) & 0xF;
        uint8_t byte = bytes[nibble & 7];
        if (nibble & 8) byte = (byte & 0x80) ? 0xFF : 0x00;
        d |= static_cast<uint32_t>(byte) << (8 * n);
    }
    return d;
}

void test_prmt(Random& random) {
    LaneWords a, b, c, expected;
    for (int lane = 0; lane < kLanes; ++lane) {
        a.push_back(static_cast<uint32_t>(random.engine()()));
        b.push_back(static_cast<uint32_t>(random.engine()()));
        c.push_back(static_cast<uint32_t>(random.engine()()));  // upper half random too: it must not matter
    }
    // Named cases: the INT8 -> FP16 trick (0x64 above bytes 0 and 2, then 1 and 3), and sign replication of every
    // byte of a (0xBA98) and of b (0xFEDC), whose bytes are chosen with mixed signs.
    a[0] = 0x80FF7F01u, b[0] = 0x64646464u, c[0] = 0x5250;
    a[1] = 0x80FF7F01u, b[1] = 0x64646464u, c[1] = 0x5351;
    a[2] = 0x80FF7F01u, b[2] = 0x017F80FEu, c[2] = 0xBA98;
    a[3] = 0x80FF7F01u, b[3] = 0x017F80FEu, c[3] = 0xFEDC;
    for (int lane = 0; lane < kLanes; ++lane) {
        expected.push_back(prmt_reference(a[static_cast<size_t>(lane)], b[static_cast<size_t>(lane)], c[static_cast<size_t>(lane)]));
    }
    // Worked by hand from the rule: a's bytes (0-3) are 01 7F FF 80; b's (4-7) are all 64 in lanes 0-1 and
    // FE 80 7F 01 in lanes 2-3.
    QRT_CHECK(expected[0] == 0x64FF6401u && expected[1] == 0x6480647Fu &&
              expected[2] == 0xFFFF0000u && expected[3] == 0x0000FFFFu);
    QRT_CHECK(run_prmt(a, b, c) == expected);
}

// ---- Shuffles and votes ------------------------------------------------------------------------------------------

// ISA "shfl.sync" with the operands CUDA's __shfl*_sync pass: c = ((32 - width) << 8) | clamp, clamp = 0 for up and
// 0x1F otherwise. segmask = c[12:8]; minLane = lane & segmask; maxLane = minLane | (clamp & ~segmask);
//   idx: j = minLane | (b[4:0] & ~segmask), valid iff j <= maxLane;  up: j = lane - b, valid iff j >= maxLane;
//   down: j = lane + b, valid iff j <= maxLane;                        bfly: j = lane ^ b, valid iff j <= maxLane;
// an invalid j reads the lane's own value.
int shuffle_source(ShuffleKind kind, int lane, int width, int32_t operand) {
    const int segmask = (32 - width) & 0x1F;
    const int clamp = kind == ShuffleKind::Up ? 0 : 0x1F;
    const int b = operand & 0x1F;
    const int min_lane = lane & segmask;
    const int max_lane = min_lane | (clamp & ~segmask);
    int j = lane;
    bool valid = false;
    switch (kind) {
        case ShuffleKind::Index: j = min_lane | (b & ~segmask); valid = j <= max_lane; break;
        case ShuffleKind::Up: j = lane - b; valid = j >= max_lane; break;
        case ShuffleKind::Down: j = lane + b; valid = j <= max_lane; break;
        case ShuffleKind::Xor: j = lane ^ b; valid = j <= max_lane; break;
    }
    return valid ? j : lane;
}

void test_shuffles(Random& random) {
    const ShuffleKind kinds[] = {ShuffleKind::Index, ShuffleKind::Up, ShuffleKind::Down, ShuffleKind::Xor};
    const char* names[] = {"shfl.sync.idx", "shfl.sync.up", "shfl.sync.down", "shfl.sync.bfly"};
    for (int k = 0; k < 4; ++k) {
        for (int width : {8, 32}) {
            for (bool wide : {false, true}) {
                std::vector<uint64_t> values;
                std::vector<int32_t> operands;
                for (int lane = 0; lane < kLanes; ++lane) {
                    values.push_back(static_cast<uint64_t>(random.engine()()) << 32 | random.engine()());
                    // Source lanes past the width (and negative) wrap within the segment; deltas and xor masks
                    // reach past the segment, where the lane keeps its own value (xor may reach an earlier one).
                    operands.push_back(kinds[k] == ShuffleKind::Index ? random.integer(-3, 40) : random.integer(0, 17));
                }
                std::vector<uint64_t> expected;
                for (int lane = 0; lane < kLanes; ++lane) {
                    const uint64_t source =
                        values[static_cast<size_t>(shuffle_source(kinds[k], lane, width, operands[static_cast<size_t>(lane)]))];
                    expected.push_back(wide ? source : (source & 0xFFFFFFFFu));
                }
                if (run_shuffle(kinds[k], width, wide, values, operands) != expected) {
                    std::fprintf(stderr, "%s width %d %s: wrong values\n", names[k], width, wide ? "64-bit" : "32-bit");
                    QRT_CHECK(false);
                }
            }
        }
    }

    // Only lanes 0-15 take part (mask 0xFFFF, width 16); the others never execute the shuffle.
    for (int lane_mask : {3, 8}) {
        LaneWords values, expected;
        for (int lane = 0; lane < kLanes; ++lane) values.push_back(static_cast<uint32_t>(random.engine()()));
        for (int lane = 0; lane < kLanes; ++lane) {
            expected.push_back(lane < 16 ? values[static_cast<size_t>(shuffle_source(ShuffleKind::Xor, lane, 16, lane_mask))]
                                         : 0xFFFFFFFFu);
        }
        QRT_CHECK(run_partial_shuffle_xor(0x0000FFFFu, 16, values, lane_mask) == expected);
    }
}

// ISA "vote.sync": ballot bit i is lane i's predicate, for the lanes of the mask; any/all reduce over the mask.
void test_votes(Random& random) {
    for (uint32_t mask : {0xFFFFFFFFu, 0xAAAAAAAAu, 0x0000FFFFu}) {
        for (int pattern = 0; pattern < 4; ++pattern) {
            std::vector<int> predicates;
            for (int lane = 0; lane < kLanes; ++lane) {
                const int p = pattern == 0 ? random.integer(0, 1) * random.integer(1, 1000)  // any non-zero is true
                              : pattern == 1 ? 1
                              : pattern == 2 ? 0
                                             : (lane == 17 ? 0 : 5);  // all but one
                predicates.push_back(p);
            }
            uint32_t ballot = 0;
            for (int lane = 0; lane < kLanes; ++lane) {
                if ((mask >> lane & 1u) && predicates[static_cast<size_t>(lane)] != 0) ballot |= 1u << lane;
            }
            const VoteResults got = run_votes(mask, predicates);
            for (int lane = 0; lane < kLanes; ++lane) {
                const size_t l = static_cast<size_t>(lane);
                if (!(mask >> lane & 1u)) {
                    QRT_CHECK(got.ballot[l] == 0xFFFFFFFFu && got.any[l] == 0xFFFFFFFFu && got.all[l] == 0xFFFFFFFFu);
                    continue;
                }
                QRT_CHECK(got.ballot[l] == ballot);
                QRT_CHECK((got.any[l] != 0) == (ballot != 0));
                QRT_CHECK((got.all[l] != 0) == (ballot == mask));
            }
        }
    }
}

// ---- Memory ------------------------------------------------------------------------------------------------------

std::vector<uint32_t> permutation(Random& random, size_t count) {
    std::vector<uint32_t> p(count);
    std::iota(p.begin(), p.end(), 0u);
    std::shuffle(p.begin(), p.end(), random.engine());
    return p;
}

void test_global_loads(Random& random) {
    LaneWords source;
    for (int i = 0; i < 4 * kLanes; ++i) source.push_back(static_cast<uint32_t>(random.engine()()));
    const std::vector<uint32_t> index = permutation(random, kLanes);
    LaneWords expected;
    for (int form = 0; form < 3; ++form) {
        for (int lane = 0; lane < kLanes; ++lane) {
            for (int w = 0; w < 4; ++w) expected.push_back(source[4 * index[static_cast<size_t>(lane)] + static_cast<uint32_t>(w)]);
        }
    }
    QRT_CHECK(run_global_loads(source, index) == expected);
}

void test_shared_v4(Random& random) {
    LaneWords values;
    for (int i = 0; i < 4 * kLanes; ++i) values.push_back(static_cast<uint32_t>(random.engine()()));
    const std::vector<uint32_t> store = permutation(random, kLanes);
    const std::vector<uint32_t> load = permutation(random, kLanes);
    std::vector<uint32_t> writer_of_slot(kLanes);
    for (uint32_t lane = 0; lane < kLanes; ++lane) writer_of_slot[store[lane]] = lane;
    LaneWords expected;
    for (int lane = 0; lane < kLanes; ++lane) {
        const uint32_t writer = writer_of_slot[load[static_cast<size_t>(lane)]];
        for (uint32_t w = 0; w < 4; ++w) expected.push_back(values[4 * writer + w]);
    }
    QRT_CHECK(run_shared_v4(values, store, load) == expected);
}

void test_named_barrier() {
    const std::vector<uint32_t> got = run_named_barrier();
    for (uint32_t i = 0; i < 64; ++i) QRT_CHECK(got[i] == (7 * i + 1) + (7 * (63 - i) + 1));
}

void test_token_chain() {
    const int blocks = 8;
    const TokenChain chain = run_token_chain(blocks);
    for (int b = 0; b < blocks; ++b) QRT_CHECK(chain.data[static_cast<size_t>(b)] == (b + 1) * (b + 2) / 2);
    QRT_CHECK(chain.counter == blocks);
    QRT_CHECK(chain.done == 1);
    QRT_CHECK(chain.relaxed_total == blocks * kLanes);
}

template <class Test>
void run(const char* name, Test test) {
    const int before = qrt_test::failures();
    try {
        test();
    } catch (const std::exception& error) {
        std::fprintf(stderr, "%s: %s\n", name, error.what());
        ++qrt_test::failures();
    }
    std::printf("%-28s %s\n", name, qrt_test::failures() == before ? "ok" : "FAILED");
}

}  // namespace

// With --e4m3 the program checks only the FP8 mma, which needs CUDA >= 12.4 and an sm_89+ device: CTest runs it as
// its own test, skipped (77) where it cannot run, so that the rest of the suite still passes or fails on its own.
int main(int argc, char** argv) {
    const bool fp8_only = argc > 1 && std::string(argv[1]) == "--e4m3";
    const char* name = fp8_only ? "test_cuda_ptx --e4m3" : "test_cuda_ptx";
    const std::string unavailable = device_unavailable_reason();
    if (!unavailable.empty()) return qrt_test::skip(name, unavailable);
    std::printf("device: %s\n", device_description().c_str());

    Random random(20261207);
    if (fp8_only) {
        const std::string reason = fp8_mma_unavailable_reason();
        if (!reason.empty()) return qrt_test::skip(name, reason);
        run("mma e4m3 m16n8k32", [&] { test_mma_e4m3(random); });
        return qrt_test::finish(name);
    }
    run("mma bf16 m16n8k16", [&] { test_mma_half(MmaKind::BF16, "mma bf16", random); });
    run("mma f16 m16n8k16", [&] { test_mma_half(MmaKind::F16, "mma f16", random); });
    run("mma s8 m16n8k32 satfinite", [&] { test_mma_s8(random); });
    run("ldmatrix", [&] { test_ldmatrix(random); });
    run("ldmatrix into mma", [&] { test_ldmatrix_into_mma(random); });
    run("cp.async", [&] { test_cp_async(random); });
    run("lop3", [&] { test_lop3(random); });
    run("prmt", [&] { test_prmt(random); });
    run("fma.rn.f16x2", [&] { test_fma_x2(random, false); });
    run("fma.rn.bf16x2", [&] { test_fma_x2(random, true); });
    run("shfl.sync", [&] { test_shuffles(random); });
    run("vote.sync", [&] { test_votes(random); });
    run("ld.global.nc v4", [&] { test_global_loads(random); });
    run("st/ld.shared.v4", [&] { test_shared_v4(random); });
    run("bar.sync/bar.arrive", [&] { test_named_barrier(); });
    run("ld.acquire/red.release", [&] { test_token_chain(); });
    return qrt_test::finish(name);
}
