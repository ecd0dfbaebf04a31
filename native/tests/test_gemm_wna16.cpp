// qrt_gemm_wna16 (W4A16 / W8A16 in the compressed-tensors pack-quantized layout) against a
// double-precision loop written from the layout's definition in qrt.h. The packed weights are built
// here by a packer written from that definition, and the packer itself is checked on hand-computed
// words, so a wrong bit order cannot pass by agreeing with itself.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "test_bounds.h"
#include "test_formats.h"
#include "test_tensors.h"
#include "test_util.h"

using namespace qrt_test;

namespace {

// ---- The pack-quantized layout, written from its definition -------------------------------------------

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Packs stored values (each below 2^bits) of `rows` rows of `count` values: value j of a row goes to
// word j / (32 / bits) of that row, at bit bits · (j % (32 / bits)), lowest bits first. Unused values
// of a row's last word are filled with `padding` bits, which readers must ignore.
std::vector<int32_t> pack_rows(const std::vector<uint32_t>& stored, int64_t rows, int64_t count, int bits,
                               uint32_t padding) {
    const int64_t per_word = 32 / bits;
    const int64_t words = ceil_div(count, per_word);
    std::vector<int32_t> packed(static_cast<size_t>(rows * words));
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t w = 0; w < words; ++w) {
            uint32_t word = 0;
            for (int64_t v = 0; v < per_word; ++v) {
                const int64_t j = w * per_word + v;
                const uint32_t value = j < count ? stored[static_cast<size_t>(r * count + j)]
                                                 : (padding >> (bits * v)) & ((1u << bits) - 1u);
                word |= value << (bits * v);
            }
            packed[static_cast<size_t>(r * words + w)] = static_cast<int32_t>(word);
        }
    }
    return packed;
}

// Packs zero points z[n][g] (stored values) along N: word [n / (32 / bits)][g], bit bits · (n % (32 / bits)).
std::vector<int32_t> pack_zero_points(const std::vector<uint32_t>& stored, int64_t n, int64_t groups, int bits,
                                      uint32_t padding) {
    // Transpose to [G, N], pack each row along N, transpose the words back to [ceil(N / pack), G].
    std::vector<uint32_t> by_group(static_cast<size_t>(groups * n));
    for (int64_t r = 0; r < n; ++r) {
        for (int64_t g = 0; g < groups; ++g)
            by_group[static_cast<size_t>(g * n + r)] = stored[static_cast<size_t>(r * groups + g)];
    }
    const std::vector<int32_t> packed_by_group = pack_rows(by_group, groups, n, bits, padding);
    const int64_t words = ceil_div(n, 32 / bits);
    std::vector<int32_t> packed(static_cast<size_t>(words * groups));
    for (int64_t w = 0; w < words; ++w) {
        for (int64_t g = 0; g < groups; ++g)
            packed[static_cast<size_t>(w * groups + g)] = packed_by_group[static_cast<size_t>(g * words + w)];
    }
    return packed;
}

void test_packer_on_known_words() {
    // q = −8..7 along K, stored = q + 8 = 0..15, low nibble first.
    std::vector<uint32_t> nibbles(16);
    for (uint32_t i = 0; i < 16; ++i) nibbles[i] = i;
    const std::vector<int32_t> words = pack_rows(nibbles, 1, 16, 4, 0);
    QRT_CHECK(words.size() == 2);
    QRT_CHECK(static_cast<uint32_t>(words[0]) == 0x76543210u);  // q = −8..−1
    QRT_CHECK(static_cast<uint32_t>(words[1]) == 0xFEDCBA98u);  // q = 0..7
    // 8 bits: q = −128, −1, 0, 127 are stored as 0x00, 0x7F, 0x80, 0xFF, lowest byte first.
    const std::vector<int32_t> bytes = pack_rows({0x00, 0x7F, 0x80, 0xFF}, 1, 4, 8, 0);
    QRT_CHECK(static_cast<uint32_t>(bytes[0]) == 0xFF807F00u);
    // Three values leave five padding nibbles in the word.
    const std::vector<int32_t> padded = pack_rows({1, 2, 3}, 1, 3, 4, 0xFFFFFFFFu);
    QRT_CHECK(static_cast<uint32_t>(padded[0]) == 0xFFFFF321u);
    // Zero points run along N: rows 0..9 of group 1 of 2 groups, stored z = n, two words per group.
    std::vector<uint32_t> zeros(10 * 2);
    for (uint32_t r = 0; r < 10; ++r) zeros[r * 2 + 1] = r;
    const std::vector<int32_t> zero_words = pack_zero_points(zeros, 10, 2, 4, 0);
    QRT_CHECK(zero_words.size() == 4);
    QRT_CHECK(static_cast<uint32_t>(zero_words[1]) == 0x76543210u);  // word 0, group 1: rows 0..7
    QRT_CHECK(static_cast<uint32_t>(zero_words[3]) == 0x00000098u);  // word 1, group 1: rows 8, 9
    QRT_CHECK(zero_words[0] == 0 && zero_words[2] == 0);
}

// ---- Random cases against the definition ---------------------------------------------------------------

struct Case {
    int64_t m, n, k;
    int bits;
    int64_t group_size;
    bool zero_point;
    bool g_idx;
};

void check_case(Random& random, const Case& c, qrt_dtype x_dtype, qrt_dtype scale_dtype, qrt_dtype y_dtype,
                bool with_bias) {
    CpuStream stream;
    const int64_t groups = c.group_size == 0 ? 1 : ceil_div(c.k, c.group_size);
    const uint32_t levels = 1u << c.bits;

    std::vector<uint32_t> stored(static_cast<size_t>(c.n * c.k));
    for (uint32_t& v : stored) v = static_cast<uint32_t>(random.integer(0, static_cast<int32_t>(levels - 1)));
    std::vector<uint32_t> zero_stored(static_cast<size_t>(c.n * groups), levels / 2);
    if (c.zero_point) {
        for (uint32_t& v : zero_stored) v = static_cast<uint32_t>(random.integer(0, static_cast<int32_t>(levels - 1)));
    }
    // Activation order: the columns are a permutation of the groups' columns.
    std::vector<int32_t> g_idx(static_cast<size_t>(c.k));
    for (int64_t k = 0; k < c.k; ++k)
        g_idx[static_cast<size_t>(k)] = c.group_size == 0 ? 0 : static_cast<int32_t>(k / c.group_size);
    if (c.g_idx) std::shuffle(g_idx.begin(), g_idx.end(), random.engine());

    std::vector<int32_t> packed = pack_rows(stored, c.n, c.k, c.bits, 0xA5C3E1F7u);
    std::vector<int32_t> zero_packed = pack_zero_points(zero_stored, c.n, groups, c.bits, 0x5A3C1E7Fu);
    Stored scale = store(random.uniform(static_cast<size_t>(c.n * groups), 0.002f, 0.03f), scale_dtype);
    Stored x = store(random.uniform(static_cast<size_t>(c.m * c.k)), x_dtype);
    Stored bias = store(random.uniform(static_cast<size_t>(c.n)), QRT_DTYPE_BF16);
    std::vector<unsigned char> y(static_cast<size_t>(c.m * c.n) * qrt_dtype_size(y_dtype));

    const int64_t words = ceil_div(c.k, 32 / c.bits);
    qrt_tensor xt = tensor(x.bytes.data(), x_dtype, {c.m, c.k});
    qrt_tensor pt = tensor(packed.data(), QRT_DTYPE_I32, {c.n, words});
    qrt_tensor st = tensor(scale.bytes.data(), scale_dtype, {c.n, groups});
    qrt_tensor zt = tensor(zero_packed.data(), QRT_DTYPE_I32, {ceil_div(c.n, 32 / c.bits), groups});
    qrt_tensor gt = tensor(g_idx.data(), QRT_DTYPE_I32, {c.k});
    qrt_tensor bt = tensor(bias.bytes.data(), QRT_DTYPE_BF16, {c.n});
    qrt_tensor yt = tensor(y.data(), y_dtype, {c.m, c.n});
    QRT_CHECK_OK(qrt_gemm_wna16(stream, &xt, &pt, &st, c.zero_point ? &zt : nullptr, c.g_idx ? &gt : nullptr, c.bits,
                                c.group_size, with_bias ? &bt : nullptr, &yt));

    // W[n][k] = (q − z) · scale[n][g], q = stored − 2^(bits−1), z = stored_z − 2^(bits−1).
    const double offset = levels / 2;
    std::vector<double> weight(static_cast<size_t>(c.n * c.k));
    for (int64_t n = 0; n < c.n; ++n) {
        for (int64_t k = 0; k < c.k; ++k) {
            const int64_t g = g_idx[static_cast<size_t>(k)];
            const double q = stored[static_cast<size_t>(n * c.k + k)] - offset;
            const double z = zero_stored[static_cast<size_t>(n * groups + g)] - offset;
            weight[static_cast<size_t>(n * c.k + k)] = (q - z) * scale.values[static_cast<size_t>(n * groups + g)];
        }
    }
    std::vector<float> actual;
    std::vector<double> expected, bound;
    for (int64_t m = 0; m < c.m; ++m) {
        for (int64_t n = 0; n < c.n; ++n) {
            ReferenceSum sum;
            for (int64_t k = 0; k < c.k; ++k) {
                sum.add(x.values[static_cast<size_t>(m * c.k + k)] * weight[static_cast<size_t>(n * c.k + k)]);
            }
            if (with_bias) sum.add(bias.values[static_cast<size_t>(n)]);
            // Dequantizing a weight rounds once ((q − z) is an exact integer), each product once, and K − 1
            // additions plus the bias once each: at most K + 2 roundings on any path, γ(K + 2)·Σ|terms|;
            // then one rounding to y's dtype.
            const double u = unit_roundoff(y_dtype);
            expected.push_back(sum.value);
            bound.push_back(gamma_fp32(c.k + 2) * sum.magnitude * (1.0 + u) + u * std::fabs(sum.value) +
                            underflow_error(y_dtype));
            actual.push_back(load_element(y.data(), y_dtype, static_cast<size_t>(m * c.n + n)));
        }
    }
    char what[200];
    std::snprintf(what, sizeof what, "qrt_gemm_wna16 M=%lld N=%lld K=%lld bits %d group %lld%s%s x %s scale %s y %s%s",
                  static_cast<long long>(c.m), static_cast<long long>(c.n), static_cast<long long>(c.k), c.bits,
                  static_cast<long long>(c.group_size), c.zero_point ? " zero-point" : "", c.g_idx ? " g_idx" : "",
                  qrt_dtype_name(x_dtype), qrt_dtype_name(scale_dtype), qrt_dtype_name(y_dtype),
                  with_bias ? " bias" : "");
    check_within(actual, expected, bound, what);
}

void test_cases() {
    Random random(2024);
    // Group sizes 32, 64, 128 and per channel; K not a multiple of the group size or of 8 (padding);
    // zero points with N not a multiple of 8; activation order; M from 1 to past one activation block.
    const Case cases[] = {
        {1, 16, 256, 4, 128, false, false},
        {2, 13, 300, 4, 128, true, false},
        {3, 33, 131, 4, 32, false, false},
        {7, 9, 520, 4, 64, true, false},
        {16, 24, 200, 4, 0, false, false},
        {33, 17, 77, 4, 0, true, false},
        {1, 10, 1100, 8, 128, false, false},
        {3, 13, 300, 8, 64, true, false},
        {7, 5, 7, 8, 32, false, false},
        {2, 19, 384, 4, 128, false, true},
        {16, 11, 300, 4, 32, true, true},
        {33, 8, 255, 8, 64, false, true},
        {1, 3, 5, 4, 128, false, false},
        {65, 20, 129, 4, 32, true, false},
        {2, 7, 1030, 4, 128, true, true},
        {3, 31, 97, 8, 0, true, false},
        // Group sizes that split words (runs start and end inside a word), also across a 512-column chunk.
        {3, 13, 300, 4, 100, true, false},
        {5, 9, 250, 8, 50, false, false},
        {2, 11, 1100, 4, 100, true, false},
    };
    int variant = 0;
    for (const Case& c : cases) {
        // Every x dtype with every y dtype; the scale dtype and the bias rotate.
        for (qrt_dtype x_dtype : kFloatDtypes) {
            for (qrt_dtype y_dtype : kFloatDtypes) {
                check_case(random, c, x_dtype, kFloatDtypes[variant % 3], y_dtype, variant % 2 == 0);
                ++variant;
            }
        }
    }
}

// A weight row stride (a column block of a wider packed matrix) and strided x and y rows.
void test_strided_views() {
    CpuStream stream;
    Random random(5);
    const int64_t m = 3, n = 6, k = 64, words = 8, packed_stride = 11, x_stride = 70, y_stride = 9;
    std::vector<uint32_t> stored(n * k);
    for (uint32_t& v : stored) v = static_cast<uint32_t>(random.integer(0, 15));
    const std::vector<int32_t> dense = pack_rows(stored, n, k, 4, 0);
    std::vector<int32_t> packed(n * packed_stride, -1);
    for (int64_t r = 0; r < n; ++r) std::copy_n(&dense[r * words], words, &packed[r * packed_stride]);
    std::vector<float> scale = random.uniform(n, 0.01f, 0.02f), x = random.uniform(m * x_stride);
    std::vector<float> y(m * y_stride, 123.0f);
    qrt_tensor xt = tensor(x.data(), QRT_DTYPE_F32, {m, k});
    xt.strides[0] = x_stride;
    qrt_tensor pt = tensor(packed.data(), QRT_DTYPE_I32, {n, words});
    pt.strides[0] = packed_stride;
    qrt_tensor st = tensor(scale.data(), QRT_DTYPE_F32, {n, 1});
    qrt_tensor yt = tensor(y.data(), QRT_DTYPE_F32, {m, n});
    yt.strides[0] = y_stride;
    QRT_CHECK_OK(qrt_gemm_wna16(stream, &xt, &pt, &st, nullptr, nullptr, 4, 0, nullptr, &yt));
    std::vector<float> actual;
    std::vector<double> expected;
    for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
            double sum = 0.0;
            for (int64_t c = 0; c < k; ++c) {
                sum += static_cast<double>(x[i * x_stride + c]) *
                       ((static_cast<double>(stored[j * k + c]) - 8.0) * scale[j]);
            }
            expected.push_back(sum);
            actual.push_back(y[i * y_stride + j]);
        }
        QRT_CHECK(y[i * y_stride + n] == 123.0f);  // the gap between rows of y is left alone
    }
    // |x| <= 1, |W| <= 8 · 0.02: Σ|x·W| <= 0.16·K; K + 1 roundings (dequantization and K products/sums).
    all_close(actual, expected, gamma_fp32(k + 1) * 0.16 * k, 0.0, "qrt_gemm_wna16 strided views");
}

void test_bad_arguments() {
    CpuStream stream;
    const int64_t m = 2, n = 13, k = 300, groups = 3;  // group_size 128, 4 bits: 38 words per row
    std::vector<float> x(m * k), scale(n * groups), bias(n), y(m * n);
    std::vector<int32_t> packed(n * 38), zeros(2 * groups), g_idx(k, 0);
    std::vector<int64_t> g_idx_wide(k, 0);
    qrt_tensor xt = tensor(x.data(), QRT_DTYPE_F32, {m, k});
    qrt_tensor pt = tensor(packed.data(), QRT_DTYPE_I32, {n, 38});
    qrt_tensor st = tensor(scale.data(), QRT_DTYPE_F32, {n, groups});
    qrt_tensor zt = tensor(zeros.data(), QRT_DTYPE_I32, {2, groups});
    qrt_tensor gt = tensor(g_idx.data(), QRT_DTYPE_I32, {k});
    qrt_tensor bt = tensor(bias.data(), QRT_DTYPE_F32, {n});
    qrt_tensor yt = tensor(y.data(), QRT_DTYPE_F32, {m, n});
    QRT_CHECK_OK(qrt_gemm_wna16(stream, &xt, &pt, &st, &zt, &gt, 4, 128, &bt, &yt));

    QRT_CHECK_FAILS(qrt_gemm_wna16(nullptr, &xt, &pt, &st, &zt, &gt, 4, 128, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'stream'");
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, nullptr, &pt, &st, &zt, &gt, 4, 128, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'x'");
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, nullptr, &st, &zt, &gt, 4, 128, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'weight_packed'");
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, nullptr, &zt, &gt, 4, 128, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "'weight_scale'");
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, &st, &zt, &gt, 4, 128, &bt, nullptr), QRT_STATUS_INVALID_ARGUMENT,
                    "'y'");

    // Bad num_bits and group_size.
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, &st, &zt, &gt, 3, 128, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'num_bits': must be 4 or 8, got 3");
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, &st, &zt, &gt, 4, -1, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'group_size'");

    // Wrong packed width and dtype.
    qrt_tensor narrow = tensor(packed.data(), QRT_DTYPE_I32, {n, 37});
    QRT_CHECK_FAILS(
        qrt_gemm_wna16(stream, &xt, &narrow, &st, &zt, &gt, 4, 128, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
        "argument 'weight_packed': has 37 words per row but x has K = 300 columns, which take ceil(300 / 8) = 38");
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, &st, &zt, &gt, 8, 128, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "ceil(300 / 4) = 75");
    qrt_tensor float_packed = tensor(packed.data(), QRT_DTYPE_F32, {n, 38});
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &float_packed, &st, &zt, &gt, 4, 128, &bt, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'weight_packed': dtype F32 is not accepted");

    // Wrong scale shapes.
    qrt_tensor few_rows = tensor(scale.data(), QRT_DTYPE_F32, {n - 1, groups});
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, &few_rows, &zt, &gt, 4, 128, &bt, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "argument 'weight_scale': has 12 rows but weight_packed has N = 13");
    qrt_tensor few_groups = tensor(scale.data(), QRT_DTYPE_F32, {n, 2});
    QRT_CHECK_FAILS(
        qrt_gemm_wna16(stream, &xt, &pt, &few_groups, &zt, &gt, 4, 128, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
        "argument 'weight_scale': has 2 groups per row but K = 300 with group_size 128 takes ceil(300 / 128) = 3");
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, &st, nullptr, nullptr, 4, 0, &bt, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'weight_scale': has 3 columns but group_size 0");
    qrt_tensor flat_scale = tensor(scale.data(), QRT_DTYPE_F32, {n * groups});
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, &flat_scale, &zt, &gt, 4, 128, &bt, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'weight_scale': must be [N, groups]");

    // Wrong zero-point shapes and dtype.
    qrt_tensor zero_rows = tensor(zeros.data(), QRT_DTYPE_I32, {1, groups});
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, &st, &zero_rows, &gt, 4, 128, &bt, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "argument 'weight_zero_point': has 1 rows but N = 13");
    qrt_tensor zero_cols = tensor(zeros.data(), QRT_DTYPE_I32, {2, 2});
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, &st, &zero_cols, &gt, 4, 128, &bt, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "argument 'weight_zero_point': has 2 columns");
    qrt_tensor zero_bytes = tensor(zeros.data(), QRT_DTYPE_U8, {2, groups});
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, &st, &zero_bytes, &gt, 4, 128, &bt, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'weight_zero_point': dtype U8");

    // Group indices: out of range (first bad index and value named), negative, without groups, wrong
    // length, wrong dtype.
    g_idx[5] = 3;
    g_idx[9] = 7;
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, &st, &zt, &gt, 4, 128, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'weight_g_idx': value 3 at index 5 is outside [0, 3)");
    g_idx[5] = -1;
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, &st, &zt, &gt, 4, 128, &bt, &yt), QRT_STATUS_INVALID_ARGUMENT,
                    "value -1 at index 5");
    g_idx[5] = 0;
    g_idx[9] = 0;
    qrt_tensor channel_scale = tensor(scale.data(), QRT_DTYPE_F32, {n, 1});
    qrt_tensor channel_zeros = tensor(zeros.data(), QRT_DTYPE_I32, {2, 1});
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, &channel_scale, &channel_zeros, &gt, 4, 0, &bt, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "argument 'weight_g_idx': requires group_size > 0");
    qrt_tensor short_g_idx = tensor(g_idx.data(), QRT_DTYPE_I32, {k - 1});
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, &st, &zt, &short_g_idx, 4, 128, &bt, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "argument 'weight_g_idx': must have 300 elements");
    qrt_tensor wide_g_idx = tensor(g_idx_wide.data(), QRT_DTYPE_I64, {k});
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, &st, &zt, &wide_g_idx, 4, 128, &bt, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'weight_g_idx': dtype I64");

    // Output, bias, layout and device.
    qrt_tensor short_y = tensor(y.data(), QRT_DTYPE_F32, {m, n - 1});
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, &st, &zt, &gt, 4, 128, &bt, &short_y), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'y': has 12 columns but weight_packed has 13 output rows");
    qrt_tensor one_row_y = tensor(y.data(), QRT_DTYPE_F32, {1, n});
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, &st, &zt, &gt, 4, 128, &bt, &one_row_y),
                    QRT_STATUS_INVALID_ARGUMENT, "argument 'y': has 1 rows but x has 2");
    qrt_tensor short_bias = tensor(bias.data(), QRT_DTYPE_F32, {n - 1});
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, &st, &zt, &gt, 4, 128, &short_bias, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'bias'");
    qrt_tensor strided_x = tensor(x.data(), QRT_DTYPE_F32, {m, k});
    strided_x.strides[1] = 2;
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &strided_x, &pt, &st, &zt, &gt, 4, 128, &bt, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'x': the last dimension must be contiguous");
    qrt_tensor no_scale_data = tensor(nullptr, QRT_DTYPE_F32, {n, groups});
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &pt, &no_scale_data, &zt, &gt, 4, 128, &bt, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'weight_scale': data is NULL");
    qrt_tensor elsewhere = tensor(packed.data(), QRT_DTYPE_I32, {n, 38}, qrt_device{QRT_BACKEND_CUDA, 0});
    QRT_CHECK_FAILS(qrt_gemm_wna16(stream, &xt, &elsewhere, &st, &zt, &gt, 4, 128, &bt, &yt),
                    QRT_STATUS_INVALID_ARGUMENT, "'weight_packed': lives on cuda:0");
}

}  // namespace

int main() {
    test_packer_on_known_words();
    test_cases();
    test_strided_views();
    test_bad_arguments();
    return finish("test_gemm_wna16");
}
