// The CUDA INT8 W8A8 GEMM against the CPU op on the same bytes. The integer sums are exact on both and the CUDA
// epilogue performs the CPU op's FP32 operations in its order, so the outputs must be identical bit for bit, for every
// tile edge (M, N, K), scale layout, zero point, bias and output dtype. Also: Pixtral-12B-shaped layers, refused
// arguments, and repeatability. Exits 77 (skipped) without a device.
#include <cstring>
#include <optional>

#include "cuda_gemm_test_util.h"

using namespace qrt_test;

namespace {

struct Case {
    int64_t m, n, k;
    bool per_token;      // a_scale one per row, else one per tensor
    int w_scale_kind;    // 0: [1], 1: [N], 2: [N, 1]
    qrt_dtype w_scale_dtype;
    bool zero_point;
    bool bias;
    qrt_dtype y_dtype;
    int64_t padding = 0;  // extra elements per row of a and y (row strides)
};

struct Problem {
    Operand a, a_scale, zero_point, w, w_scale, bias, y;
};

Problem make_problem(Random& random, const Case& c) {
    Problem p;
    p.a = Operand(QRT_DTYPE_I8, {c.m, c.k}, c.padding > 0 ? c.k + c.padding : 0);
    fill_bytes(random, p.a, false);
    p.a_scale = Operand(QRT_DTYPE_F32, c.per_token ? std::vector<int64_t>{c.m, 1} : std::vector<int64_t>{1});
    fill_uniform(random, p.a_scale, 0.001f, 0.01f);
    p.zero_point = Operand(QRT_DTYPE_I32, {1});
    const int32_t zero_point = random.integer(-30, 30) | 1;  // odd: never 0
    std::memcpy(p.zero_point.bytes.data(), &zero_point, 4);
    p.w = Operand(QRT_DTYPE_I8, {c.n, c.k});
    fill_bytes(random, p.w, false);
    p.w_scale = weight_scale_operand(random, c.w_scale_dtype, c.w_scale_kind, c.n);
    p.bias = Operand(QRT_DTYPE_BF16, {c.n});
    fill_uniform(random, p.bias, -2.0f, 2.0f);
    p.y = Operand(c.y_dtype, {c.m, c.n}, c.padding > 0 ? c.n + c.padding : 0);
    return p;
}

qrt_status run(qrt_stream* stream, Problem& p, const Case& c, bool on_gpu) {
    auto view = [&](Operand& o) { return on_gpu ? o.gpu() : o.host(); };
    qrt_tensor a = view(p.a), a_scale = view(p.a_scale), zero_point = view(p.zero_point), w = view(p.w),
               w_scale = view(p.w_scale), bias = view(p.bias), y = view(p.y);
    return qrt_gemm_w8a8_int8(stream, &a, &a_scale, c.zero_point ? &zero_point : nullptr, &w, &w_scale,
                              c.bias ? &bias : nullptr, &y);
}

void upload(qrt_stream* gpu, Problem& p) {
    for (Operand* o : {&p.a, &p.a_scale, &p.zero_point, &p.w, &p.w_scale, &p.bias, &p.y}) o->upload(gpu);
}

void check_case(Random& random, const Case& c, bool twice = false) {
    CpuStream cpu;
    CudaStream gpu;
    Problem p = make_problem(random, c);
    upload(gpu, p);
    QRT_CHECK_OK(run(cpu, p, c, false));
    QRT_CHECK_OK(run(gpu, p, c, true));
    const std::vector<uint8_t> first = p.y.device->download();
    long mismatches = 0;
    for (int64_t m = 0; m < c.m; ++m) {
        for (int64_t n = 0; n < c.n; ++n) {
            const size_t i = p.y.index(m, n);
            const size_t size = qrt_dtype_size(c.y_dtype);
            if (std::memcmp(first.data() + i * size, p.y.bytes.data() + i * size, size) != 0 && mismatches++ < 3) {
                std::fprintf(stderr, "int8 %lldx%lldx%lld: y[%lld][%lld] = %.9g on CUDA, %.9g on the CPU\n",
                             static_cast<long long>(c.m), static_cast<long long>(c.n), static_cast<long long>(c.k),
                             static_cast<long long>(m), static_cast<long long>(n),
                             load_element(first.data(), c.y_dtype, i), p.y.get(i));
            }
        }
    }
    QRT_CHECK(mismatches == 0);
    if (twice) {
        QRT_CHECK_OK(run(gpu, p, c, true));
        QRT_CHECK(p.y.device->download() == first);  // the same bits again, padding included
    }
}

void check_refusals(Random& random) {
    CudaStream gpu;
    // K = 24 bytes per row: not whole 16-byte chunks.
    Case c{3, 16, 24, true, 1, QRT_DTYPE_F32, false, false, QRT_DTYPE_F32};
    Problem p = make_problem(random, c);
    upload(gpu, p);
    QRT_CHECK_FAILS(run(gpu, p, c, true), QRT_STATUS_UNSUPPORTED, "'a'");
    // Rows 40 bytes apart: not 16-byte aligned.
    Case strided{3, 16, 32, true, 1, QRT_DTYPE_F32, false, false, QRT_DTYPE_F32, 8};
    Problem q = make_problem(random, strided);
    upload(gpu, q);
    QRT_CHECK_FAILS(run(gpu, q, strided, true), QRT_STATUS_UNSUPPORTED, "'a'");
}

const qrt_dtype kFloatTypes[] = {QRT_DTYPE_F32, QRT_DTYPE_F16, QRT_DTYPE_BF16};

}  // namespace

int main() {
    const std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) return skip_without_cuda("test_cuda_gemm_w8a8_int8", reason);
    Random random(20261207);
    // Every M the brief names, against N = 72 (a partial 32- and 128-wide block) and K = 272 (a partial stage in every
    // configuration), cycling through the scale layouts, zero point, bias and output dtypes.
    const int64_t ms[] = {1, 2, 3, 7, 8, 16, 31, 64, 127, 256};
    int index = 0;
    for (int64_t m : ms) {
        const Case c{m,
                     72,
                     272,
                     index % 2 == 0,
                     index % 3,
                     kFloatTypes[(index + 1) % 3],
                     index % 4 < 2,
                     index % 5 != 0,
                     kFloatTypes[index % 3]};
        check_case(random, c);
        ++index;
    }
    // Every option in each configuration (M <= 16, <= 64, larger).
    for (int64_t m : {5, 40, 130}) {
        for (qrt_dtype y_dtype : kFloatTypes) {
            for (bool zero_point : {false, true}) {
                for (bool bias : {false, true}) {
                    for (int w_scale_kind : {0, 1}) {
                        check_case(random, Case{m, 40, 48, w_scale_kind == 0, w_scale_kind, QRT_DTYPE_BF16,
                                                zero_point, bias, y_dtype});
                    }
                }
            }
        }
    }
    // Small N and K, many K stages, padded rows.
    check_case(random, Case{9, 8, 16, true, 1, QRT_DTYPE_F32, true, true, QRT_DTYPE_F32});
    check_case(random, Case{17, 24, 1040, true, 2, QRT_DTYPE_F16, true, true, QRT_DTYPE_BF16, 16});
    check_case(random, Case{4, 200, 2064, false, 1, QRT_DTYPE_F32, true, false, QRT_DTYPE_F16, 32});
    // Extreme values: every product -128 · -128 along K = 4096 (sum 2^26).
    {
        CpuStream cpu;
        CudaStream gpu;
        const Case c{2, 16, 4096, true, 1, QRT_DTYPE_F32, true, true, QRT_DTYPE_F32};
        Problem p = make_problem(random, c);
        std::fill(p.a.bytes.begin(), p.a.bytes.end(), 0x80);
        std::fill(p.w.bytes.begin(), p.w.bytes.end(), 0x80);
        upload(gpu, p);
        QRT_CHECK_OK(run(cpu, p, c, false));
        QRT_CHECK_OK(run(gpu, p, c, true));
        QRT_CHECK(p.y.device->download() == p.y.bytes);
    }
    // Pixtral-12B's o_proj (5120 x 4096) at decode, run twice for repeatability.
    for (int64_t m : {1, 16}) {
        check_case(random, Case{m, 5120, 4096, true, 1, QRT_DTYPE_BF16, false, false, QRT_DTYPE_BF16}, true);
    }
    // Pixtral-12B's gate_up (28672 x 5120: 147 MB of weights, 896 blocks) for one token.
    check_case(random, Case{1, 28672, 5120, true, 1, QRT_DTYPE_BF16, false, false, QRT_DTYPE_BF16});
    check_case(random, Case{100, 136, 528, true, 1, QRT_DTYPE_F32, true, true, QRT_DTYPE_BF16}, true);
    check_refusals(random);
    return finish("test_cuda_gemm_w8a8_int8");
}
