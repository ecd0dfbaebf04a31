// The arithmetic of qrt_sample that the CPU op (cpu/sampling.cpp) and the CUDA kernel (cuda/sampling.cu) share, so
// that both draw the same token from the same row: the Philox-4x32-10 generator, the order of logits as integer
// keys, an exponential built from correctly rounded operations only, and the fixed-point weights whose sums are
// exact integers.
//
// Why integers: a sum of floats depends on the order of its additions, and a GPU block adds in another order than a
// CPU loop. Each weight w = exp((x − max) / T) ≤ 1 is stored as floor(w · 2^S) in 64 bits, with S chosen so that the
// V weights of a row cannot overflow (V · 2^S ≤ 2^62). Sums, the top-p mass and the cumulative walk of the draw are
// then exact and the same in any order. What truncation loses is below 2^-S of the largest weight per token: for
// V = 2^18 (S = 44) that is at most V · 2^-44 ≈ 1.5e-8 of the total probability.
//
// Why our own exp: expf differs between the host's libm and CUDA's (up to 2 ulp apart). exp_nonpositive uses only
// fmaf, floorf, multiplications by powers of two and one addition (all correctly rounded, with no a·b + c left for a
// compiler to contract), so both sides compute the same bits. Its error against the true exp is a few ulp, far below
// anything a sample can show.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#  define QRT_SAMPLING_FN __host__ __device__ __forceinline__
#else
#  define QRT_SAMPLING_FN inline
#endif

namespace qrt::sampling {

// Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11) with the standard
// multipliers and Weyl constants.
struct Philox4x32 {
    uint32_t words[4];
};

QRT_SAMPLING_FN void mul_hi_lo_32(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
    const uint64_t product = static_cast<uint64_t>(a) * b;
    hi = static_cast<uint32_t>(product >> 32);
    lo = static_cast<uint32_t>(product);
}

QRT_SAMPLING_FN Philox4x32 philox4x32_10(const uint32_t counter[4], const uint32_t key[2]) {
    constexpr uint32_t kMultiplier0 = 0xD2511F53u;
    constexpr uint32_t kMultiplier1 = 0xCD9E8D57u;
    constexpr uint32_t kWeyl0 = 0x9E3779B9u;
    constexpr uint32_t kWeyl1 = 0xBB67AE85u;
    uint32_t c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; ++round) {
        uint32_t hi0, lo0, hi1, lo1;
        mul_hi_lo_32(kMultiplier0, c0, hi0, lo0);
        mul_hi_lo_32(kMultiplier1, c2, hi1, lo1);
        const uint32_t n0 = hi1 ^ c1 ^ k0;
        const uint32_t n1 = lo1;
        const uint32_t n2 = hi0 ^ c3 ^ k1;
        const uint32_t n3 = lo0;
        c0 = n0;
        c1 = n1;
        c2 = n2;
        c3 = n3;
        k0 += kWeyl0;
        k1 += kWeyl1;
    }
    return Philox4x32{{c0, c1, c2, c3}};
}

// The 64 random bits of one draw: Philox keyed by the row's seed (low word first) at the row's counter (low word
// first, the upper two words 0), its first two output words as the low and high halves. The uniform is bits / 2^64.
QRT_SAMPLING_FN uint64_t draw_bits(uint64_t seed, uint64_t counter) {
    const uint32_t key[2] = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
    const uint32_t block[4] = {static_cast<uint32_t>(counter), static_cast<uint32_t>(counter >> 32), 0u, 0u};
    const Philox4x32 out = philox4x32_10(block, key);
    return static_cast<uint64_t>(out.words[0]) | (static_cast<uint64_t>(out.words[1]) << 32);
}

QRT_SAMPLING_FN uint32_t float_bits(float value) {
#if defined(__CUDA_ARCH__)
    return __float_as_uint(value);
#else
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
#endif
}

QRT_SAMPLING_FN float float_from_bits(uint32_t bits) {
#if defined(__CUDA_ARCH__)
    return __uint_as_float(bits);
#else
    float value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
#endif
}

// An unsigned key with the order of the (non-NaN) floats: a ≤ b exactly when key(a) ≤ key(b). −0 takes +0's key,
// since the two compare equal and a top-k tie with one must keep the other.
QRT_SAMPLING_FN uint32_t order_key(float value) {
    const uint32_t bits = float_bits(value == 0.0f ? 0.0f : value);
    return (bits & 0x80000000u) != 0 ? ~bits : bits | 0x80000000u;
}

// exp(d) for d ≤ 0 (−inf included), in the bits every machine computes alike (see the top of the file); 0 below
// −87, where exp leaves FP32's normal range and the fixed-point weight is 0 anyway. Cephes' expf: d = k·ln 2 + r
// with |r| ≤ ln2/2 (ln 2 split in two so that k·ln 2 is exact), a degree-7 polynomial for exp(r), times 2^k.
QRT_SAMPLING_FN float exp_nonpositive(float d) {
    if (!(d >= -87.0f)) return 0.0f;
    const float k = floorf(fmaf(d, 1.44269504088896341f, 0.5f));  // in [−126, 0]
    float r = fmaf(-k, 0.693359375f, d);
    r = fmaf(-k, -2.12194440e-4f, r);
    float p = 1.9875691500e-4f;
    p = fmaf(p, r, 1.3981999507e-3f);
    p = fmaf(p, r, 8.3334519073e-3f);
    p = fmaf(p, r, 4.1665795894e-2f);
    p = fmaf(p, r, 1.6666665459e-1f);
    p = fmaf(p, r, 5.0000001201e-1f);
    const float r2 = r * r;
    const float y = fmaf(p, r2, r) + 1.0f;
    const float scale = float_from_bits(static_cast<uint32_t>(static_cast<int>(k) + 127) << 23);
    return y * scale;
}

// S for a row of `cols` logits: the largest shift with cols · 2^S ≤ 2^62, so that a row's weights (each ≤ 2^S)
// sum below 2^62 and any partial sum fits in 64 bits with room to spare.
inline int weight_shift(int64_t cols) {
    int log2_ceiling = 0;
    while ((int64_t{1} << log2_ceiling) < cols) ++log2_ceiling;
    return 62 - log2_ceiling;
}

// 2^shift as a float (exact for shift ≤ 127).
QRT_SAMPLING_FN float power_of_two(int shift) { return float_from_bits(static_cast<uint32_t>(shift + 127) << 23); }

// The fixed-point weight of a logit: floor(exp((x − max) / temperature) · 2^S). x ≤ max, both finite or x = −inf;
// temperature > 0 and finite. The multiplication by 2^S is exact, the conversion truncates.
QRT_SAMPLING_FN uint64_t fixed_weight(float x, float max, float temperature, float two_to_shift) {
    const float w = exp_nonpositive((x - max) / temperature);
    return static_cast<uint64_t>(w * two_to_shift);
}

// High 64 bits of a · b.
QRT_SAMPLING_FN uint64_t mul_hi_64(uint64_t a, uint64_t b) {
    const uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32;
    const uint64_t b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
    const uint64_t lo_lo = a_lo * b_lo;
    const uint64_t hi_lo = a_hi * b_lo;
    const uint64_t lo_hi = a_lo * b_hi;
    const uint64_t hi_hi = a_hi * b_hi;
    const uint64_t middle = (lo_lo >> 32) + (hi_lo & 0xFFFFFFFFu) + (lo_hi & 0xFFFFFFFFu);
    return hi_hi + (hi_lo >> 32) + (lo_hi >> 32) + (middle >> 32);
}

// The mass top-p must reach: ceil(top_p · total), exactly. top_p in (0, 1] is m · 2^-s with m < 2^24 an integer,
// so top_p · total = m · total / 2^s with m · total < 2^87, held as two 64-bit words.
QRT_SAMPLING_FN uint64_t top_p_mass(float top_p, uint64_t total) {
    const uint32_t bits = float_bits(top_p);
    const uint32_t exponent = (bits >> 23) & 0xFFu;
    const uint64_t mantissa = exponent == 0 ? (bits & 0x7FFFFFu) : ((bits & 0x7FFFFFu) | 0x800000u);
    const int shift = exponent == 0 ? 149 : 150 - static_cast<int>(exponent);  // ≥ 23 for top_p ≤ 1
    const uint64_t low_part = (total & 0xFFFFFFFFu) * mantissa;                  // < 2^56
    const uint64_t high_part = (total >> 32) * mantissa;                         // < 2^55, weighs 2^32
    const uint64_t lo = low_part + (high_part << 32);
    const uint64_t hi = (high_part >> 32) + (lo < low_part ? 1u : 0u);
    uint64_t quotient;
    bool remainder;
    if (shift >= 128) {
        quotient = 0;
        remainder = (hi | lo) != 0;
    } else if (shift >= 64) {
        const int s = shift - 64;
        quotient = s == 0 ? hi : hi >> s;
        remainder = lo != 0 || (s != 0 && (hi & ((uint64_t{1} << s) - 1)) != 0);
    } else {
        quotient = (lo >> shift) | (hi << (64 - shift));
        remainder = (lo & ((uint64_t{1} << shift) - 1)) != 0;
    }
    return quotient + (remainder ? 1u : 0u);
}

// The parameters of one row as the kernels apply them: CUDA reads them from device memory unchecked, so values out
// of range get a defined meaning instead of an error (the CPU op rejects them before any work).
struct RowParameters {
    bool greedy;      // temperature 0, negative, NaN or infinite
    int32_t top_k;    // 0 (off) for any value ≤ 0
    float top_p;      // 1 (off) for any value outside (0, 1]
};

QRT_SAMPLING_FN RowParameters row_parameters(float temperature, int32_t top_k, float top_p) {
    RowParameters p;
    p.greedy = !(temperature > 0.0f && temperature <= 3.40282347e38f);
    p.top_k = top_k > 0 ? top_k : 0;
    p.top_p = top_p > 0.0f && top_p <= 1.0f ? top_p : 1.0f;
    return p;
}

}  // namespace qrt::sampling
