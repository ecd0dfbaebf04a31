// qrt_rope and qrt_rope_cos_sin against double-precision loops written from the half-split rotary
// definition in qrt.h.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "test_bounds.h"
#include "test_formats.h"
#include "test_tensors.h"
#include "test_util.h"

using namespace qrt_test;

namespace {

// inv_freq[i] = 1 / theta^(2i / R), evaluated in FP32 as transformers' default rotary initialisation does.
std::vector<float> inverse_frequencies(int64_t half, float theta) {
    std::vector<float> out(static_cast<size_t>(half));
    for (int64_t i = 0; i < half; ++i) {
        const float exponent = static_cast<float>(2 * i) / static_cast<float>(2 * half);
        out[static_cast<size_t>(i)] = 1.0f / std::pow(theta, exponent);
    }
    return out;
}

// The angle qrt.h defines: position · inv_freq in FP32.
float rope_angle(int64_t position, float inv_freq) { return static_cast<float>(position) * inv_freq; }

// Per-token rotation tables in double: cos and sin of each angle (angles[t * half + i]).
struct Rotation {
    int64_t half;
    std::vector<double> cos;
    std::vector<double> sin;
};

Rotation rotation_from_positions(const std::vector<int64_t>& positions, const std::vector<float>& inv_freq) {
    Rotation r{static_cast<int64_t>(inv_freq.size()), {}, {}};
    for (int64_t position : positions) {
        for (float frequency : inv_freq) {
            const double angle = rope_angle(position, frequency);
            r.cos.push_back(std::cos(angle));
            r.sin.push_back(std::sin(angle));
        }
    }
    return r;
}

Rotation rotation_from_tables(const std::vector<float>& cos, const std::vector<float>& sin, int64_t half) {
    return Rotation{half, std::vector<double>(cos.begin(), cos.end()), std::vector<double>(sin.begin(), sin.end())};
}

// The buffer after rotating the heads of `layout`, in double; elements outside the rotary dims keep
// their values.
std::vector<double> reference_rope(std::vector<double> buffer, const HeadsLayout& layout, const Rotation& rotation) {
    const int64_t half = rotation.half;
    for (int64_t t = 0; t < layout.tokens; ++t) {
        for (int64_t h = 0; h < layout.heads; ++h) {
            for (int64_t i = 0; i < half; ++i) {
                double& first = buffer[static_cast<size_t>(layout.index(t, h, i))];
                double& second = buffer[static_cast<size_t>(layout.index(t, h, i + half))];
                const double a = first;
                const double b = second;
                const double c = rotation.cos[static_cast<size_t>(t * half + i)];
                const double s = rotation.sin[static_cast<size_t>(t * half + i)];
                first = a * c - b * s;
                second = b * c + a * s;
            }
        }
    }
    return buffer;
}

std::vector<double> widen(const std::vector<float>& values) {
    return std::vector<double>(values.begin(), values.end());
}

// Inputs lie in [-1, 1]. In FP32, each rotated element is a·c − b·s with c and s rounded once (2^-24
// relative), each product rounded once and the difference rounded once: at most 3·2^-24·(|a| + |b|)
// <= 6·2^-24 away. F16 and BF16 results then round once more, to half their spacing (2^-11 and 2^-8
// relative; F16 below 2^-14 costs up to 2^-25 absolute).
Tolerance rope_tolerance(qrt_dtype dtype) {
    return {6 * kUnitRoundoff + output_underflow(dtype), output_rounding(dtype)};
}

// Compares x, rotated by the library, with the reference rotation of its contents before.
void check_rotated(const FloatBuffer& x, const FloatBuffer& before, const HeadsLayout& layout, const Rotation& rotation,
                   const char* what) {
    const Tolerance tol = rope_tolerance(x.dtype());
    all_close(x.values(), reference_rope(widen(before.values()), layout, rotation), tol.atol, tol.rtol, what);
}

// Runs qrt_rope with positions in the given index dtype.
qrt_status run_rope(qrt_stream* stream, FloatBuffer& x, const HeadsLayout& layout,
                    const std::vector<int64_t>& positions, qrt_dtype index_dtype, std::vector<float>& inv_freq) {
    IndexBuffer stored_positions(index_dtype, positions);
    qrt_tensor position_t = tensor(stored_positions.data(), index_dtype, {static_cast<int64_t>(positions.size())});
    qrt_tensor x_t = heads_tensor(x, layout);
    qrt_tensor inv_freq_t = tensor(inv_freq.data(), QRT_DTYPE_F32, {static_cast<int64_t>(inv_freq.size())});
    return qrt_rope(stream, &x_t, &position_t, &inv_freq_t);
}

std::vector<int64_t> random_positions(Random& random, int64_t count, int32_t largest) {
    std::vector<int64_t> out(static_cast<size_t>(count));
    for (int64_t& p : out) p = random.integer(0, largest);
    return out;
}

// Checks that every element outside the rotary part of the view kept its exact bits.
void check_untouched(const FloatBuffer& before, const FloatBuffer& after, const HeadsLayout& layout, int64_t half,
                     const char* what) {
    std::vector<bool> rotated(before.size(), false);
    for (int64_t t = 0; t < layout.tokens; ++t) {
        for (int64_t h = 0; h < layout.heads; ++h) {
            for (int64_t d = 0; d < 2 * half; ++d) rotated[static_cast<size_t>(layout.index(t, h, d))] = true;
        }
    }
    const size_t element_size = qrt_dtype_size(before.dtype());
    for (size_t i = 0; i < before.size(); ++i) {
        if (rotated[i]) continue;
        if (std::memcmp(&before.bytes()[i * element_size], &after.bytes()[i * element_size], element_size) != 0) {
            std::fprintf(stderr, "%s: element %zu outside the rotary dims changed\n", what, i);
            ++failures();
            return;
        }
    }
}

void test_rope_values(Random& random) {
    CpuStream stream;
    // tokens, heads, dim, half
    const int64_t shapes[][4] = {{1, 1, 2, 1},   {3, 2, 8, 4},  {7, 3, 64, 32}, {17, 4, 128, 64},
                                 {5, 2, 34, 17}, {33, 1, 6, 3}, {2, 5, 127, 63}};
    for (qrt_dtype dtype : kFloatDtypes) {
        for (qrt_dtype index_dtype : {QRT_DTYPE_I32, QRT_DTYPE_I64}) {
            for (const auto& shape : shapes) {
                const HeadsLayout layout = contiguous_heads(shape[0], shape[1], shape[2]);
                std::vector<float> inv_freq = inverse_frequencies(shape[3], 10000.0f);
                const std::vector<int64_t> positions = random_positions(random, layout.tokens, 4096);
                FloatBuffer x(dtype, random.uniform(static_cast<size_t>(shape[0] * shape[1] * shape[2])));
                const FloatBuffer before = x;
                QRT_CHECK_OK(run_rope(stream, x, layout, positions, index_dtype, inv_freq));
                char what[128];
                std::snprintf(what, sizeof what, "rope %s positions %s [%lld, %lld, %lld] half %lld",
                              qrt_dtype_name(dtype), qrt_dtype_name(index_dtype), static_cast<long long>(shape[0]),
                              static_cast<long long>(shape[1]), static_cast<long long>(shape[2]),
                              static_cast<long long>(shape[3]));
                check_rotated(x, before, layout, rotation_from_positions(positions, inv_freq), what);
                check_untouched(before, x, layout, shape[3], what);
            }
        }
    }
}

// Position 0 is the identity: cos 1 and sin 0 leave every bit in place.
void test_position_zero(Random& random) {
    CpuStream stream;
    for (qrt_dtype dtype : kFloatDtypes) {
        const HeadsLayout layout = contiguous_heads(4, 3, 16);
        std::vector<float> inv_freq = inverse_frequencies(8, 10000.0f);
        FloatBuffer x(dtype, random.uniform(4 * 3 * 16));
        const FloatBuffer before = x;
        QRT_CHECK_OK(run_rope(stream, x, layout, std::vector<int64_t>(4, 0), QRT_DTYPE_I64, inv_freq));
        QRT_CHECK(x.bytes() == before.bytes());
    }
}

// Long contexts: with theta = 1e6 and positions in the hundreds of thousands the angles reach 5e5 rad,
// where an angle reduced carelessly loses every digit. Each angle is still one FP32 product; its cosine
// and sine must be those of that FP32 value.
void test_large_positions(Random& random) {
    CpuStream stream;
    const std::vector<int64_t> positions = {100000, 131071, 262144, 500000, 99999};
    for (qrt_dtype dtype : kFloatDtypes) {
        const HeadsLayout layout = contiguous_heads(5, 2, 128);
        std::vector<float> inv_freq = inverse_frequencies(64, 1e6f);
        FloatBuffer x(dtype, random.uniform(5 * 2 * 128));
        const FloatBuffer before = x;
        QRT_CHECK_OK(run_rope(stream, x, layout, positions, QRT_DTYPE_I64, inv_freq));
        check_rotated(x, before, layout, rotation_from_positions(positions, inv_freq), "rope at large positions");
    }
}

// Partial rotary (R < D, as in Phi and GPT-NeoX): dims from R on keep their bits.
void test_partial_rotary(Random& random) {
    CpuStream stream;
    for (qrt_dtype dtype : kFloatDtypes) {
        const HeadsLayout layout = contiguous_heads(9, 4, 80);
        std::vector<float> inv_freq = inverse_frequencies(16, 10000.0f);  // R = 32 of D = 80
        const std::vector<int64_t> positions = random_positions(random, 9, 2048);
        FloatBuffer x(dtype, random.uniform(9 * 4 * 80));
        const FloatBuffer before = x;
        QRT_CHECK_OK(run_rope(stream, x, layout, positions, QRT_DTYPE_I32, inv_freq));
        check_rotated(x, before, layout, rotation_from_positions(positions, inv_freq), "partial rotary");
        check_untouched(before, x, layout, 16, "partial rotary");
    }
}

// q and k as strided views into one fused qkv projection output [T, (Hq + 2·Hkv)·D], with different head
// counts (grouped-query attention); v, which follows them in each row, must not change.
void test_fused_qkv_views(Random& random) {
    CpuStream stream;
    const int64_t tokens = 7;
    const int64_t q_heads = 6;
    const int64_t kv_heads = 2;
    const int64_t dim = 24;
    const int64_t row = (q_heads + 2 * kv_heads) * dim;
    for (qrt_dtype dtype : kFloatDtypes) {
        FloatBuffer qkv(dtype, random.uniform(static_cast<size_t>(tokens * row)));
        const FloatBuffer before = qkv;
        const HeadsLayout q_layout{tokens, q_heads, dim, row, dim, 0};
        const HeadsLayout k_layout{tokens, kv_heads, dim, row, dim, q_heads * dim};
        std::vector<float> inv_freq = inverse_frequencies(dim / 2, 10000.0f);
        const std::vector<int64_t> positions = {3, 4, 5, 6, 7, 8, 9};
        QRT_CHECK_OK(run_rope(stream, qkv, q_layout, positions, QRT_DTYPE_I64, inv_freq));
        QRT_CHECK_OK(run_rope(stream, qkv, k_layout, positions, QRT_DTYPE_I64, inv_freq));

        const Rotation rotation = rotation_from_positions(positions, inv_freq);
        const std::vector<double> expected =
            reference_rope(reference_rope(widen(before.values()), q_layout, rotation), k_layout, rotation);
        const Tolerance tol = rope_tolerance(dtype);
        all_close(qkv.values(), expected, tol.atol, tol.rtol, "fused qkv views");
        // v occupies the last Hkv·D columns of each row; with q and k rotated in full, only v is outside.
        const HeadsLayout qk_layout{tokens, q_heads + kv_heads, dim, row, dim, 0};
        check_untouched(before, qkv, qk_layout, dim / 2, "fused qkv: v");
    }
}

// qrt_rope_cos_sin with tables built from the same FP32 angles as qrt_rope gives the same bits, and on
// its own matches the definition for arbitrary tables (as M-RoPE and 2-D vision rotaries produce),
// including tables that are column blocks of a wider buffer.
void test_cos_sin_tables(Random& random) {
    CpuStream stream;
    const int64_t tokens = 11;
    const int64_t heads = 3;
    const int64_t dim = 40;
    const int64_t half = 16;
    const HeadsLayout layout = contiguous_heads(tokens, heads, dim);
    std::vector<float> inv_freq = inverse_frequencies(half, 10000.0f);
    const std::vector<int64_t> positions = random_positions(random, tokens, 30000);

    // The tables live in the first `half` columns of rows of width 2·half + 5.
    const int64_t table_stride = 2 * half + 5;
    std::vector<float> cos(static_cast<size_t>(tokens * table_stride), 9.0f);
    std::vector<float> sin(static_cast<size_t>(tokens * table_stride), 9.0f);
    for (int64_t t = 0; t < tokens; ++t) {
        for (int64_t i = 0; i < half; ++i) {
            const double angle = rope_angle(positions[static_cast<size_t>(t)], inv_freq[static_cast<size_t>(i)]);
            cos[static_cast<size_t>(t * table_stride + i)] = static_cast<float>(std::cos(angle));
            sin[static_cast<size_t>(t * table_stride + i)] = static_cast<float>(std::sin(angle));
        }
    }
    qrt_tensor cos_t = tensor(cos.data(), QRT_DTYPE_F32, {tokens, half});
    qrt_tensor sin_t = tensor(sin.data(), QRT_DTYPE_F32, {tokens, half});
    cos_t.strides[0] = table_stride;
    sin_t.strides[0] = table_stride;

    for (qrt_dtype dtype : kFloatDtypes) {
        FloatBuffer from_positions(dtype, random.uniform(static_cast<size_t>(tokens * heads * dim)));
        FloatBuffer from_tables = from_positions;
        QRT_CHECK_OK(run_rope(stream, from_positions, layout, positions, QRT_DTYPE_I32, inv_freq));
        qrt_tensor x_t = heads_tensor(from_tables, layout);
        QRT_CHECK_OK(qrt_rope_cos_sin(stream, &x_t, &cos_t, &sin_t));
        QRT_CHECK(from_tables.bytes() == from_positions.bytes());
    }

    // Arbitrary angles, not tied to positions.
    std::vector<float> angles = random.uniform(static_cast<size_t>(tokens * half), -100.0f, 100.0f);
    std::vector<float> free_cos(angles.size());
    std::vector<float> free_sin(angles.size());
    for (size_t i = 0; i < angles.size(); ++i) {
        free_cos[i] = static_cast<float>(std::cos(static_cast<double>(angles[i])));
        free_sin[i] = static_cast<float>(std::sin(static_cast<double>(angles[i])));
    }
    qrt_tensor free_cos_t = tensor(free_cos.data(), QRT_DTYPE_F32, {tokens, half});
    qrt_tensor free_sin_t = tensor(free_sin.data(), QRT_DTYPE_F32, {tokens, half});
    for (qrt_dtype dtype : kFloatDtypes) {
        FloatBuffer x(dtype, random.uniform(static_cast<size_t>(tokens * heads * dim)));
        const FloatBuffer before = x;
        qrt_tensor x_t = heads_tensor(x, layout);
        QRT_CHECK_OK(qrt_rope_cos_sin(stream, &x_t, &free_cos_t, &free_sin_t));
        // The tables are exact inputs here, so their own rounding is not part of the error: the
        // tolerance of rope_tolerance, which allows for it, is an upper bound.
        check_rotated(x, before, layout, rotation_from_tables(free_cos, free_sin, half),
                      "rope_cos_sin with arbitrary tables");
        check_untouched(before, x, layout, half, "rope_cos_sin");
    }
}

// Zero tokens, zero heads or a zero rotary width touch nothing.
void test_empty() {
    CpuStream stream;
    std::vector<float> inv_freq = inverse_frequencies(4, 10000.0f);
    std::vector<int64_t> positions;
    qrt_tensor no_tokens = tensor(nullptr, QRT_DTYPE_F32, {0, 2, 8});
    no_tokens.strides[0] = 16;  // the contiguous stride 0 is refused for an extent above 1
    qrt_tensor no_positions = tensor(nullptr, QRT_DTYPE_I64, {0});
    qrt_tensor inv_freq_t = tensor(inv_freq.data(), QRT_DTYPE_F32, {4});
    QRT_CHECK_OK(qrt_rope(stream, &no_tokens, &no_positions, &inv_freq_t));

    std::vector<float> x(16, 0.5f);
    std::vector<int32_t> two_positions = {5, 6};
    qrt_tensor x_t = tensor(x.data(), QRT_DTYPE_F32, {2, 1, 8});
    qrt_tensor positions_t = tensor(two_positions.data(), QRT_DTYPE_I32, {2});
    qrt_tensor no_frequencies = tensor(nullptr, QRT_DTYPE_F32, {0});
    QRT_CHECK_OK(qrt_rope(stream, &x_t, &positions_t, &no_frequencies));
    QRT_CHECK(std::all_of(x.begin(), x.end(), [](float v) { return v == 0.5f; }));
}

// Each (token, head) is rotated by one thread, so the thread count does not change any bit.
void test_thread_count_invariance(Random& random) {
    CpuStream stream;
    const HeadsLayout layout = contiguous_heads(64, 8, 128);
    std::vector<float> inv_freq = inverse_frequencies(64, 10000.0f);
    const std::vector<int64_t> positions = random_positions(random, 64, 8192);
    FloatBuffer one(QRT_DTYPE_BF16, random.uniform(64 * 8 * 128));
    FloatBuffer three = one;
    QRT_CHECK_OK(qrt_cpu_set_thread_count(1));
    QRT_CHECK_OK(run_rope(stream, one, layout, positions, QRT_DTYPE_I64, inv_freq));
    QRT_CHECK_OK(qrt_cpu_set_thread_count(3));
    QRT_CHECK_OK(run_rope(stream, three, layout, positions, QRT_DTYPE_I64, inv_freq));
    QRT_CHECK(one.bytes() == three.bytes());
    QRT_CHECK_OK(qrt_cpu_set_thread_count(0));
}

void test_bad_arguments() {
    CpuStream stream;
    std::vector<float> x(3 * 2 * 8, 0.0f);
    std::vector<int32_t> positions = {0, 1, 2};
    std::vector<float> inv_freq(4, 1.0f);
    std::vector<float> table(3 * 4, 0.0f);
    const qrt_device gpu{QRT_BACKEND_CUDA, 0};
    qrt_tensor x_t = tensor(x.data(), QRT_DTYPE_F32, {3, 2, 8});
    qrt_tensor positions_t = tensor(positions.data(), QRT_DTYPE_I32, {3});
    qrt_tensor inv_freq_t = tensor(inv_freq.data(), QRT_DTYPE_F32, {4});
    qrt_tensor cos_t = tensor(table.data(), QRT_DTYPE_F32, {3, 4});
    qrt_tensor sin_t = tensor(table.data(), QRT_DTYPE_F32, {3, 4});

    QRT_CHECK_FAILS(qrt_rope(nullptr, &x_t, &positions_t, &inv_freq_t), QRT_STATUS_INVALID_ARGUMENT, "'stream'");
    QRT_CHECK_FAILS(qrt_rope(stream, nullptr, &positions_t, &inv_freq_t), QRT_STATUS_INVALID_ARGUMENT, "'x'");
    QRT_CHECK_FAILS(qrt_rope(stream, &x_t, nullptr, &inv_freq_t), QRT_STATUS_INVALID_ARGUMENT, "'positions'");
    QRT_CHECK_FAILS(qrt_rope(stream, &x_t, &positions_t, nullptr), QRT_STATUS_INVALID_ARGUMENT, "'inv_freq'");

    qrt_tensor flat_x = tensor(x.data(), QRT_DTYPE_F32, {3, 16});
    QRT_CHECK_FAILS(qrt_rope(stream, &flat_x, &positions_t, &inv_freq_t), QRT_STATUS_INVALID_ARGUMENT, "'x': must be");
    qrt_tensor integer_x = tensor(x.data(), QRT_DTYPE_I32, {3, 2, 8});
    QRT_CHECK_FAILS(qrt_rope(stream, &integer_x, &positions_t, &inv_freq_t), QRT_STATUS_INVALID_ARGUMENT, "'x'");
    qrt_tensor strided_x = tensor(x.data(), QRT_DTYPE_F32, {3, 2, 4});
    strided_x.strides[2] = 2;
    QRT_CHECK_FAILS(qrt_rope(stream, &strided_x, &positions_t, &inv_freq_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'x': the last dimension");
    qrt_tensor no_data_x = tensor(nullptr, QRT_DTYPE_F32, {3, 2, 8});
    QRT_CHECK_FAILS(qrt_rope(stream, &no_data_x, &positions_t, &inv_freq_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'x': data is NULL");
    qrt_tensor gpu_x = tensor(x.data(), QRT_DTYPE_F32, {3, 2, 8}, gpu);
    QRT_CHECK_FAILS(qrt_rope(stream, &gpu_x, &positions_t, &inv_freq_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'x': lives on cuda:0");

    qrt_tensor float_positions = tensor(inv_freq.data(), QRT_DTYPE_F32, {3});
    QRT_CHECK_FAILS(qrt_rope(stream, &x_t, &float_positions, &inv_freq_t), QRT_STATUS_INVALID_ARGUMENT, "'positions'");
    qrt_tensor two_positions = tensor(positions.data(), QRT_DTYPE_I32, {2});
    QRT_CHECK_FAILS(qrt_rope(stream, &x_t, &two_positions, &inv_freq_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'positions': must have 3 elements");
    qrt_tensor strided_positions = tensor(positions.data(), QRT_DTYPE_I32, {3});
    strided_positions.strides[0] = 2;
    QRT_CHECK_FAILS(qrt_rope(stream, &x_t, &strided_positions, &inv_freq_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'positions': must be contiguous");
    qrt_tensor gpu_positions = tensor(positions.data(), QRT_DTYPE_I32, {3}, gpu);
    QRT_CHECK_FAILS(qrt_rope(stream, &x_t, &gpu_positions, &inv_freq_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'positions': lives on cuda:0");

    qrt_tensor half_inv_freq = tensor(inv_freq.data(), QRT_DTYPE_BF16, {4});
    QRT_CHECK_FAILS(qrt_rope(stream, &x_t, &positions_t, &half_inv_freq), QRT_STATUS_INVALID_ARGUMENT, "'inv_freq'");
    std::vector<float> too_many(5, 1.0f);
    qrt_tensor wide_inv_freq = tensor(too_many.data(), QRT_DTYPE_F32, {5});
    QRT_CHECK_FAILS(qrt_rope(stream, &x_t, &positions_t, &wide_inv_freq), QRT_STATUS_INVALID_ARGUMENT,
                    "'inv_freq': has 5 frequencies");
    qrt_tensor strided_inv_freq = tensor(inv_freq.data(), QRT_DTYPE_F32, {2});
    strided_inv_freq.strides[0] = 2;
    QRT_CHECK_FAILS(qrt_rope(stream, &x_t, &positions_t, &strided_inv_freq), QRT_STATUS_INVALID_ARGUMENT,
                    "'inv_freq': must be contiguous");
    qrt_tensor no_data_inv_freq = tensor(nullptr, QRT_DTYPE_F32, {4});
    QRT_CHECK_FAILS(qrt_rope(stream, &x_t, &positions_t, &no_data_inv_freq), QRT_STATUS_INVALID_ARGUMENT,
                    "'inv_freq': data is NULL");

    QRT_CHECK_FAILS(qrt_rope_cos_sin(nullptr, &x_t, &cos_t, &sin_t), QRT_STATUS_INVALID_ARGUMENT, "'stream'");
    QRT_CHECK_FAILS(qrt_rope_cos_sin(stream, nullptr, &cos_t, &sin_t), QRT_STATUS_INVALID_ARGUMENT, "'x'");
    QRT_CHECK_FAILS(qrt_rope_cos_sin(stream, &x_t, nullptr, &sin_t), QRT_STATUS_INVALID_ARGUMENT, "'cos'");
    QRT_CHECK_FAILS(qrt_rope_cos_sin(stream, &x_t, &cos_t, nullptr), QRT_STATUS_INVALID_ARGUMENT, "'sin'");
    QRT_CHECK_FAILS(qrt_rope_cos_sin(stream, &strided_x, &cos_t, &sin_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'x': the last dimension");
    qrt_tensor flat_cos = tensor(table.data(), QRT_DTYPE_F32, {12});
    QRT_CHECK_FAILS(qrt_rope_cos_sin(stream, &x_t, &flat_cos, &sin_t), QRT_STATUS_INVALID_ARGUMENT, "'cos': must be");
    qrt_tensor bf16_cos = tensor(table.data(), QRT_DTYPE_BF16, {3, 4});
    QRT_CHECK_FAILS(qrt_rope_cos_sin(stream, &x_t, &bf16_cos, &sin_t), QRT_STATUS_INVALID_ARGUMENT, "'cos'");
    qrt_tensor narrow_sin = tensor(table.data(), QRT_DTYPE_F32, {3, 3});
    QRT_CHECK_FAILS(qrt_rope_cos_sin(stream, &x_t, &cos_t, &narrow_sin), QRT_STATUS_INVALID_ARGUMENT,
                    "'sin': has shape [3, 3] but cos has shape [3, 4]");
    qrt_tensor short_cos = tensor(table.data(), QRT_DTYPE_F32, {2, 4});
    qrt_tensor short_sin = tensor(table.data(), QRT_DTYPE_F32, {2, 4});
    QRT_CHECK_FAILS(qrt_rope_cos_sin(stream, &x_t, &short_cos, &short_sin), QRT_STATUS_INVALID_ARGUMENT,
                    "'cos': has 2 rows but x has 3 tokens");
    std::vector<float> wide_table(3 * 5, 0.0f);
    qrt_tensor wide_cos = tensor(wide_table.data(), QRT_DTYPE_F32, {3, 5});
    qrt_tensor wide_sin = tensor(wide_table.data(), QRT_DTYPE_F32, {3, 5});
    QRT_CHECK_FAILS(qrt_rope_cos_sin(stream, &x_t, &wide_cos, &wide_sin), QRT_STATUS_INVALID_ARGUMENT,
                    "'cos': has 5 columns");
    qrt_tensor column_cos = tensor(table.data(), QRT_DTYPE_F32, {3, 4});
    column_cos.strides[0] = 1;
    column_cos.strides[1] = 3;
    QRT_CHECK_FAILS(qrt_rope_cos_sin(stream, &x_t, &column_cos, &sin_t), QRT_STATUS_INVALID_ARGUMENT,
                    "'cos': the last dimension");
    qrt_tensor no_data_sin = tensor(nullptr, QRT_DTYPE_F32, {3, 4});
    QRT_CHECK_FAILS(qrt_rope_cos_sin(stream, &x_t, &cos_t, &no_data_sin), QRT_STATUS_INVALID_ARGUMENT,
                    "'sin': data is NULL");
    qrt_tensor gpu_sin = tensor(table.data(), QRT_DTYPE_F32, {3, 4}, gpu);
    QRT_CHECK_FAILS(qrt_rope_cos_sin(stream, &x_t, &cos_t, &gpu_sin), QRT_STATUS_INVALID_ARGUMENT,
                    "'sin': lives on cuda:0");
}

}  // namespace

int main() {
    Random random(7001);
    test_rope_values(random);
    test_position_zero(random);
    test_large_positions(random);
    test_partial_rotary(random);
    test_fused_qkv_views(random);
    test_cos_sin_tables(random);
    test_empty();
    test_thread_count_invariance(random);
    test_bad_arguments();
    return finish("test_rope");
}
