// The CUDA GEMMs that accumulate in FP32 against the CPU ops on the same bytes: dense BF16/F16 (qrt_gemm), FP8 W8A8
// (qrt_gemm_w8a8_fp8, on both the FP8 mma and the BF16-widening path) and FP8 W8A16 (qrt_gemm_w8a16_fp8), for every
// tile edge, scale layout, bias and output dtype; a Pixtral-12B-shaped layer per family; refused arguments;
// repeatability. Exits 77 (skipped) without a device.
//
// Bound (fp32_gemm_bound in cuda_gemm_test_util.h): both backends sum the same exact products (a BF16, F16 or e4m3
// product is exact in FP32) in different orders, so each is within γ(K+3)·scale·Σ|a·w| + u·|bias| of the exact
// result before the output rounding. On a GPU the FP8 tensor cores keep only 13 fraction bits when they add a k32
// block of products (ptx-semantics.md §9.2); the kernel starts every mma from zero and adds its block sum in FP32
// (gemm_policies.cuh), so each block loses at most 33·2⁻¹³ of its largest product, at most 33·2⁻¹³·Σ|a·w| over K,
// which is added for the FP8 mma path there. The emulator rounds each exact block sum once.
#include <cstdlib>
#include <cstring>

#include "cuda_gemm_test_util.h"

using namespace qrt_test;

namespace {

enum class Family { Dense, W8A8, W8A16 };

const char* family_name(Family family) {
    return family == Family::Dense ? "dense" : family == Family::W8A8 ? "w8a8_fp8" : "w8a16_fp8";
}

struct Case {
    int64_t m, n, k;
    qrt_dtype x_dtype;        // dense and W8A16: the activations' (and dense weights') dtype
    bool per_token;           // W8A8: a_scale one per row
    int w_scale_kind;         // 0: [1], 1: [N], 2: [N, 1]
    qrt_dtype w_scale_dtype;
    bool bias;
    qrt_dtype y_dtype;
    int64_t padding = 0;      // extra elements per row of the activations and y
};

struct Problem {
    Operand x, a_scale, w, w_scale, bias, y;
};

bool is_fp8(Family family) { return family != Family::Dense; }

Problem make_problem(Random& random, Family family, const Case& c) {
    Problem p;
    const qrt_dtype x_dtype = family == Family::W8A8 ? QRT_DTYPE_F8_E4M3 : c.x_dtype;
    p.x = Operand(x_dtype, {c.m, c.k}, c.padding > 0 ? c.k + c.padding : 0);
    if (family == Family::W8A8) {
        fill_bytes(random, p.x, true);
    } else {
        fill_uniform(random, p.x, -2.0f, 2.0f);
    }
    p.a_scale = Operand(QRT_DTYPE_F32, c.per_token ? std::vector<int64_t>{c.m} : std::vector<int64_t>{1});
    fill_uniform(random, p.a_scale, 0.001f, 0.01f);
    p.w = Operand(is_fp8(family) ? QRT_DTYPE_F8_E4M3 : c.x_dtype, {c.n, c.k});
    if (is_fp8(family)) {
        fill_bytes(random, p.w, true);
    } else {
        fill_uniform(random, p.w, -1.0f, 1.0f);
    }
    p.w_scale = weight_scale_operand(random, c.w_scale_dtype, c.w_scale_kind, c.n);
    p.bias = Operand(QRT_DTYPE_F32, {c.n});
    fill_uniform(random, p.bias, -2.0f, 2.0f);
    p.y = Operand(c.y_dtype, {c.m, c.n}, c.padding > 0 ? c.n + c.padding : 0);
    return p;
}

qrt_status run(qrt_stream* stream, Family family, Problem& p, const Case& c, bool on_gpu) {
    auto view = [&](Operand& o) { return on_gpu ? o.gpu() : o.host(); };
    qrt_tensor x = view(p.x), a_scale = view(p.a_scale), w = view(p.w), w_scale = view(p.w_scale),
               bias = view(p.bias), y = view(p.y);
    qrt_tensor* b = c.bias ? &bias : nullptr;
    switch (family) {
        case Family::Dense: return qrt_gemm(stream, &x, &w, b, &y);
        case Family::W8A8: return qrt_gemm_w8a8_fp8(stream, &x, &a_scale, &w, &w_scale, b, &y);
        case Family::W8A16: return qrt_gemm_w8a16_fp8(stream, &x, &w, &w_scale, b, &y);
    }
    return QRT_STATUS_INTERNAL_ERROR;
}

void upload(qrt_stream* gpu, Problem& p) {
    for (Operand* o : {&p.x, &p.a_scale, &p.w, &p.w_scale, &p.bias, &p.y}) o->upload(gpu);
}

// The value the library reads for element i of an activation or weight operand.
double operand_value(const Operand& o, size_t i) {
    return o.dtype == QRT_DTYPE_F8_E4M3 ? e4m3_value(o.bytes[i]) : static_cast<double>(o.get(i));
}

bool fp8_mma_in_use(Family family) {
    const char* setting = std::getenv("QRT_CUDA_FP8_MMA");
    return family == Family::W8A8 && !(setting != nullptr && std::strcmp(setting, "0") == 0);
}

void check_case(Random& random, Family family, const Case& c, bool twice = false) {
    CpuStream cpu;
    CudaStream gpu;
    Problem p = make_problem(random, family, c);
    upload(gpu, p);
    QRT_CHECK_OK(run(cpu, family, p, c, false));
    QRT_CHECK_OK(run(gpu, family, p, c, true));
    const std::vector<uint8_t> first = p.y.device->download();
    // On a GPU the FP8 mma may drop bits within each k32 block (see the top of this file); a device without FP8 mma
    // runs the widening path, which is only tighter.
    const double hardware = fp8_mma_in_use(family) && !cuda_is_emulated() ? 33.0 * std::ldexp(1.0, -13) : 0.0;
    long bad = 0;
    double worst = 0.0;
    for (int64_t m = 0; m < c.m; ++m) {
        const double row_scale = family == Family::W8A8 ? p.a_scale.get(static_cast<size_t>(c.per_token ? m : 0)) : 1.0;
        for (int64_t n = 0; n < c.n; ++n) {
            const double col_scale =
                family == Family::Dense ? 1.0 : p.w_scale.get(static_cast<size_t>(c.w_scale_kind == 0 ? 0 : n));
            double exact = 0.0, products = 0.0;
            for (int64_t k = 0; k < c.k; ++k) {
                const double product = operand_value(p.x, p.x.index(m, k)) * operand_value(p.w, p.w.index(n, k));
                exact += product;
                products += std::fabs(product);
            }
            const double scale = std::fabs(row_scale * col_scale);
            const double bias = c.bias ? p.bias.get(static_cast<size_t>(n)) : 0.0;
            exact = row_scale * col_scale * exact + bias;
            const double bound = fp32_gemm_bound(products, scale, std::fabs(bias), exact, c.k, c.y_dtype, hardware);
            const size_t i = p.y.index(m, n);
            const double difference = std::fabs(static_cast<double>(load_element(first.data(), c.y_dtype, i)) - p.y.get(i));
            if (bound > 0) worst = std::max(worst, difference / bound);
            if (!(difference <= bound) && bad++ < 3) {
                std::fprintf(stderr, "%s %lldx%lldx%lld: y[%lld][%lld] = %.9g on CUDA, %.9g on the CPU (bound %.3g)\n",
                             family_name(family), static_cast<long long>(c.m), static_cast<long long>(c.n),
                             static_cast<long long>(c.k), static_cast<long long>(m), static_cast<long long>(n),
                             load_element(first.data(), c.y_dtype, i), p.y.get(i), bound);
            }
        }
    }
    QRT_CHECK(bad == 0);
    if (twice) {
        QRT_CHECK_OK(run(gpu, family, p, c, true));
        QRT_CHECK(p.y.device->download() == first);  // the same bits again
        std::printf("%s %lldx%lldx%lld: worst |cuda - cpu| / bound = %.3f\n", family_name(family),
                    static_cast<long long>(c.m), static_cast<long long>(c.n), static_cast<long long>(c.k), worst);
    }
}

const qrt_dtype kFloatTypes[] = {QRT_DTYPE_F32, QRT_DTYPE_F16, QRT_DTYPE_BF16};
const qrt_dtype k16BitTypes[] = {QRT_DTYPE_BF16, QRT_DTYPE_F16};

void check_family(Random& random, Family family) {
    // Every M the brief names against N = 72 (partial 32- and 128-wide blocks) and K = 272 (partial stages), cycling
    // through activation dtypes, scale layouts, bias and output dtypes.
    const int64_t ms[] = {1, 2, 3, 7, 8, 16, 31, 64, 127, 256};
    int index = 0;
    for (int64_t m : ms) {
        check_case(random, family,
                   Case{m, 72, 272, k16BitTypes[index % 2], index % 2 == 0, index % 3, kFloatTypes[(index + 1) % 3],
                        index % 5 != 0, kFloatTypes[index % 3]});
        ++index;
    }
    for (int64_t m : {5, 40, 130}) {
        for (qrt_dtype y_dtype : kFloatTypes) {
            for (qrt_dtype x_dtype : k16BitTypes) {
                for (bool bias : {false, true}) {
                    check_case(random, family, Case{m, 40, 48, x_dtype, bias, bias ? 1 : 0, QRT_DTYPE_BF16, bias, y_dtype});
                }
            }
        }
    }
    // Small N and K, many stages, padded rows.
    check_case(random, family, Case{9, 8, 32, QRT_DTYPE_BF16, true, 1, QRT_DTYPE_F32, true, QRT_DTYPE_F32});
    check_case(random, family, Case{17, 24, 1040, QRT_DTYPE_F16, true, 2, QRT_DTYPE_F16, true, QRT_DTYPE_BF16, 16});
    check_case(random, family, Case{4, 200, 2064, QRT_DTYPE_BF16, false, 1, QRT_DTYPE_F32, false, QRT_DTYPE_F16, 32});
    check_case(random, family, Case{100, 136, 528, QRT_DTYPE_BF16, true, 1, QRT_DTYPE_F32, true, QRT_DTYPE_BF16}, true);
    // Pixtral-12B's o_proj (5120 x 4096) at decode, twice for repeatability.
    check_case(random, family, Case{3, 5120, 4096, QRT_DTYPE_BF16, true, 1, QRT_DTYPE_BF16, false, QRT_DTYPE_BF16},
               true);
}

void check_refusals(Random& random) {
    CudaStream gpu;
    // K = 24: F16 rows of 48 bytes are whole chunks, e4m3 rows of 24 bytes are not.
    {
        const Case c{3, 16, 24, QRT_DTYPE_F16, true, 1, QRT_DTYPE_F32, false, QRT_DTYPE_F32};
        Problem p = make_problem(random, Family::W8A8, c);
        upload(gpu, p);
        QRT_CHECK_FAILS(run(gpu, Family::W8A8, p, c, true), QRT_STATUS_UNSUPPORTED, "'a'");
        Problem q = make_problem(random, Family::W8A16, c);
        upload(gpu, q);
        QRT_CHECK_FAILS(run(gpu, Family::W8A16, q, c, true), QRT_STATUS_UNSUPPORTED, "'w'");
    }
    // F32 activations: the kernels take 16-bit ones.
    {
        const Case c{3, 16, 32, QRT_DTYPE_F32, true, 1, QRT_DTYPE_F32, false, QRT_DTYPE_F32};
        Problem p = make_problem(random, Family::Dense, c);
        upload(gpu, p);
        QRT_CHECK_FAILS(run(gpu, Family::Dense, p, c, true), QRT_STATUS_UNSUPPORTED, "'x'");
        Problem q = make_problem(random, Family::W8A16, c);
        upload(gpu, q);
        QRT_CHECK_FAILS(run(gpu, Family::W8A16, q, c, true), QRT_STATUS_UNSUPPORTED, "'x'");
    }
    // Dense with weights in another dtype than x.
    {
        const Case c{3, 16, 32, QRT_DTYPE_BF16, true, 1, QRT_DTYPE_F32, false, QRT_DTYPE_F32};
        Problem p = make_problem(random, Family::Dense, c);
        p.w = Operand(QRT_DTYPE_F16, {16, 32});
        upload(gpu, p);
        QRT_CHECK_FAILS(run(gpu, Family::Dense, p, c, true), QRT_STATUS_UNSUPPORTED, "'w'");
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) return skip_without_cuda("test_cuda_gemm_float", reason);
    // One part per run when named (dense, w8a8_fp8, w8a8_fp8_widen, w8a16_fp8, refusals), all otherwise.
    const std::string only = argc > 1 ? argv[1] : "";
    Random random(20261208);
    if (only.empty() || only == "dense") check_family(random, Family::Dense);
    if (only.empty() || only == "w8a8_fp8") check_family(random, Family::W8A8);
    if (only.empty() || only == "w8a8_fp8_widen") {
        setenv("QRT_CUDA_FP8_MMA", "0", 1);  // the path of devices without FP8 mma
        check_family(random, Family::W8A8);
        unsetenv("QRT_CUDA_FP8_MMA");
    }
    if (only.empty() || only == "w8a16_fp8") check_family(random, Family::W8A16);
    if (only.empty() || only == "refusals") check_refusals(random);
    return finish("test_cuda_gemm_float");
}
