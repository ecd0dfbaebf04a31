// The CUDA mixture-of-experts routing ops against the CPU ops on the same inputs: routing chooses the same experts
// with weights within a bound derived below; the sort's rows, offsets and positions and the gathered rows are the
// CPU's exactly; the combined rows are the CPU's bits in every dtype. Ids, rows and positions that only the device
// reads, when out of range, give what qrt.h says (dropped pairs, NaN rows) and nothing faults. Exits 77 (skipped)
// without a GPU.
#include <algorithm>
#include <cmath>
#include <limits>

#include "cuda_ops_test_util.h"
#include "moe_test_util.h"

using namespace qrt_test;

namespace {

using Shape = MoeShape;

// Weights: the same experts, and weights within
//   (2E + 12)·u relative without renormalising, (4E + 2k + 24)·u with it, u = 2^-24,
// of the CPU's (to first order; 1.01 covers the second-order terms). Both compute fl(expf(x − m)) / fl(Σ) with the
// same x − m (the maximum is exact in any order): expf errs by at most 2 ulp on a GPU and 1 ulp in glibc, so a term
// differs by at most 3 ulp ≤ 6u; each FP32 sum of E terms errs by at most (E − 1)u, in different orders; each
// division by u. A probability: 6u + 6u + 2(E − 1)u + 2u = (2E + 12)u. A renormalised weight divides it by the sum
// of k of them: twice that, 2(k − 1)u for the two sums and 2u for the two divisions. In the emulator expf is the
// host's and only the sums' order differs.
void check_route(const Shape& s, qrt_dtype dtype, bool renormalize, Random& random) {
    CpuStream cpu;
    CudaStream gpu;
    const auto logits = encode(cpu, grid_logits(s, random, true), dtype);
    const size_t pairs = static_cast<size_t>(s.tokens * s.top_k);
    std::vector<int32_t> ids_cpu(pairs);
    std::vector<float> weights_cpu(pairs);
    qrt_tensor logits_host = tensor(const_cast<uint8_t*>(logits.data()), dtype, {s.tokens, s.experts});
    qrt_tensor ids_host = tensor(ids_cpu.data(), QRT_DTYPE_I32, {s.tokens, s.top_k});
    qrt_tensor weights_host = tensor(weights_cpu.data(), QRT_DTYPE_F32, {s.tokens, s.top_k});
    const int32_t k = static_cast<int32_t>(s.top_k);
    QRT_CHECK_OK(qrt_moe_route(cpu, &logits_host, k, renormalize, &ids_host, &weights_host));

    DeviceBuffer<uint8_t> logits_dev(gpu, logits);
    DeviceBuffer<int32_t> ids_dev(gpu, std::vector<int32_t>(pairs, -7));
    DeviceBuffer<float> weights_dev(gpu, std::vector<float>(pairs, -7.0f));
    qrt_tensor logits_gpu = on_device(logits_host, logits_dev.data());
    qrt_tensor ids_gpu = on_device(ids_host, ids_dev.data());
    qrt_tensor weights_gpu = on_device(weights_host, weights_dev.data());
    QRT_CHECK_OK(qrt_moe_route(gpu, &logits_gpu, k, renormalize, &ids_gpu, &weights_gpu));
    const std::vector<int32_t> ids = ids_dev.download();
    const std::vector<float> weights = weights_dev.download();

    const double e = static_cast<double>(s.experts);
    const double bound = 1.01 * kUnitRoundoff * (renormalize ? 4 * e + 2 * static_cast<double>(s.top_k) + 24 : 2 * e + 12);
    size_t wrong_ids = 0, wrong_weights = 0;
    for (size_t i = 0; i < pairs; ++i) {
        if (ids[i] != ids_cpu[i]) ++wrong_ids;
        const bool both_nan = std::isnan(weights[i]) && std::isnan(weights_cpu[i]);
        if (!both_nan && !(std::fabs(weights[i] - weights_cpu[i]) <= bound * std::fabs(weights_cpu[i]))) {
            ++wrong_weights;
        }
    }
    if (s.tokens > 2) QRT_CHECK(std::isnan(weights_cpu[2 * s.top_k]));  // the NaN row stays NaN
    if (wrong_ids + wrong_weights > 0) {
        std::fprintf(stderr, "%s renormalize=%d: %zu experts and %zu weights differ from the CPU's\n",
                     moe_label("route", s, dtype).c_str(), renormalize, wrong_ids, wrong_weights);
        ++failures();
    }
}

// The sort of ids the device alone reads; `bad` pairs get ids outside [0, E). Returns the device's results and
// checks them against the CPU's sort of the valid ids with the dropped pairs left out, as qrt.h defines.
struct Sorted {
    std::vector<int32_t> rows, offsets, positions;
};

Sorted check_sort(const Shape& s, const std::vector<int32_t>& ids, const std::vector<size_t>& bad) {
    CpuStream cpu;
    CudaStream gpu;
    const int64_t pairs = s.tokens * s.top_k;
    const int32_t experts = static_cast<int32_t>(s.experts);
    // The expected results: on the CPU when every id is valid, else a naive scan of the valid pairs.
    Sorted expected{std::vector<int32_t>(static_cast<size_t>(pairs), -1), {0},
                    std::vector<int32_t>(static_cast<size_t>(pairs), -1)};
    if (bad.empty()) {
        expected.offsets.assign(static_cast<size_t>(experts + 1), 0);
        qrt_tensor ids_host = tensor(const_cast<int32_t*>(ids.data()), QRT_DTYPE_I32, {s.tokens, s.top_k});
        qrt_tensor rows_host = tensor(expected.rows.data(), QRT_DTYPE_I32, {pairs});
        qrt_tensor offsets_host = tensor(expected.offsets.data(), QRT_DTYPE_I32, {s.experts + 1});
        qrt_tensor positions_host = tensor(expected.positions.data(), QRT_DTYPE_I32, {s.tokens, s.top_k});
        QRT_CHECK_OK(qrt_moe_sort(cpu, &ids_host, experts, &rows_host, &offsets_host, &positions_host));
    } else {
        int32_t next = 0;
        for (int32_t e = 0; e < experts; ++e) {
            for (int32_t p = 0; p < pairs; ++p) {
                if (ids[p] != e) continue;
                expected.positions[p] = next;
                expected.rows[next++] = p;
            }
            expected.offsets.push_back(next);
        }
    }

    DeviceBuffer<int32_t> ids_dev(gpu, ids);
    DeviceBuffer<int32_t> rows_dev(gpu, std::vector<int32_t>(static_cast<size_t>(pairs), -7));
    DeviceBuffer<int32_t> offsets_dev(gpu, std::vector<int32_t>(static_cast<size_t>(experts + 1), -7));
    DeviceBuffer<int32_t> positions_dev(gpu, std::vector<int32_t>(static_cast<size_t>(pairs), -7));
    qrt_tensor ids_gpu = device_tensor(ids_dev.data(), QRT_DTYPE_I32, {s.tokens, s.top_k});
    qrt_tensor rows_gpu = device_tensor(rows_dev.data(), QRT_DTYPE_I32, {pairs});
    qrt_tensor offsets_gpu = device_tensor(offsets_dev.data(), QRT_DTYPE_I32, {s.experts + 1});
    qrt_tensor positions_gpu = device_tensor(positions_dev.data(), QRT_DTYPE_I32, {s.tokens, s.top_k});
    QRT_CHECK_OK(qrt_moe_sort(gpu, &ids_gpu, experts, &rows_gpu, &offsets_gpu, &positions_gpu));
    Sorted actual{rows_dev.download(), offsets_dev.download(), positions_dev.download()};
    if (actual.rows != expected.rows || actual.offsets != expected.offsets ||
        actual.positions != expected.positions) {
        std::fprintf(stderr, "%s with %zu bad ids: sorted rows, offsets or positions differ from the CPU's\n",
                     moe_label("sort", s, QRT_DTYPE_I32).c_str(), bad.size());
        ++failures();
    }
    return actual;
}

std::vector<int32_t> random_ids(const Shape& s, Random& random) {
    std::vector<int32_t> ids(static_cast<size_t>(s.tokens * s.top_k));
    for (int32_t& id : ids) id = random.integer(0, static_cast<int32_t>(s.experts - 1));
    return ids;
}

// Gather: the CPU's bytes for every entry in range; a NaN row for each entry outside [0, R).
void check_gather(const Shape& s, qrt_dtype dtype, const std::vector<int32_t>& rows, Random& random) {
    CpuStream cpu;
    CudaStream gpu;
    const int64_t pairs = s.tokens * s.top_k, hidden = 130, x_stride = 136;
    const auto x = encode(cpu, random.normal(static_cast<size_t>(s.tokens * x_stride)), dtype);
    const size_t size = qrt_dtype_size(dtype);
    qrt_tensor x_host = matrix(const_cast<uint8_t*>(x.data()), dtype, s.tokens, hidden, x_stride);
    DeviceBuffer<uint8_t> x_dev(gpu, x);
    DeviceBuffer<int32_t> rows_dev(gpu, rows);
    DeviceBuffer<uint8_t> xs_dev(gpu, std::vector<uint8_t>(static_cast<size_t>(pairs * hidden) * size, 0));
    qrt_tensor x_gpu = on_device(x_host, x_dev.data());
    qrt_tensor rows_gpu = device_tensor(rows_dev.data(), QRT_DTYPE_I32, {pairs});
    qrt_tensor xs_gpu = device_tensor(xs_dev.data(), dtype, {pairs, hidden});
    QRT_CHECK_OK(qrt_moe_gather(gpu, &x_gpu, &rows_gpu, static_cast<int32_t>(s.top_k), &xs_gpu));
    const std::vector<uint8_t> xs = xs_dev.download();

    // The CPU's gather of the entries in range, each entry out of range replaced by 0 there (then expected NaN).
    std::vector<int32_t> valid_rows = rows;
    for (int32_t& row : valid_rows) row = row >= 0 && row < pairs ? row : 0;
    std::vector<uint8_t> expected(xs.size());
    qrt_tensor rows_host = tensor(valid_rows.data(), QRT_DTYPE_I32, {pairs});
    qrt_tensor xs_host = tensor(expected.data(), dtype, {pairs, hidden});
    QRT_CHECK_OK(qrt_moe_gather(cpu, &x_host, &rows_host, static_cast<int32_t>(s.top_k), &xs_host));
    for (int64_t i = 0; i < pairs; ++i) {
        if (rows[i] >= 0 && rows[i] < pairs) continue;
        for (int64_t h = 0; h < hidden; ++h) {
            QRT_CHECK(std::isnan(element_value(xs, dtype, static_cast<size_t>(i * hidden + h))));
            std::memcpy(expected.data() + static_cast<size_t>(i * hidden + h) * size,
                        xs.data() + static_cast<size_t>(i * hidden + h) * size, size);
        }
    }
    check_same_bits(xs, expected, dtype, moe_label("gather", s, dtype).c_str());
}

// Combine: the CPU's bits in every pair of dtypes. Both add the same FP32 products in the same order (increasing
// expert id, slot order on ties) with round-to-nearest and no fused multiply-add (__fmul_rn/__fadd_rn on the GPU,
// -ffp-contract=off on the CPU), so they reach the same FP32 sum and round it once to y's dtype the same way: the
// bound is zero for F32, F16 and BF16 outputs alike. `positions` may hold -1 (dropped, on both backends) and, at
// `corrupt` tokens, values outside [0, R) that only the device sees: those tokens' rows must be NaN.
void check_combine(const Shape& s, qrt_dtype out_dtype, qrt_dtype y_dtype, const std::vector<int32_t>& positions,
                   const std::vector<int32_t>& ids, const std::vector<int64_t>& corrupt, Random& random) {
    CpuStream cpu;
    CudaStream gpu;
    const int64_t pairs = s.tokens * s.top_k, hidden = 300;
    const auto out = encode(cpu, random.normal(static_cast<size_t>(pairs * hidden), 2.0f), out_dtype);
    const std::vector<float> weights = random.uniform(static_cast<size_t>(pairs), 0.0f, 1.0f);
    std::vector<int32_t> host_positions = positions;
    for (int64_t t : corrupt) {
        for (int64_t slot = 0; slot < s.top_k; ++slot) host_positions[static_cast<size_t>(t * s.top_k + slot)] = -1;
    }
    std::vector<uint8_t> expected(static_cast<size_t>(s.tokens * hidden) * qrt_dtype_size(y_dtype));
    qrt_tensor out_host = tensor(const_cast<uint8_t*>(out.data()), out_dtype, {pairs, hidden});
    qrt_tensor positions_host = tensor(host_positions.data(), QRT_DTYPE_I32, {s.tokens, s.top_k});
    qrt_tensor weights_host = tensor(const_cast<float*>(weights.data()), QRT_DTYPE_F32, {s.tokens, s.top_k});
    qrt_tensor ids_host = tensor(const_cast<int32_t*>(ids.data()), QRT_DTYPE_I32, {s.tokens, s.top_k});
    qrt_tensor y_host = tensor(expected.data(), y_dtype, {s.tokens, hidden});
    QRT_CHECK_OK(qrt_moe_combine(cpu, &out_host, &positions_host, &weights_host, &ids_host, &y_host));

    DeviceBuffer<uint8_t> out_dev(gpu, out);
    DeviceBuffer<int32_t> positions_dev(gpu, positions);
    DeviceBuffer<float> weights_dev(gpu, weights);
    DeviceBuffer<int32_t> ids_dev(gpu, ids);
    DeviceBuffer<uint8_t> y_dev(gpu, std::vector<uint8_t>(expected.size(), 0));
    qrt_tensor out_gpu = on_device(out_host, out_dev.data());
    qrt_tensor positions_gpu = on_device(positions_host, positions_dev.data());
    qrt_tensor weights_gpu = on_device(weights_host, weights_dev.data());
    qrt_tensor ids_gpu = on_device(ids_host, ids_dev.data());
    qrt_tensor y_gpu = on_device(y_host, y_dev.data());
    QRT_CHECK_OK(qrt_moe_combine(gpu, &out_gpu, &positions_gpu, &weights_gpu, &ids_gpu, &y_gpu));
    const std::vector<uint8_t> y = y_dev.download();
    const size_t size = qrt_dtype_size(y_dtype);
    for (int64_t t : corrupt) {
        for (int64_t h = 0; h < hidden; ++h) {
            const size_t i = static_cast<size_t>(t * hidden + h);
            QRT_CHECK(std::isnan(element_value(y, y_dtype, i)));
            std::memcpy(expected.data() + i * size, y.data() + i * size, size);
        }
    }
    check_same_bits(y, expected, y_dtype,
                    (moe_label("combine", s, out_dtype) + " -> " + qrt_dtype_name(y_dtype)).c_str());
}

std::vector<int32_t> shuffled_positions(int64_t pairs, Random& random) {
    std::vector<int32_t> positions(static_cast<size_t>(pairs));
    for (int32_t p = 0; p < pairs; ++p) positions[p] = p;
    std::shuffle(positions.begin(), positions.end(), random.engine());
    return positions;
}

// Ids outside [0, E) on the device: their pairs drop out of the sort; gather writes NaN rows past the last segment;
// combine leaves the dropped slots out, as the CPU does with the same -1 positions.
void test_dropped_pairs(Random& random) {
    const Shape s{37, 5, 3};
    std::vector<int32_t> ids = random_ids(s, random);
    const std::vector<size_t> bad = {0, 4, 50, 110};
    ids[0] = -1;
    ids[4] = 5;
    ids[50] = std::numeric_limits<int32_t>::max();
    ids[110] = std::numeric_limits<int32_t>::min();
    const Sorted sorted = check_sort(s, ids, bad);
    QRT_CHECK(sorted.offsets.back() == s.tokens * s.top_k - static_cast<int64_t>(bad.size()));
    for (size_t p : bad) QRT_CHECK(sorted.positions[p] == -1);
    for (qrt_dtype dtype : kFloatDtypes) {
        check_gather(s, dtype, sorted.rows, random);
        check_combine(s, dtype, QRT_DTYPE_BF16, sorted.positions, ids, {}, random);
    }
}

// Values only the device reads, out of range: gather entries give NaN rows, positions other than -1 NaN tokens.
void test_corrupt_indices(Random& random) {
    const Shape s{9, 8, 2};
    const int64_t pairs = s.tokens * s.top_k;
    std::vector<int32_t> rows = shuffled_positions(pairs, random);
    rows[3] = -5;
    rows[7] = static_cast<int32_t>(pairs);
    rows[11] = std::numeric_limits<int32_t>::max();
    for (qrt_dtype dtype : kFloatDtypes) check_gather(s, dtype, rows, random);
    std::vector<int32_t> positions = shuffled_positions(pairs, random);
    positions[1] = -2;                                   // token 0
    positions[8] = static_cast<int32_t>(pairs);          // token 4
    positions[13] = std::numeric_limits<int32_t>::max();  // token 6
    for (qrt_dtype dtype : kFloatDtypes) check_combine(s, dtype, dtype, positions, random_ids(s, random), {0, 4, 6}, random);
    CudaStream gpu;
    QRT_CHECK_OK(qrt_stream_synchronize(gpu));
}

void test_bad_arguments() {
    CudaStream gpu;
    DeviceBuffer<int32_t> ids_dev(gpu, std::vector<int32_t>(6, 0));
    DeviceBuffer<int32_t> rows_dev(gpu, std::vector<int32_t>(6, 0));
    DeviceBuffer<int32_t> offsets_dev(gpu, std::vector<int32_t>(4098, 0));
    DeviceBuffer<int32_t> positions_dev(gpu, std::vector<int32_t>(6, 0));
    qrt_tensor ids = device_tensor(ids_dev.data(), QRT_DTYPE_I32, {3, 2});
    qrt_tensor rows = device_tensor(rows_dev.data(), QRT_DTYPE_I32, {6});
    qrt_tensor positions = device_tensor(positions_dev.data(), QRT_DTYPE_I32, {3, 2});
    qrt_tensor offsets = device_tensor(offsets_dev.data(), QRT_DTYPE_I32, {4097});
    QRT_CHECK_OK(qrt_moe_sort(gpu, &ids, 4096, &rows, &offsets, &positions));
    qrt_tensor more_offsets = device_tensor(offsets_dev.data(), QRT_DTYPE_I32, {4098});
    QRT_CHECK_FAILS(qrt_moe_sort(gpu, &ids, 4097, &rows, &more_offsets, &positions), QRT_STATUS_UNSUPPORTED,
                    "argument 'num_experts'");
    std::vector<int32_t> host_ids(6, 0);
    qrt_tensor ids_on_host = tensor(host_ids.data(), QRT_DTYPE_I32, {3, 2});
    QRT_CHECK_FAILS(qrt_moe_sort(gpu, &ids_on_host, 4096, &rows, &offsets, &positions), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'expert_ids'");
}

}  // namespace

int main() {
    const std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) return skip_without_cuda("test_cuda_moe", reason);
    Random random(20261208);
    const Shape shapes[] = {{1, 8, 2}, {37, 8, 2}, {1, 5, 3}, {37, 5, 3}, {133, 64, 8}, {61, 256, 8}, {6, 3, 3}};
    for (const Shape& s : shapes) {
        for (qrt_dtype dtype : kFloatDtypes) {
            check_route(s, dtype, true, random);
            check_route(s, dtype, false, random);
        }
        const std::vector<int32_t> ids = random_ids(s, random);
        const Sorted sorted = check_sort(s, ids, {});
        for (qrt_dtype dtype : kFloatDtypes) {
            check_gather(s, dtype, sorted.rows, random);
            for (qrt_dtype y_dtype : kFloatDtypes) check_combine(s, dtype, y_dtype, sorted.positions, ids, {}, random);
        }
    }
    // The sizes that matter: 16384 routed rows over 8 experts (Mixtral prefill) and over 256.
    check_sort({8192, 8, 2}, random_ids({8192, 8, 2}, random), {});
    check_sort({2048, 256, 8}, random_ids({2048, 256, 8}, random), {});
    test_dropped_pairs(random);
    test_corrupt_indices(random);
    test_bad_arguments();
    return finish("test_cuda_moe");
}
