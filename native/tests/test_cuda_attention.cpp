// The CUDA attention kernel against the CPU op (qrt_attention) on the same bytes: causal and not, grouped
// heads, sliding windows, block-diagonal segments, F32/F16/BF16, strided views, determinism and the
// arguments the kernel refuses. Exits 77 (skipped) without a GPU.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "attention_problem.h"
#include "cuda_test_util.h"
#include "test_bounds.h"
#include "test_tensors.h"

using namespace qrt_test;

namespace {

// q, k and v as column views of one fused [T, (Hq + 2·Hkv)·D] projection, the way a QKV linear layer
// leaves them, and out written every other row-slot of a wider buffer (offset by a few elements).
Problem fused_qkv_problem(int64_t tokens, int64_t q_heads, int64_t kv_heads, int64_t dim) {
    Problem p;
    const int64_t row = (q_heads + 2 * kv_heads) * dim;
    p.q = HeadsLayout{tokens, q_heads, dim, row, dim, 0};
    p.k = HeadsLayout{tokens, kv_heads, dim, row, dim, q_heads * dim};
    p.v = HeadsLayout{tokens, kv_heads, dim, row, dim, (q_heads + kv_heads) * dim};
    p.out = HeadsLayout{tokens, q_heads, dim, 2 * q_heads * dim + 8, dim + 3, 5};
    return p;
}

// How far the GPU's output may be from the CPU's, for |q|, |k|, |v| <= 1 and D <= 256.
//
// Both backends compute in FP32 and differ only in the order of their sums: the kernel adds the D
// products of a score in one order, keeps the running maximum, total and weighted sum per tile of keys
// and rescales them (online softmax), where the CPU takes the maximum first. Each FP32 result is within
// E of the exact value (the derivation of test_attention.cpp): a score |s| <= scale·D errs by
// (D + 1)·2^-24·scale·D; a weight exp(s − max) by twice that plus the roundings of s − max and of expf
// (and, for the kernel, of the rescale factors exp(m_old − m_new), which multiply the same terms and add
// one rounding per tile, at most Tk); normalising doubles the weight error and adds Tk roundings, and
// Σ p·v over Tk terms (|v| <= 1, Σ p = 1) Tk + 1 more. Two results within E of one exact value are
// within 2E of each other.
// Rounded to an F16/BF16 output, each side moves by at most u·|its FP32 value| (u = 2^-11, 2^-8), so
// |gpu − cpu| <= 2E·(1 + u) + 2u·|cpu| / (1 − u) (+ twice F16's 2^-25 below 2^-14).
Tolerance cuda_tolerance(const Problem& p, qrt_dtype dtype) {
    const double score_bound = static_cast<double>(scale_of(p)) * static_cast<double>(p.q.dim);
    const double score_error = (static_cast<double>(p.q.dim) + 1.0) * kUnitRoundoff * score_bound;
    const double keys = static_cast<double>(p.k.tokens);
    const double weight_error = 2.0 * score_error + (2.0 * score_bound + 2.0 + keys) * kUnitRoundoff;
    const double fp32_error = 2.0 * weight_error + (2.0 * keys + 3.0) * kUnitRoundoff;
    const double u = output_rounding(dtype);
    return {2.0 * fp32_error * (1.0 + u) + 2.0 * output_underflow(dtype), 2.0 * u / (1.0 - u)};
}

// The tensor-core kernel also rounds each weight p̃ = exp(s − max) <= 1 to the input dtype before P·V,
// while its total weight l sums the unrounded p̃: each term p·v of the result moves by at most u·p·|v|
// (u = 2^-8 for BF16, 2^-11 for F16), so the output by u·Σ p·|v| — which the CPU op computes for us as
// attention over |v| (E more at most). An F16 weight below 2^-14 is subnormal and rounds by up to 2^-25
// absolute instead; l >= 1 (the largest weight is 1), so Tk of them cost Tk·2^-25 at most (|v| <= 1).
double weight_rounding_bound(const Problem& p, qrt_dtype dtype, double abs_weighted_sum, double fp32_error) {
    const double u = output_rounding(dtype);
    const double subnormal = dtype == QRT_DTYPE_F16 ? static_cast<double>(p.k.tokens) * underflow_error(dtype) : 0.0;
    return u * (abs_weighted_sum + fp32_error) + subnormal;
}

// A float buffer in device memory holding the bytes of a host FloatBuffer.
struct DeviceFloats {
    DeviceBuffer<unsigned char> bytes;
    qrt_dtype dtype;

    DeviceFloats(qrt_stream* stream, const FloatBuffer& host) : bytes(stream, host.bytes()), dtype(host.dtype()) {}

    qrt_tensor view(const HeadsLayout& layout) const {
        qrt_tensor t = tensor(static_cast<unsigned char*>(bytes.data()) + layout.offset * qrt_dtype_size(dtype), dtype,
                              {layout.tokens, layout.heads, layout.dim}, cuda_device());
        t.strides[0] = layout.token_stride;
        t.strides[1] = layout.head_stride;
        return t;
    }
};

// q, k and v filled with values in [-1, 1] rounded to dtype; out prefilled with 5 so that a row the kernel
// skips shows.
struct Inputs {
    FloatBuffer q;
    FloatBuffer k;
    FloatBuffer v;
    FloatBuffer out;
};

Inputs make_inputs(const Problem& p, qrt_dtype dtype, Random& random) {
    return Inputs{FloatBuffer(dtype, random.uniform(static_cast<size_t>(p.q.extent()))),
                  FloatBuffer(dtype, random.uniform(static_cast<size_t>(p.k.extent()))),
                  FloatBuffer(dtype, random.uniform(static_cast<size_t>(p.v.extent()))),
                  FloatBuffer(dtype, std::vector<float>(static_cast<size_t>(p.out.extent()), 5.0f))};
}

qrt_status run_cpu(const Problem& p, Inputs& in) {
    CpuStream cpu;
    qrt_tensor q = heads_tensor(in.q, p.q);
    qrt_tensor k = heads_tensor(in.k, p.k);
    qrt_tensor v = heads_tensor(in.v, p.v);
    qrt_tensor out = heads_tensor(in.out, p.out);
    std::vector<int32_t> segments = p.segments;
    qrt_tensor segments_t = tensor(segments.data(), QRT_DTYPE_I32, {static_cast<int64_t>(segments.size())});
    return qrt_attention(cpu, &q, &k, &v, segments.empty() ? nullptr : &segments_t, scale_of(p), p.causal,
                         p.sliding_window, &out);
}

// Runs the problem on the GPU and returns the bytes of its output buffer.
std::vector<unsigned char> run_gpu(const Problem& p, const Inputs& in, qrt_status* status = nullptr) {
    CudaStream gpu;
    DeviceFloats q_dev(gpu, in.q);
    DeviceFloats k_dev(gpu, in.k);
    DeviceFloats v_dev(gpu, in.v);
    DeviceFloats out_dev(gpu, FloatBuffer(in.out.dtype(), std::vector<float>(in.out.size(), 5.0f)));
    const std::vector<int32_t> segment_values = p.segments.empty() ? std::vector<int32_t>{0} : p.segments;
    DeviceBuffer<int32_t> segments_dev(gpu, segment_values);
    qrt_tensor q = q_dev.view(p.q);
    qrt_tensor k = k_dev.view(p.k);
    qrt_tensor v = v_dev.view(p.v);
    qrt_tensor out = out_dev.view(p.out);
    qrt_tensor segments =
        tensor(segments_dev.data(), QRT_DTYPE_I32, {static_cast<int64_t>(segment_values.size())}, cuda_device());
    const qrt_status result = qrt_attention(gpu, &q, &k, &v, p.segments.empty() ? nullptr : &segments, scale_of(p),
                                            p.causal, p.sliding_window, &out);
    if (status != nullptr) {
        *status = result;
    } else {
        QRT_CHECK_OK(result);
    }
    return out_dev.bytes.download();
}

// The view's elements, token-major.
std::vector<double> gather(const FloatBuffer& buffer, const HeadsLayout& layout) {
    std::vector<double> values;
    for (int64_t t = 0; t < layout.tokens; ++t) {
        for (int64_t h = 0; h < layout.heads; ++h) {
            for (int64_t d = 0; d < layout.dim; ++d)
                values.push_back(buffer.get(static_cast<size_t>(layout.index(t, h, d))));
        }
    }
    return values;
}

FloatBuffer from_bytes(qrt_dtype dtype, const std::vector<unsigned char>& bytes) {
    FloatBuffer buffer(dtype, bytes.size() / qrt_dtype_size(dtype), 0.0f);
    std::memcpy(buffer.data(), bytes.data(), bytes.size());
    return buffer;
}

void check(const Problem& p, qrt_dtype dtype, Random& random, const char* name) {
    Inputs in = make_inputs(p, dtype, random);
    const std::vector<unsigned char> gpu_bytes = run_gpu(p, in);
    QRT_CHECK_OK(run_cpu(p, in));
    const FloatBuffer gpu = from_bytes(dtype, gpu_bytes);
    const std::vector<double> expected = gather(in.out, p.out);
    const std::vector<double> actual_values = gather(gpu, p.out);
    const Tolerance tol = cuda_tolerance(p, dtype);
    // Σ p·|v| per output element: the CPU op over |v| (abs is exact in every dtype), written in F32.
    Inputs abs_in{in.q, in.k, in.v, FloatBuffer(QRT_DTYPE_F32, static_cast<size_t>(p.out.extent()), 0.0f)};
    for (size_t i = 0; i < abs_in.v.size(); ++i) abs_in.v.set(i, std::fabs(abs_in.v.get(i)));
    QRT_CHECK_OK(run_cpu(p, abs_in));
    const std::vector<double> abs_weighted = gather(abs_in.out, p.out);
    std::vector<double> bound(expected.size());
    for (size_t i = 0; i < bound.size(); ++i) {
        bound[i] =
            tol.atol + tol.rtol * std::fabs(expected[i]) + weight_rounding_bound(p, dtype, abs_weighted[i], tol.atol);
    }
    char what[240];
    std::snprintf(what, sizeof what, "%s: %s Tq %lld Tk %lld Hq %lld Hkv %lld D %lld Dv %lld causal %d window %d", name,
                  qrt_dtype_name(dtype), static_cast<long long>(p.q.tokens), static_cast<long long>(p.k.tokens),
                  static_cast<long long>(p.q.heads), static_cast<long long>(p.k.heads), static_cast<long long>(p.q.dim),
                  static_cast<long long>(p.v.dim), p.causal, p.sliding_window);
    check_within(std::vector<float>(actual_values.begin(), actual_values.end()), expected, bound, what);
    // Elements of the output buffer outside the view stay as they were.
    std::vector<bool> in_view(gpu.size(), false);
    for (int64_t t = 0; t < p.out.tokens; ++t) {
        for (int64_t h = 0; h < p.out.heads; ++h) {
            for (int64_t d = 0; d < p.out.dim; ++d) in_view[static_cast<size_t>(p.out.index(t, h, d))] = true;
        }
    }
    for (size_t i = 0; i < gpu.size(); ++i) {
        if (!in_view[i] && gpu.get(i) != 5.0f) {
            std::fprintf(stderr, "%s: element %zu outside the output view was written\n", what, i);
            ++failures();
            break;
        }
    }
}

void test_sequences(Random& random) {
    // Prefill (Tq == Tk) at lengths around the tile sizes, causal and not, with grouped heads.
    for (int64_t tokens : {1, 15, 64, 200}) {
        for (int32_t causal : {1, 0}) {
            check(simple_problem(tokens, tokens, 4, 1, 64, 64, causal), QRT_DTYPE_BF16, random, "prefill");
        }
    }
    // A chunk of queries after a prefix: the queries are the last Tq of the Tk keys.
    check(simple_problem(15, 200, 8, 1, 64, 64, 1), QRT_DTYPE_F16, random, "chunk after prefix");
    check(simple_problem(1, 77, 2, 2, 128, 128, 1), QRT_DTYPE_BF16, random, "one query");
    check(simple_problem(37, 64, 2, 1, 64, 64, 0), QRT_DTYPE_F32, random, "chunk, not causal");
    // A long prefill: many key tiles per block, and the causal band skipping the tiles above it.
    check(simple_problem(2048, 2048, 1, 1, 64, 64, 1), QRT_DTYPE_BF16, random, "long prefill");
    check(simple_problem(1024, 1024, 1, 1, 128, 128, 1), QRT_DTYPE_F16, random, "long prefill, D 128");
}

void test_dtypes_and_dims(Random& random) {
    for (qrt_dtype dtype : kFloatDtypes) {
        check(simple_problem(70, 70, 8, 8, 64, 64, 1), dtype, random, "dtype, D 64");
        check(simple_problem(70, 70, 8, 2, 128, 128, 1), dtype, random, "dtype, D 128");
    }
    // Head dims the tensor-core shapes would not take, and values narrower than keys.
    check(simple_problem(33, 33, 2, 1, 80, 80, 1), QRT_DTYPE_BF16, random, "D 80");
    check(simple_problem(33, 33, 2, 1, 96, 64, 0), QRT_DTYPE_F16, random, "D 96, Dv 64");
    check(simple_problem(20, 20, 1, 1, 7, 3, 1), QRT_DTYPE_F32, random, "D 7, Dv 3");
    check(simple_problem(40, 40, 2, 1, 256, 256, 1), QRT_DTYPE_BF16, random, "D 256");
}

void test_windows(Random& random) {
    for (int32_t window : {1, 17, 64, 500}) {
        Problem p = simple_problem(200, 200, 4, 1, 64, 64, 1);
        p.sliding_window = window;
        check(p, QRT_DTYPE_BF16, random, "sliding window");
    }
    // A window over a chunk after a prefix, and a window without the causal mask (both sides).
    Problem chunk = simple_problem(40, 150, 4, 4, 64, 64, 1);
    chunk.sliding_window = 33;
    check(chunk, QRT_DTYPE_F16, random, "window, chunk after prefix");
    Problem both_sides = simple_problem(100, 100, 2, 1, 64, 64, 0);
    both_sides.sliding_window = 20;
    check(both_sides, QRT_DTYPE_F32, random, "window, not causal");
    Problem long_window = simple_problem(2048, 2048, 1, 1, 64, 64, 1);
    long_window.sliding_window = 256;
    check(long_window, QRT_DTYPE_BF16, random, "window, long prefill");
}

void test_segments(Random& random) {
    // Two images of different sizes, each attending within itself (vision encoders: not causal).
    Problem images = simple_problem(200, 200, 4, 4, 64, 64, 0);
    images.segments = {0, 37, 200};
    check(images, QRT_DTYPE_BF16, random, "two images");
    // Packed sequences, causal, with an empty one and a window, at head dim 128 with 8 heads per KV head.
    Problem packed = simple_problem(150, 150, 8, 1, 128, 128, 1);
    packed.segments = {0, 5, 5, 70, 71, 150};
    check(packed, QRT_DTYPE_F16, random, "packed sequences");
    packed.sliding_window = 9;
    check(packed, QRT_DTYPE_F16, random, "packed sequences, window");
    Problem one = simple_problem(15, 15, 2, 1, 64, 64, 0);
    one.segments = {0, 15};
    check(one, QRT_DTYPE_F32, random, "one segment");
}

void test_strided(Random& random) {
    Problem fused = fused_qkv_problem(90, 8, 2, 64);
    check(fused, QRT_DTYPE_BF16, random, "fused qkv");
    fused.causal = 0;
    check(fused, QRT_DTYPE_F16, random, "fused qkv, not causal");
    // Heads outermost in memory: token stride D, head stride T·D.
    Problem heads_major = simple_problem(50, 50, 4, 2, 64, 64, 1);
    heads_major.q = HeadsLayout{50, 4, 64, 64, 50 * 64, 0};
    heads_major.k = HeadsLayout{50, 2, 64, 64, 50 * 64, 0};
    check(heads_major, QRT_DTYPE_F16, random, "heads-major q and k");
    // Rows that do not start on 16 bytes (an odd offset, an odd stride) cannot take the tensor-core
    // kernel's 16-byte copies and run on the CUDA cores.
    Problem odd_offset = simple_problem(70, 70, 4, 2, 64, 64, 1);
    odd_offset.k.offset = 3;
    check(odd_offset, QRT_DTYPE_BF16, random, "k at an odd offset");
    Problem odd_stride = simple_problem(40, 40, 4, 2, 128, 128, 0);
    odd_stride.v = HeadsLayout{40, 2, 128, 2 * 132, 132, 0};
    check(odd_stride, QRT_DTYPE_F16, random, "v rows 4 elements apart");
}

void test_determinism(Random& random) {
    Problem p = simple_problem(130, 130, 4, 1, 64, 64, 1);
    p.segments = {0, 50, 130};
    Inputs in = make_inputs(p, QRT_DTYPE_BF16, random);
    QRT_CHECK(run_gpu(p, in) == run_gpu(p, in));
}

// Offsets in device memory are not checked by the host; the kernel clamps them and reads nothing out of
// bounds. Queries past the last offset belong to no segment and get zeros.
void test_unchecked_segments(Random& random) {
    // F32 runs on the CUDA cores, BF16 on the tensor cores.
    for (qrt_dtype dtype : {QRT_DTYPE_F32, QRT_DTYPE_BF16}) {
        Problem p = simple_problem(30, 30, 2, 1, 64, 64, 0);
        p.segments = {0, 10, 20};
        Inputs in = make_inputs(p, dtype, random);
        const FloatBuffer out = from_bytes(dtype, run_gpu(p, in));
        for (size_t i = 20 * 2 * 64; i < out.size(); ++i) QRT_CHECK(out.get(i) == 0.0f);
        for (const std::vector<int32_t>& bad : {std::vector<int32_t>{0, 500, -3, 7}, std::vector<int32_t>{-9, 31}}) {
            p.segments = bad;
            const FloatBuffer garbage = from_bytes(dtype, run_gpu(p, in));
            for (size_t i = 0; i < garbage.size(); ++i) QRT_CHECK(std::isfinite(garbage.get(i)));
        }
    }
}

void test_bad_arguments(Random& random) {
    CudaStream gpu;
    const Problem p = simple_problem(8, 8, 4, 2, 64, 64, 1);
    Inputs in = make_inputs(p, QRT_DTYPE_BF16, random);
    DeviceFloats q_dev(gpu, in.q);
    DeviceFloats k_dev(gpu, in.k);
    DeviceFloats v_dev(gpu, in.v);
    DeviceFloats out_dev(gpu, in.out);
    qrt_tensor q = q_dev.view(p.q);
    qrt_tensor k = k_dev.view(p.k);
    qrt_tensor v = v_dev.view(p.v);
    qrt_tensor out = out_dev.view(p.out);
    const float scale = scale_of(p);
    // One dtype for all four on the GPU; the mix is refused by name.
    qrt_tensor k_f16 = k;
    k_f16.dtype = QRT_DTYPE_F16;
    QRT_CHECK_FAILS(qrt_attention(gpu, &q, &k_f16, &v, nullptr, scale, 1, 0, &out), QRT_STATUS_UNSUPPORTED, "'k'");
    qrt_tensor v_f16 = v;
    v_f16.dtype = QRT_DTYPE_F16;
    QRT_CHECK_FAILS(qrt_attention(gpu, &q, &k, &v_f16, nullptr, scale, 1, 0, &out), QRT_STATUS_UNSUPPORTED, "'v'");
    qrt_tensor out_f16 = out;
    out_f16.dtype = QRT_DTYPE_F16;
    QRT_CHECK_FAILS(qrt_attention(gpu, &q, &k, &v, nullptr, scale, 1, 0, &out_f16), QRT_STATUS_UNSUPPORTED, "'out'");
    // Head dims above 256.
    DeviceBuffer<uint16_t> wide(gpu, std::vector<uint16_t>(8 * 4 * 512, 0));
    qrt_tensor wide_q = tensor(wide.data(), QRT_DTYPE_BF16, {8, 4, 512}, cuda_device());
    qrt_tensor wide_k = tensor(wide.data(), QRT_DTYPE_BF16, {8, 2, 512}, cuda_device());
    QRT_CHECK_FAILS(qrt_attention(gpu, &wide_q, &wide_k, &v, nullptr, scale, 1, 0, &out), QRT_STATUS_UNSUPPORTED,
                    "'q'");
    // The API's checks hold on the GPU as well.
    QRT_CHECK_FAILS(qrt_attention(gpu, &q, &k, &v, nullptr, scale, 2, 0, &out), QRT_STATUS_INVALID_ARGUMENT,
                    "'causal'");
    QRT_CHECK_FAILS(qrt_attention(gpu, &q, &k, &v, nullptr, -1.0f, 1, 0, &out), QRT_STATUS_INVALID_ARGUMENT, "'scale'");
    QRT_CHECK_FAILS(qrt_attention(gpu, &q, &k, &v, nullptr, scale, 1, -4, &out), QRT_STATUS_INVALID_ARGUMENT,
                    "'sliding_window'");
    qrt_tensor q_three = q;
    q_three.shape[1] = 3;
    QRT_CHECK_FAILS(qrt_attention(gpu, &q_three, &k, &v, nullptr, scale, 1, 0, &out), QRT_STATUS_INVALID_ARGUMENT,
                    "'q'");
    DeviceBuffer<int32_t> one_offset(gpu, std::vector<int32_t>{0});
    qrt_tensor segments = tensor(one_offset.data(), QRT_DTYPE_I32, {1}, cuda_device());
    QRT_CHECK_FAILS(qrt_attention(gpu, &q, &k, &v, &segments, scale, 1, 0, &out), QRT_STATUS_INVALID_ARGUMENT,
                    "'segments'");
}

}  // namespace

int main() {
    const std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) return skip_without_cuda("test_cuda_attention", reason);
    Random random(20261207);
    test_sequences(random);
    test_dtypes_and_dims(random);
    test_windows(random);
    test_segments(random);
    test_strided(random);
    test_determinism(random);
    test_unchecked_segments(random);
    test_bad_arguments(random);
    return finish("test_cuda_attention");
}
