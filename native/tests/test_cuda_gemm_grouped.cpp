// The CUDA grouped expert GEMMs and per-expert static quantization against the CPU grouped ops on the same bytes, for
// every op, activation and output dtype, scale layout, zero point and bias, over segments that exercise each tile
// configuration (decode, medium, large) with zero-row experts; where every segment falls in the configuration the
// grouped launch picks, also against the CUDA ungrouped op on each segment, bit for bit. Bad device-resident offsets
// (out of range, decreasing) must be clamped: nothing outside the tensors is touched and rows in no segment keep
// their bytes. The emulator's launch statistics show that blocks of empty segments read no weight bytes. Exits 77
// (skipped) without a device.
//
// Tolerances are those of the ungrouped tests, derived there: INT8 is exact (integer sums, the CPU's FP32 epilogue in
// its order), so the outputs must be identical; the FP32-accumulated families are within fp32_gemm_bound
// (cuda_gemm_test_util.h: each backend within γ(K+3)·scale·Σ|a·w| + u·|bias| of the exact value, then the output
// rounding, doubled for the two backends), plus 33·2⁻¹³·scale·Σ|a·w| for the FP8 mma of a real GPU, whose tensor
// cores keep 13 fraction bits when adding a k32 block (test_cuda_gemm_float.cpp). Quantization is exact.
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "gemm_grouped_problem.h"

using namespace qrt_test;

namespace {

bool fp8_mma_in_use(GroupedOp op) {
    const char* setting = std::getenv("QRT_CUDA_FP8_MMA");
    return op == GroupedOp::Fp8 && !(setting != nullptr && std::strcmp(setting, "0") == 0);
}

// Compares y from CUDA (bytes) with the CPU's, over rows [first_row, R).
long compare_with_cpu(const GroupedProblem& p, const GroupedCase& c, const std::vector<uint8_t>& gpu, int64_t first_row) {
    const double hardware = fp8_mma_in_use(c.op) && !cuda_is_emulated() ? 33.0 * std::ldexp(1.0, -13) : 0.0;
    const size_t size = qrt_dtype_size(c.y_dtype);
    long bad = 0;
    for (int64_t m = first_row; m < c.rows(); ++m) {
        const int64_t e = expert_of_row(p, m);
        for (int64_t n = 0; n < c.n; ++n) {
            const size_t i = p.y.index(m, n);
            bool ok;
            double bound = 0.0;
            if (c.op == GroupedOp::Int8) {
                ok = std::memcmp(gpu.data() + i * size, p.y.bytes.data() + i * size, size) == 0;
            } else {
                const GroupedReference ref = grouped_reference(p, c, e, m, n);
                bound = fp32_gemm_bound(ref.products, std::fabs(ref.row_scale * ref.col_scale), std::fabs(ref.bias),
                                        ref.exact(), c.k, c.y_dtype, hardware);
                ok = std::fabs(static_cast<double>(load_element(gpu.data(), c.y_dtype, i)) - p.y.get(i)) <= bound;
            }
            if (!ok && bad++ < 3) {
                std::fprintf(stderr, "%s: y[%lld][%lld] (expert %lld) = %.9g on CUDA, %.9g on the CPU (bound %.3g)\n",
                             grouped_op_name(c.op), static_cast<long long>(m), static_cast<long long>(n),
                             static_cast<long long>(e), load_element(gpu.data(), c.y_dtype, i), p.y.get(i), bound);
            }
        }
    }
    return bad;
}

// same_config: every non-empty segment gets the tile configuration the grouped launch picks (from R / E), so the
// grouped kernel must give the ungrouped kernel's bits on each segment.
void check_case(Random& random, const GroupedCase& c, bool same_config) {
    CpuStream cpu;
    CudaStream gpu;
    GroupedProblem p = make_grouped_problem(random, c);
    upload(gpu, p);
    QRT_CHECK_OK(run_grouped(cpu, p, c, false));
    QRT_CHECK_OK(run_grouped(gpu, p, c, true));
    const std::vector<uint8_t> first = p.y.device->download();
    QRT_CHECK(compare_with_cpu(p, c, first, 0) == 0);
    QRT_CHECK_OK(run_grouped(gpu, p, c, true));
    QRT_CHECK(p.y.device->download() == first);  // the same bits again
    if (same_config) {
        Operand ungrouped(c.y_dtype, {c.rows(), c.n});
        ungrouped.upload(gpu);
        for (int64_t e = 0; e < c.experts(); ++e) QRT_CHECK_OK(run_ungrouped_segment(gpu, p, c, e, ungrouped, true));
        QRT_CHECK(ungrouped.device->download() == first);
    }
}

const qrt_dtype kFloatTypes[] = {QRT_DTYPE_F32, QRT_DTYPE_F16, QRT_DTYPE_BF16};
const qrt_dtype k16BitTypes[] = {QRT_DTYPE_BF16, QRT_DTYPE_F16};

struct Layout {
    std::vector<int32_t> rows;
    bool same_config;
};

void check_op(Random& random, GroupedOp op) {
    // N = 72 (partial 32- and 128-wide blocks) and K = 272 (partial stages). Decode: R / E <= 16 and every segment
    // <= 16; medium: R / E in (16, 64] and every non-empty segment too; large: above 64; then mixed segments.
    const Layout layouts[] = {{{1, 0, 0, 1, 0, 0, 0, 0}, true},  {{3, 0, 5, 1, 0, 7, 2, 4}, true},
                              {{40, 0, 17, 63, 0, 30}, true},    {{100, 0, 130, 70}, true},
                              {{1, 0, 90, 20, 0, 33, 5, 0}, false}, {{0, 200, 3, 0}, false}};
    int index = 0;
    for (const Layout& layout : layouts) {
        for (int variant = 0; variant < 2; ++variant) {
            const GroupedCase c{op, layout.rows, 72, 272, k16BitTypes[index % 2], index % 3, index % 2 == 1,
                                kFloatTypes[(index + 1) % 3], index % 4 < 2, index % 5 != 4, kFloatTypes[index % 3]};
            check_case(random, c, layout.same_config);
            ++index;
        }
    }
    // Every output dtype with and without bias at decode, one expert, and a Mixtral-like expert (N = 512 slice of
    // the 14336 x 4096 w1) for two tokens routed top-2 among 8.
    for (qrt_dtype y_dtype : kFloatTypes) {
        for (bool bias : {false, true}) {
            check_case(random, GroupedCase{op, {2, 0, 1}, 40, 48, QRT_DTYPE_F16, bias ? 2 : 1, bias, QRT_DTYPE_BF16,
                                           bias, bias, y_dtype},
                       true);
        }
    }
    check_case(random, GroupedCase{op, {9}, 16, 64, QRT_DTYPE_BF16, 0, true, QRT_DTYPE_F32, true, true,
                                   QRT_DTYPE_BF16},
               true);
    check_case(random, GroupedCase{op, {1, 0, 0, 1, 1, 0, 0, 1}, 512, 4096, QRT_DTYPE_BF16, 1, false, QRT_DTYPE_F32,
                                   false, false, QRT_DTYPE_BF16},
               true);
}

// Device offsets out of range or decreasing: clamped into [0, R], a decreasing pair is empty, rows in no segment keep
// their bytes. Compared with the CPU on the offsets the clamping makes.
void check_bad_offsets(Random& random, GroupedOp op) {
    struct Bad {
        std::vector<int32_t> device, valid;
        int64_t first_covered;
    };
    const Bad cases[] = {{{-5, 4, 4, 20, 7}, {0, 4, 4, 10, 10}, 0},
                         {{2, 5, 5, 8, 1000}, {0, 5, 5, 8, 10}, 2},
                         {{0, 10, 3, -1, -1}, {0, 10, 10, 10, 10}, 0}};
    for (const Bad& bad : cases) {
        CpuStream cpu;
        CudaStream gpu;
        std::vector<int32_t> rows;
        for (size_t e = 0; e + 1 < bad.valid.size(); ++e) rows.push_back(bad.valid[e + 1] - bad.valid[e]);
        const GroupedCase c{op, rows, 40, 64, QRT_DTYPE_BF16, 2, true, QRT_DTYPE_F32, true, true, QRT_DTYPE_F32};
        GroupedProblem p = make_grouped_problem(random, c);
        QRT_CHECK_OK(run_grouped(cpu, p, c, false));
        std::vector<uint8_t> expected = p.y.bytes;
        std::fill(p.y.bytes.begin(), p.y.bytes.end(), 0x7f);  // sentinel for rows in no segment
        const std::vector<uint8_t> sentinel = p.y.bytes;
        set_i32(p.offsets, bad.device);
        upload(gpu, p);
        QRT_CHECK_OK(run_grouped(gpu, p, c, true));
        const std::vector<uint8_t> result = p.y.device->download();
        const size_t row_bytes = static_cast<size_t>(c.n) * qrt_dtype_size(c.y_dtype);
        const size_t uncovered = static_cast<size_t>(bad.first_covered) * row_bytes;
        QRT_CHECK(std::equal(result.begin(), result.begin() + static_cast<std::ptrdiff_t>(uncovered), sentinel.begin()));
        p.y.bytes = expected;
        QRT_CHECK(compare_with_cpu(p, c, result, bad.first_covered) == 0);
    }
}

// Per-expert static quantization: the CPU's bytes, and rows in no segment untouched.
void check_quantize(Random& random, bool int8, qrt_dtype x_dtype, qrt_dtype scale_dtype, bool zero_point, int64_t k,
                    const std::vector<int32_t>& device_offsets, const std::vector<int32_t>& valid_offsets,
                    int64_t first_covered) {
    CpuStream cpu;
    CudaStream gpu;
    const int64_t e_count = static_cast<int64_t>(valid_offsets.size()) - 1, r = valid_offsets.back();
    Operand x(x_dtype, {r, k});
    fill_uniform(random, x, -3.0f, 3.0f);
    Operand scale(scale_dtype, {e_count});
    fill_uniform(random, scale, 0.004f, 0.03f);
    Operand zero_points(QRT_DTYPE_I32, {e_count});
    std::vector<int32_t> zero_values(static_cast<size_t>(e_count));
    for (int32_t& z : zero_values) z = random.integer(-40, 40);
    set_i32(zero_points, zero_values);
    Operand offsets(QRT_DTYPE_I32, {e_count + 1});
    set_i32(offsets, valid_offsets);
    Operand q(int8 ? QRT_DTYPE_I8 : QRT_DTYPE_F8_E4M3, {r, k});
    std::fill(q.bytes.begin(), q.bytes.end(), 0x5a);
    auto run = [&](qrt_stream* stream, bool on_gpu) {
        auto view = [&](Operand& o) { return on_gpu ? o.gpu() : o.host(); };
        qrt_tensor xt = view(x), st = view(scale), zt = view(zero_points), ot = view(offsets), qt = view(q);
        if (int8) return qrt_quantize_int8_grouped(stream, &xt, &st, zero_point ? &zt : nullptr, &ot, &qt);
        return qrt_quantize_fp8_grouped(stream, &xt, &st, &ot, &qt);
    };
    for (Operand* o : {&x, &scale, &zero_points, &q}) o->upload(gpu);
    set_i32(offsets, device_offsets);
    offsets.upload(gpu);
    set_i32(offsets, valid_offsets);
    const std::vector<uint8_t> sentinel = q.bytes;
    QRT_CHECK_OK(run(cpu, false));
    QRT_CHECK_OK(run(gpu, true));
    std::vector<uint8_t> expected = q.bytes;
    const size_t uncovered = static_cast<size_t>(first_covered * k);
    std::copy(sentinel.begin(), sentinel.begin() + static_cast<std::ptrdiff_t>(uncovered), expected.begin());
    QRT_CHECK(q.device->download() == expected);
}

void check_quantizers(Random& random) {
    const std::vector<int32_t> valid{0, 3, 3, 7, 8, 8, 10, 10, 15};
    for (bool int8 : {true, false}) {
        for (qrt_dtype x_dtype : kFloatTypes) {
            for (qrt_dtype scale_dtype : kFloatTypes) {
                check_quantize(random, int8, x_dtype, scale_dtype, int8 && scale_dtype != QRT_DTYPE_F16, 37, valid,
                               valid, 0);
            }
        }
        check_quantize(random, int8, QRT_DTYPE_BF16, QRT_DTYPE_F32, int8, 1500, valid, valid, 0);
        // Clamped offsets: rows 0 and 1 in no segment.
        check_quantize(random, int8, QRT_DTYPE_F16, QRT_DTYPE_F32, int8, 40, {2, 5, 5, 8, 1000},
                       {0, 5, 5, 8, 10}, 2);
    }
}

void check_refusals(Random& random) {
    CudaStream gpu;
    // F32 activations: the dense and W8A16 kernels take 16-bit ones.
    for (GroupedOp op : {GroupedOp::Dense, GroupedOp::W8A16}) {
        const GroupedCase c{op, {1, 2}, 16, 32, QRT_DTYPE_F32, 0, true, QRT_DTYPE_F32, false, false, QRT_DTYPE_F32};
        GroupedProblem p = make_grouped_problem(random, c);
        upload(gpu, p);
        QRT_CHECK_FAILS(run_grouped(gpu, p, c, true), QRT_STATUS_UNSUPPORTED, "'x'");
    }
    // K = 24 bytes of INT8 per row: not whole 16-byte chunks.
    {
        const GroupedCase c{GroupedOp::Int8, {1, 2}, 16, 24, QRT_DTYPE_F32, 0, true, QRT_DTYPE_F32, false, false,
                            QRT_DTYPE_F32};
        GroupedProblem p = make_grouped_problem(random, c);
        upload(gpu, p);
        QRT_CHECK_FAILS(run_grouped(gpu, p, c, true), QRT_STATUS_UNSUPPORTED, "'a'");
    }
    // Experts 16 · 32 + 8 bytes apart: not 16-byte aligned.
    {
        Operand a(QRT_DTYPE_I8, {3, 32}), a_scale(QRT_DTYPE_F32, {1}), w(QRT_DTYPE_I8, {2, 16 * 32 + 8}),
            w_scale(QRT_DTYPE_F32, {2}), offsets(QRT_DTYPE_I32, {3}), y(QRT_DTYPE_F32, {3, 16});
        set_i32(offsets, {0, 1, 3});
        for (Operand* o : {&a, &a_scale, &w, &w_scale, &offsets, &y}) o->upload(gpu);
        qrt_tensor at = a.gpu(), ast = a_scale.gpu(), wst = w_scale.gpu(), ot = offsets.gpu(), yt = y.gpu();
        qrt_tensor wt = tensor(w.device->data(), QRT_DTYPE_I8, {2, 16, 32}, cuda_device());
        wt.strides[0] = 16 * 32 + 8;
        QRT_CHECK_FAILS(qrt_gemm_w8a8_int8_grouped(gpu, &at, &ast, nullptr, &wt, &wst, nullptr, &ot, &yt),
                        QRT_STATUS_UNSUPPORTED, "'w'");
        wt.strides[0] = 16 * 32 + 16;
        QRT_CHECK_OK(qrt_gemm_w8a8_int8_grouped(gpu, &at, &ast, nullptr, &wt, &wst, nullptr, &ot, &yt));
    }
}

// ---- Launch statistics (emulator only) ----------------------------------------------------------------------------

constexpr int64_t kTrafficN = 256;
constexpr int64_t kTrafficK = 512;
const std::vector<int32_t> kTrafficRows = {1, 0, 0, 0, 1, 0, 0, 0};  // two tokens' rows, six empty experts

// The child: one INT8 and one FP8 grouped launch at decode.
int traffic_child() {
    Random random(7);
    CudaStream gpu;
    for (GroupedOp op : {GroupedOp::Int8, GroupedOp::Fp8}) {
        const GroupedCase c{op, kTrafficRows, kTrafficN, kTrafficK, QRT_DTYPE_BF16, 2, true, QRT_DTYPE_F32, false,
                            false, QRT_DTYPE_BF16};
        GroupedProblem p = make_grouped_problem(random, c);
        upload(gpu, p);
        QRT_CHECK_OK(run_grouped(gpu, p, c, true));
        QRT_CHECK_OK(qrt_stream_synchronize(gpu));
    }
    return finish("test_cuda_gemm_grouped traffic --child");
}

struct Launch {
    unsigned long long cp_async_bytes = 0, cp_async_distinct = 0;
    unsigned grid_x = 0, grid_y = 0, grid_z = 0;
};

std::vector<Launch> parse(const std::string& output) {
    std::vector<Launch> launches;
    std::istringstream lines(output);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind("qrt emulator: gemm_kernel", 0) == 0) {
            launches.emplace_back();
            const size_t grid = line.find(" grid ");
            if (grid != std::string::npos) {
                std::sscanf(line.c_str() + grid + 6, "%ux%ux%u", &launches.back().grid_x, &launches.back().grid_y,
                            &launches.back().grid_z);
            }
            continue;
        }
        if (launches.empty()) continue;
        unsigned long long bytes = 0, accesses = 0, sectors = 0, distinct = 0;
        if (std::sscanf(line.c_str(), " cp.async %llu bytes in %llu accesses, %llu sectors (%llu distinct)", &bytes,
                        &accesses, &sectors, &distinct) == 4) {
            launches.back().cp_async_bytes = bytes;
            launches.back().cp_async_distinct = distinct;
        }
    }
    return launches;
}

// Every block of an empty segment exits before reading: the launch fetches the weights of the two experts with rows,
// once each, and each of their blocks its one activation row; nothing of the six other experts.
int check_traffic(const char* self) {
    if (!cuda_is_emulated()) return skip("test_cuda_gemm_grouped traffic", "launch statistics come from the emulator");
    const ChildRun run = run_child(self, "--traffic-child", "QRT_EMULATOR_REPORT=1 QRT_EMULATOR_THREADS=1");
    QRT_CHECK(run.status == 0);
    const std::vector<Launch> launches = parse(run.output);
    QRT_CHECK(launches.size() == 2);
    if (launches.size() != 2) {
        std::fprintf(stderr, "%s", run.output.c_str());
        return finish("test_cuda_gemm_grouped traffic");
    }
    const unsigned long long experts_with_rows = 2;
    const unsigned long long blocks_n = kTrafficN / 32;  // the decode configuration's block width
    const unsigned long long weight_bytes = experts_with_rows * kTrafficN * kTrafficK;
    const unsigned long long activation_bytes = experts_with_rows * blocks_n * kTrafficK;  // one row per block
    for (const Launch& l : launches) {
        QRT_CHECK(l.grid_x == blocks_n && l.grid_y == 1 && l.grid_z == kTrafficRows.size());
        QRT_CHECK(l.cp_async_bytes == weight_bytes + activation_bytes);
        QRT_CHECK(l.cp_async_distinct == (weight_bytes + experts_with_rows * kTrafficK) / 32);
        std::printf("grid %ux%ux%u: %llu bytes by cp.async (weights of 2 of 8 experts: %llu), %llu distinct sectors\n",
                    l.grid_x, l.grid_y, l.grid_z, l.cp_async_bytes, weight_bytes, l.cp_async_distinct);
    }
    return finish("test_cuda_gemm_grouped traffic");
}

}  // namespace

int main(int argc, char** argv) {
    const std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) return skip_without_cuda("test_cuda_gemm_grouped", reason);
    // One part per run when named (dense, w8a8_int8, w8a8_fp8, w8a8_fp8_widen, w8a16_fp8, quantize, refusals,
    // traffic), all but the traffic otherwise.
    const std::string only = argc > 1 ? argv[1] : "";
    if (only == "--traffic-child") return traffic_child();
    if (only == "traffic") return check_traffic(argv[0]);
    Random random(20261209);
    const std::pair<const char*, GroupedOp> ops[] = {{"dense", GroupedOp::Dense},
                                                     {"w8a8_int8", GroupedOp::Int8},
                                                     {"w8a8_fp8", GroupedOp::Fp8},
                                                     {"w8a16_fp8", GroupedOp::W8A16}};
    for (const auto& [name, op] : ops) {
        if (only.empty() || only == name) {
            check_op(random, op);
            check_bad_offsets(random, op);
        }
    }
    if (only.empty() || only == "w8a8_fp8_widen") {
        setenv("QRT_CUDA_FP8_MMA", "0", 1);  // the path of devices without FP8 mma
        check_op(random, GroupedOp::Fp8);
        unsetenv("QRT_CUDA_FP8_MMA");
    }
    if (only.empty() || only == "quantize") check_quantizers(random);
    if (only.empty() || only == "refusals") check_refusals(random);
    return finish("test_cuda_gemm_grouped");
}
