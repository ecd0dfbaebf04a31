// The CUDA qrt_sample against the CPU op on the same inputs. Exits 77 (skipped) without a GPU.
//
// Tolerance: none — every token must match. Both backends compute each logit's fixed-point weight with the same
// correctly rounded operations only (an exact widening of F16/BF16, one FP32 subtraction and division, fmaf, floorf,
// multiplications by powers of two, a truncating conversion: core/sampling_math.h), so the weights are the same
// integers on both, bit for bit; every sum, the top-k and top-p thresholds, the draw's target and the cumulative walk
// are integer arithmetic, exact in any order. No draw can therefore land on the other side of a cumulative boundary
// on one backend than on the other: the band of draws to exclude has width 0. (Had the weights come from expf, which
// is within 2 ulp on a GPU and 1 ulp on the host, each weight could differ by 3 ulp, 3·2^-23 relative, and draws within
// 3·2^-23 of the kept mass of a boundary would have had to be excluded.)
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "core/sampling_math.h"
#include "cuda_ops_test_util.h"
#include "sampling_test_util.h"

using namespace qrt_test;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::nanf("");

// The batch's logits in `dtype` (bits made by the CPU backend), its parameters and counters on the device; draws
// `calls` times there, then reads back the ids of the last call and the counters.
struct DeviceDraw {
    std::vector<int32_t> ids;
    std::vector<int64_t> counter;
};

DeviceDraw sample_on_device(qrt_stream* gpu, const SampleBatch& batch, const std::vector<uint8_t>& logits_bits,
                            qrt_dtype dtype, int calls, std::vector<std::vector<int32_t>>* every_call = nullptr) {
    DeviceBuffer<uint8_t> logits(gpu, logits_bits);
    DeviceBuffer<float> temperature(gpu, batch.temperature);
    DeviceBuffer<int32_t> top_k(gpu, batch.top_k);
    DeviceBuffer<float> top_p(gpu, batch.top_p);
    DeviceBuffer<int64_t> seed(gpu, batch.seed);
    DeviceBuffer<int64_t> counter(gpu, batch.counter);
    DeviceBuffer<int32_t> ids(gpu, std::vector<int32_t>(static_cast<size_t>(batch.rows), -1));
    qrt_tensor l = device_tensor(logits.data(), dtype, {batch.rows, batch.cols});
    qrt_tensor t = device_tensor(temperature.data(), QRT_DTYPE_F32, {batch.rows});
    qrt_tensor k = device_tensor(top_k.data(), QRT_DTYPE_I32, {batch.rows});
    qrt_tensor p = device_tensor(top_p.data(), QRT_DTYPE_F32, {batch.rows});
    qrt_tensor s = device_tensor(seed.data(), QRT_DTYPE_I64, {batch.rows});
    qrt_tensor c = device_tensor(counter.data(), QRT_DTYPE_I64, {batch.rows});
    qrt_tensor i = device_tensor(ids.data(), QRT_DTYPE_I32, {batch.rows});
    for (int call = 0; call < calls; ++call) {
        QRT_CHECK_OK(qrt_sample(gpu, &l, &t, &k, &p, &s, &c, &i));
        if (every_call != nullptr) every_call->push_back(ids.download());
    }
    return DeviceDraw{ids.download(), counter.download()};
}

// The CPU op over the same logit bits, `calls` times; the batch's counters and ids are updated.
void sample_on_host(qrt_stream* cpu, SampleBatch& batch, const std::vector<uint8_t>& logits_bits, qrt_dtype dtype,
                    int calls, std::vector<std::vector<int32_t>>* every_call = nullptr) {
    for (int call = 0; call < calls; ++call) {
        qrt_tensor l = tensor(const_cast<uint8_t*>(logits_bits.data()), dtype, {batch.rows, batch.cols});
        qrt_tensor t = tensor(batch.temperature.data(), QRT_DTYPE_F32, {batch.rows});
        qrt_tensor k = tensor(batch.top_k.data(), QRT_DTYPE_I32, {batch.rows});
        qrt_tensor p = tensor(batch.top_p.data(), QRT_DTYPE_F32, {batch.rows});
        qrt_tensor s = tensor(batch.seed.data(), QRT_DTYPE_I64, {batch.rows});
        qrt_tensor c = tensor(batch.counter.data(), QRT_DTYPE_I64, {batch.rows});
        qrt_tensor i = tensor(batch.ids.data(), QRT_DTYPE_I32, {batch.rows});
        QRT_CHECK_OK(qrt_sample(cpu, &l, &t, &k, &p, &s, &c, &i));
        if (every_call != nullptr) every_call->push_back(batch.ids);
    }
}

void check_same_ids(const std::vector<int32_t>& gpu, const std::vector<int32_t>& cpu, const char* what) {
    size_t bad = 0, first = 0;
    for (size_t r = 0; r < cpu.size(); ++r) {
        if (gpu[r] != cpu[r] && bad++ == 0) first = r;
    }
    if (bad > 0) {
        std::fprintf(stderr, "%s: %zu of %zu rows differ; first row %zu: GPU %d, CPU %d\n", what, bad, cpu.size(), first,
                     gpu[first], cpu[first]);
        ++failures();
    }
}

struct RowSetting {
    float temperature;
    int32_t top_k;
    float top_p;
};

// Settings for row r of a mixed batch: plain, low and high temperature, top-k alone, top-p alone, both, greedy, top-k
// of the whole row with top-p, top_k = 1 and a tiny top-p.
RowSetting mixed_setting(int64_t r, int64_t cols) {
    const RowSetting settings[] = {
        {1.0f, 0, 1.0f},   {0.6f, 0, 1.0f},   {1.8f, 0, 1.0f}, {1.0f, 40, 1.0f},
        {1.0f, 0, 0.9f},   {0.8f, 50, 0.95f}, {0.0f, 0, 1.0f}, {1.2f, static_cast<int32_t>(cols), 0.5f},
        {1.0f, 1, 1.0f},   {1.0f, 0, 1e-6f},
    };
    return settings[r % 10];
}

// Many random rows with mixed settings, in each dtype, three calls each: the same tokens and counters as the CPU.
void test_matches_cpu(qrt_dtype dtype, int64_t rows, int64_t cols, float scale, uint32_t data_seed) {
    CpuStream cpu;
    CudaStream gpu;
    Random random(data_seed);
    SampleBatch batch(rows, cols);
    const auto values = random.normal(batch.logits.size(), scale);
    std::copy(values.begin(), values.end(), batch.logits.begin());
    for (int64_t r = 0; r < rows; ++r) {
        const RowSetting setting = mixed_setting(r, cols);
        const size_t i = static_cast<size_t>(r);
        batch.temperature[i] = setting.temperature;
        batch.top_k[i] = setting.top_k;
        batch.top_p[i] = setting.top_p;
        batch.seed[i] = static_cast<int64_t>(data_seed) * 1000003 + r;
        batch.counter[i] = r * 17;
    }
    if (rows > 12 && cols > 40) {  // NaNs and −infs among numbers, in a few rows
        batch.row(11)[3] = kNaN;
        batch.row(11)[cols - 1] = -kInf;
        batch.row(12)[0] = kNaN;
    }
    const auto bits = encode(cpu, batch.logits, dtype);
    std::vector<std::vector<int32_t>> gpu_calls, cpu_calls;
    const DeviceDraw device = sample_on_device(gpu, batch, bits, dtype, 3, &gpu_calls);
    sample_on_host(cpu, batch, bits, dtype, 3, &cpu_calls);
    char what[96];
    for (int call = 0; call < 3; ++call) {
        std::snprintf(what, sizeof what, "%s %lldx%lld call %d", qrt_dtype_name(dtype), static_cast<long long>(rows),
                      static_cast<long long>(cols), call);
        check_same_ids(gpu_calls[static_cast<size_t>(call)], cpu_calls[static_cast<size_t>(call)], what);
    }
    QRT_CHECK(device.counter == batch.counter);
}

// Greedy rows over the special values: the first largest logit, NaN only when every logit is NaN.
void test_greedy_rows() {
    CpuStream cpu;
    CudaStream gpu;
    const int64_t cols = 3000;
    Random random(3);
    SampleBatch batch(8, cols);
    const auto values = random.normal(batch.logits.size(), 4.0f);
    std::copy(values.begin(), values.end(), batch.logits.begin());
    batch.row(1)[0] = kNaN;
    std::fill(batch.row(2), batch.row(2) + cols, kNaN);
    batch.row(3)[2999] = kInf;
    std::fill(batch.row(4), batch.row(4) + cols, -kInf);
    std::fill(batch.row(5), batch.row(5) + cols, 2.0f);
    batch.row(6)[100] = 1e30f;
    batch.row(6)[2000] = 1e30f;
    batch.set_all(0.0f, 0, 1.0f);
    const auto bits = encode(cpu, batch.logits, QRT_DTYPE_F32);
    const DeviceDraw device = sample_on_device(gpu, batch, bits, QRT_DTYPE_F32, 1);
    for (int64_t r = 0; r < batch.rows; ++r) {
        QRT_CHECK(device.ids[static_cast<size_t>(r)] == reference_argmax(batch.row_values(r)));
    }
    for (int64_t counter : device.counter) QRT_CHECK(counter == 1);
}

// Values out of range in device memory take the meaning qrt.h gives them: a negative, NaN or infinite temperature
// draws greedily; a negative top_k and a top_p outside (0, 1] are off. The CPU op with those meanings spelled out is
// the reference.
void test_out_of_range_parameters() {
    CpuStream cpu;
    CudaStream gpu;
    const int64_t cols = 500;
    Random random(4);
    SampleBatch batch(7, cols);
    const auto values = random.normal(batch.logits.size(), 2.0f);
    std::copy(values.begin(), values.end(), batch.logits.begin());
    batch.temperature = {-1.0f, kNaN, kInf, 1.0f, 1.0f, 1.0f, 1.0f};
    batch.top_k = {0, 0, 0, -5, 0, 0, 0};
    batch.top_p = {1.0f, 1.0f, 1.0f, 1.0f, 0.0f, 2.0f, kNaN};
    for (int64_t r = 0; r < batch.rows; ++r) batch.seed[static_cast<size_t>(r)] = 77 + r;
    const auto bits = encode(cpu, batch.logits, QRT_DTYPE_F32);
    const DeviceDraw device = sample_on_device(gpu, batch, bits, QRT_DTYPE_F32, 1);
    SampleBatch meant = batch;
    meant.temperature = {0.0f, 0.0f, 0.0f, 1.0f, 1.0f, 1.0f, 1.0f};
    meant.top_k = {0, 0, 0, 0, 0, 0, 0};
    meant.top_p = {1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f};
    sample_on_host(cpu, meant, bits, QRT_DTYPE_F32, 1);
    check_same_ids(device.ids, meant.ids, "out-of-range parameters");
    QRT_CHECK(device.counter == meant.counter);
}

// Mistral-NeMo's vocabulary (131072) in BF16, and 262144 logits, with top-k and top-p: the radix selections over
// vocabularies of that size, with no workspace.
void test_large_vocabularies() {
    CpuStream cpu;
    CudaStream gpu;
    for (const int64_t cols : {int64_t{131072}, int64_t{262144}}) {
        const int64_t rows = cols == 131072 ? 4 : 2;
        Random random(static_cast<uint32_t>(cols));
        SampleBatch batch(rows, cols);
        const auto values = random.normal(batch.logits.size(), 3.0f);
        std::copy(values.begin(), values.end(), batch.logits.begin());
        const RowSetting settings[] = {{1.0f, 0, 1.0f}, {0.7f, 50, 1.0f}, {1.0f, 0, 0.9f}, {0.9f, 1000, 0.8f}};
        for (int64_t r = 0; r < rows; ++r) {
            const size_t i = static_cast<size_t>(r);
            batch.temperature[i] = settings[i].temperature;
            batch.top_k[i] = settings[i].top_k;
            batch.top_p[i] = settings[i].top_p;
            batch.seed[i] = 5 + r;
            batch.counter[i] = 1000 * r;
        }
        const auto bits = encode(cpu, batch.logits, QRT_DTYPE_BF16);
        std::vector<std::vector<int32_t>> gpu_calls, cpu_calls;
        const DeviceDraw device = sample_on_device(gpu, batch, bits, QRT_DTYPE_BF16, 2, &gpu_calls);
        sample_on_host(cpu, batch, bits, QRT_DTYPE_BF16, 2, &cpu_calls);
        check_same_ids(gpu_calls[0], cpu_calls[0], "BF16, large vocabulary, call 0");
        check_same_ids(gpu_calls[1], cpu_calls[1], "BF16, large vocabulary, call 1");
        QRT_CHECK(device.counter == batch.counter);
    }
}

}  // namespace

int main() {
    const std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) return skip_without_cuda("test_cuda_sampling", reason);
    test_greedy_rows();
    test_out_of_range_parameters();
    test_matches_cpu(QRT_DTYPE_F32, 200, 1, 1.0f, 1);
    test_matches_cpu(QRT_DTYPE_F32, 200, 7, 2.0f, 2);
    test_matches_cpu(QRT_DTYPE_F32, 200, 1000, 3.0f, 3);
    test_matches_cpu(QRT_DTYPE_F16, 100, 4099, 2.0f, 4);
    test_matches_cpu(QRT_DTYPE_BF16, 100, 2048, 4.0f, 5);
    test_matches_cpu(QRT_DTYPE_BF16, 20, 32000, 3.0f, 6);
    test_large_vocabularies();
    return finish("test_cuda_sampling");
}
