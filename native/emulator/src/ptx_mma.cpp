// mma.sync in the CUDA emulator: the warp's 32 lanes meet in a collective, the last to arrive rebuilds the A, B and C
// tiles from every lane's fragment registers (PTX ISA, "Matrix fragments for mma.m16n8k16 / m16n8k32"), multiplies
// them, and hands each lane its D registers.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "qrt_emulator/execution.h"
#include "qrt_emulator/ptx.h"
#include "qrt_emulator/stats.h"

namespace qrt::emu::ptx {
namespace {

constexpr int kRows = 16;
constexpr int kCols = 8;

double bf16_value(uint32_t bits) {
    const uint32_t widened = (bits & 0xFFFFu) << 16;
    float value;
    std::memcpy(&value, &widened, sizeof value);
    return value;
}

double f16_value(uint32_t bits) {
    const int sign = (bits >> 15) & 1;
    const int exponent = (bits >> 10) & 0x1F;
    const int mantissa = bits & 0x3FF;
    double magnitude;
    if (exponent == 0x1F) {
        magnitude = mantissa ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
    } else if (exponent == 0) {
        magnitude = std::ldexp(mantissa, -24);
    } else {
        magnitude = std::ldexp(1024 + mantissa, exponent - 25);
    }
    return sign ? -magnitude : magnitude;
}

// e4m3 (OCP "e4m3fn"): bias 7, no infinity, S.1111.111 is NaN, the largest finite value 448.
double e4m3_value(uint32_t bits) {
    const int sign = (bits >> 7) & 1;
    const int exponent = (bits >> 3) & 0xF;
    const int mantissa = bits & 0x7;
    double magnitude;
    if (exponent == 0xF && mantissa == 0x7) {
        magnitude = std::numeric_limits<double>::quiet_NaN();
    } else if (exponent == 0) {
        magnitude = std::ldexp(mantissa, -9);
    } else {
        magnitude = std::ldexp(8 + mantissa, exponent - 10);
    }
    return sign ? -magnitude : magnitude;
}

double s8_value(uint32_t bits) { return static_cast<int8_t>(static_cast<uint8_t>(bits)); }

// Rebuilds the 16 x K A tile and the K x 8 B tile from the fragments of all 32 lanes. Each register holds
// `per_register` = 32 / element_bits elements, element q in bits [q*w + w-1 : q*w]; with K the tile's depth:
//   A register r, element q of lane (g, t):  row g + 8 (r & 1),  column per_register * t + q + (K/2) (r >> 1)
//   B register r, element q of lane (g, t):  row (k) per_register * t + q + (K/2) r,  column g
// which is the ISA's table for m16n8k16 (16-bit elements, K = 16) and m16n8k32 (8-bit elements, K = 32).
template <int K, class Decode>
void unpack_tiles(const uint32_t* const* a_of_lane, const uint32_t* const* b_of_lane, Decode decode,
                  double (&a)[kRows][K], double (&b)[K][kCols]) {
    constexpr int element_bits = 256 / K;  // 16 for K = 16, 8 for K = 32
    constexpr int per_register = 32 / element_bits;
    constexpr uint32_t element_mask = (1u << element_bits) - 1u;
    for (int lane = 0; lane < 32; ++lane) {
        const int g = lane >> 2;
        const int t = lane & 3;
        for (int r = 0; r < 4; ++r) {
            for (int q = 0; q < per_register; ++q) {
                const uint32_t bits = a_of_lane[lane][r] >> (q * element_bits) & element_mask;
                a[g + 8 * (r & 1)][per_register * t + q + (K / 2) * (r >> 1)] = decode(bits);
            }
        }
        for (int r = 0; r < 2; ++r) {
            for (int q = 0; q < per_register; ++q) {
                const uint32_t bits = b_of_lane[lane][r] >> (q * element_bits) & element_mask;
                b[per_register * t + q + (K / 2) * r][g] = decode(bits);
            }
        }
    }
}

// The C/D register i of lane (g, t) is element (g + 8 (i >> 1), 2t + (i & 1)).
int accumulator_row(int lane, int i) { return (lane >> 2) + 8 * (i >> 1); }
int accumulator_col(int lane, int i) { return 2 * (lane & 3) + (i & 1); }

template <class Acc>
struct Operands {
    uint32_t a[4];
    uint32_t b[2];
    Acc c[4];
};

template <class Acc>
struct Result {
    Acc d[4];
};

// The floating-point forms: D = C + sum over k of A[m][k] B[k][n], every product exact (the inputs have at most 11
// significant bits, so a double holds each product), summed in double in k order, rounded once to f32.
template <int K, class Decode>
void float_mma(const char* operation, const char* shape, Decode decode, float (&acc)[4], const uint32_t (&a)[4],
               const uint32_t (&b)[2]) {
    Operands<float> mine;
    std::copy(a, a + 4, mine.a);
    std::copy(b, b + 2, mine.b);
    std::copy(acc, acc + 4, mine.c);
    const auto out = warp_collective<Operands<float>, Result<float>>(
        operation, 0xFFFFFFFFu, true, mine,
        [decode, shape](unsigned, const Operands<float>* const* inputs, Result<float>* const* outputs) {
            const uint32_t* a_of_lane[32];
            const uint32_t* b_of_lane[32];
            for (int lane = 0; lane < 32; ++lane) {
                a_of_lane[lane] = inputs[lane]->a;
                b_of_lane[lane] = inputs[lane]->b;
            }
            double a_tile[kRows][K];
            double b_tile[K][kCols];
            unpack_tiles<K>(a_of_lane, b_of_lane, decode, a_tile, b_tile);
            for (int lane = 0; lane < 32; ++lane) {
                for (int i = 0; i < 4; ++i) {
                    const int m = accumulator_row(lane, i);
                    const int n = accumulator_col(lane, i);
                    double sum = inputs[lane]->c[i];
                    for (int k = 0; k < K; ++k) sum += a_tile[m][k] * b_tile[k][n];
                    outputs[lane]->d[i] = static_cast<float>(sum);
                }
            }
            stats::mma(shape);
        });
    std::copy(out.d, out.d + 4, acc);
}

}  // namespace

void mma_m16n8k16_f32(MmaInput input, float (&acc)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    if (input == MmaInput::BF16) {
        float_mma<16>("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32", "m16n8k16.bf16", bf16_value, acc, a, b);
    } else {
        float_mma<16>("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32", "m16n8k16.f16", f16_value, acc, a, b);
    }
}

void mma_m16n8k32_e4m3_f32(float (&acc)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    float_mma<32>("mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32", "m16n8k32.e4m3", e4m3_value, acc, a, b);
}

// Products of s8 values and their sums are exact integers (|sum of 32 products| < 2^20, so doubles hold them
// exactly); .satfinite clamps the final C + sum to the int32 range.
void mma_m16n8k32_s8_satfinite(int32_t (&acc)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    Operands<int32_t> mine;
    std::copy(a, a + 4, mine.a);
    std::copy(b, b + 2, mine.b);
    std::copy(acc, acc + 4, mine.c);
    const auto out = warp_collective<Operands<int32_t>, Result<int32_t>>(
        "mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32", 0xFFFFFFFFu, true, mine,
        [](unsigned, const Operands<int32_t>* const* inputs, Result<int32_t>* const* outputs) {
            const uint32_t* a_of_lane[32];
            const uint32_t* b_of_lane[32];
            for (int lane = 0; lane < 32; ++lane) {
                a_of_lane[lane] = inputs[lane]->a;
                b_of_lane[lane] = inputs[lane]->b;
            }
            double a_tile[kRows][32];
            double b_tile[32][kCols];
            unpack_tiles<32>(a_of_lane, b_of_lane, s8_value, a_tile, b_tile);
            for (int lane = 0; lane < 32; ++lane) {
                for (int i = 0; i < 4; ++i) {
                    const int m = accumulator_row(lane, i);
                    const int n = accumulator_col(lane, i);
                    int64_t sum = inputs[lane]->c[i];
                    for (int k = 0; k < 32; ++k) sum += static_cast<int64_t>(a_tile[m][k] * b_tile[k][n]);
                    sum = std::clamp<int64_t>(sum, std::numeric_limits<int32_t>::min(),
                                              std::numeric_limits<int32_t>::max());
                    outputs[lane]->d[i] = static_cast<int32_t>(sum);
                }
            }
            stats::mma("m16n8k32.s8");
        });
    std::copy(out.d, out.d + 4, acc);
}

}  // namespace qrt::emu::ptx
