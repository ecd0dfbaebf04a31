// qrt_sample on the CPU: greedy and degenerate settings against a naive argmax, the empirical distribution against
// the exact probabilities (chi-square), the generator against Random123's known answers, the counters, and the
// argument checks.
#include <cstring>
#include <limits>
#include <vector>

#include "core/sampling_math.h"
#include "sampling_test_util.h"
#include "test_formats.h"
#include "test_tensors.h"
#include "test_util.h"

using namespace qrt_test;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::nanf("");

// Random123's published known-answer vectors for Philox-4x32-10 (its tests/kat_vectors, from Salmon et al., SC'11).
void test_philox_known_answers() {
    struct Vector {
        uint32_t counter[4];
        uint32_t key[2];
        uint32_t expected[4];
    };
    const Vector vectors[] = {
        {{0u, 0u, 0u, 0u}, {0u, 0u}, {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
        {{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
         {0xffffffffu, 0xffffffffu},
         {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
        {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
         {0xa4093822u, 0x299f31d0u},
         {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
    };
    for (const Vector& v : vectors) {
        const qrt::sampling::Philox4x32 out = qrt::sampling::philox4x32_10(v.counter, v.key);
        for (int i = 0; i < 4; ++i) QRT_CHECK(out.words[i] == v.expected[i]);
    }
}

// The op draws with the layout qrt.h documents. A row of 2^16 equal logits gives every token the weight 2^S
// (S = 62 − 16), so the kept mass is 2^62, the target is bits >> 2 and the token is bits >> 48: the top 16 bits of
// Philox's second output word. With seed 0 at counter 0 that is the known answer's 0xe169.
void test_draw_layout() {
    CpuStream cpu;
    const int64_t vocabulary = 1 << 16;
    SampleBatch batch(6, vocabulary);
    std::fill(batch.logits.begin(), batch.logits.end(), 0.0f);
    batch.seed = {0, 0, 1, -1, 0x123456789abcdefLL, 42};
    batch.counter = {0, 1, 0, -1, 987654321, int64_t{1} << 40};
    const std::vector<int64_t> seeds = batch.seed, counters = batch.counter;
    QRT_CHECK_OK(sample_on_cpu(cpu, batch));
    QRT_CHECK(batch.ids[0] == 0xe169);
    for (int64_t r = 0; r < batch.rows; ++r) {
        const uint64_t bits = qrt::sampling::draw_bits(static_cast<uint64_t>(seeds[static_cast<size_t>(r)]),
                                                       static_cast<uint64_t>(counters[static_cast<size_t>(r)]));
        QRT_CHECK(batch.ids[static_cast<size_t>(r)] == static_cast<int32_t>(bits >> 48));
    }
}

// Rows of normal logits, then special ones: NaNs among numbers, every logit NaN, a +inf, every logit −inf, −infs
// among numbers, and ±0 maxima.
SampleBatch greedy_rows(Random& random) {
    const int64_t cols = 1000;
    SampleBatch batch(40, cols);
    const auto values = random.normal(static_cast<size_t>(batch.rows * cols), 3.0f);
    std::copy(values.begin(), values.end(), batch.logits.begin());
    batch.row(32)[0] = kNaN;
    batch.row(32)[500] = kNaN;
    std::fill(batch.row(33), batch.row(33) + cols, kNaN);
    batch.row(34)[123] = kInf;
    std::fill(batch.row(35), batch.row(35) + cols, -kInf);
    batch.row(35)[0] = kNaN;
    for (int64_t c = 0; c < cols; c += 3) batch.row(36)[c] = -kInf;
    std::fill(batch.row(37), batch.row(37) + cols, -1.0f);
    batch.row(37)[17] = -0.0f;
    batch.row(38)[999] = 100.0f;
    batch.row(39)[0] = 100.0f;
    return batch;
}

void check_argmax(const SampleBatch& batch, const char* what) {
    for (int64_t r = 0; r < batch.rows; ++r) {
        const int32_t expected = reference_argmax(batch.row_values(r));
        if (batch.ids[static_cast<size_t>(r)] != expected) {
            std::fprintf(stderr, "%s: row %lld drew %d, argmax is %d\n", what, static_cast<long long>(r),
                         batch.ids[static_cast<size_t>(r)], expected);
            ++failures();
        }
    }
}

// Greedy rows, top_k = 1 at any temperature and a tiny top_p all keep only the largest logit (the rows hold no tie
// at their maximum), so each draws the argmax whatever the random number.
void test_degenerate_settings_draw_the_argmax() {
    CpuStream cpu;
    Random random(11);
    SampleBatch batch = greedy_rows(random);
    batch.set_all(0.0f, 0, 1.0f);
    QRT_CHECK_OK(sample_on_cpu(cpu, batch));
    check_argmax(batch, "greedy");
    for (float temperature : {0.25f, 1.0f, 7.0f}) {
        batch.set_all(temperature, 1, 1.0f);
        for (int call = 0; call < 3; ++call) {
            QRT_CHECK_OK(sample_on_cpu(cpu, batch));
            check_argmax(batch, "top_k = 1");
        }
        batch.set_all(temperature, 0, 1e-6f);
        for (int call = 0; call < 3; ++call) {
            QRT_CHECK_OK(sample_on_cpu(cpu, batch));
            check_argmax(batch, "top_p = 1e-6");
        }
    }
}

struct Setting {
    float temperature;
    int32_t top_k;
    float top_p;
};

// The empirical distribution of many draws (distinct counters) from one row against the exact probabilities.
// Besides truncating weights below 2^-S of the largest (S = 56 here: < 2^-50 of the total) and FP32 rounding of the
// weights (a few ulp, ~1e-6 relative), the op's distribution is the exact one; with N = 200000 draws those shift the
// expected counts by < 1 in total, so Pearson's statistic stays chi-square distributed with the degrees of freedom of
// the bins. Critical value: α = 1e-6 (see sampling_test_util.h). Tokens of probability 0 (NaN, −inf, cut by top-k or
// top-p) must never be drawn.
void test_distribution(const Setting& setting) {
    CpuStream cpu;
    Random random(23);
    const int64_t cols = 40;
    std::vector<float> row = random.normal(static_cast<size_t>(cols), 2.0f);
    row[7] = kNaN;
    row[30] = -kInf;
    const int64_t rows = 20000;
    const int calls = 10;
    SampleBatch batch(rows, cols);
    for (int64_t r = 0; r < rows; ++r) std::copy(row.begin(), row.end(), batch.row(r));
    batch.set_all(setting.temperature, setting.top_k, setting.top_p);
    std::fill(batch.seed.begin(), batch.seed.end(), 20261208);
    for (int64_t r = 0; r < rows; ++r) batch.counter[static_cast<size_t>(r)] = r * calls;
    std::vector<int64_t> counts(static_cast<size_t>(cols), 0);
    for (int call = 0; call < calls; ++call) {
        QRT_CHECK_OK(sample_on_cpu(cpu, batch));
        for (int32_t id : batch.ids) {
            if (id >= 0 && id < cols) ++counts[static_cast<size_t>(id)];
        }
    }
    const int64_t draws = rows * calls;
    const std::vector<double> p = reference_probabilities(row, setting.temperature, setting.top_k, setting.top_p);
    int64_t counted = 0;
    for (int64_t c = 0; c < cols; ++c) {
        counted += counts[static_cast<size_t>(c)];
        if (p[static_cast<size_t>(c)] == 0.0 && counts[static_cast<size_t>(c)] != 0) {
            std::fprintf(stderr, "T=%g k=%d p=%g: token %lld has probability 0 but was drawn %lld times\n",
                         setting.temperature, setting.top_k, setting.top_p, static_cast<long long>(c),
                         static_cast<long long>(counts[static_cast<size_t>(c)]));
            ++failures();
        }
    }
    QRT_CHECK(counted == draws);
    const ChiSquare fit = goodness_of_fit(counts, p, draws);
    const double critical = chi_square_critical(fit.degrees_of_freedom, kNormalQuantileOneInAMillion);
    std::printf("T=%g k=%d p=%g: chi-square %.2f with %d degrees of freedom (critical %.2f at alpha 1e-6)\n",
                setting.temperature, setting.top_k, setting.top_p, fit.statistic, fit.degrees_of_freedom, critical);
    QRT_CHECK(fit.degrees_of_freedom >= 1);
    QRT_CHECK(fit.statistic < critical);
}

// Every row's counter goes up by one per call, greedy rows included, wrapping as an unsigned 64-bit number; the same
// counters give the same tokens again.
void test_counters() {
    CpuStream cpu;
    Random random(5);
    SampleBatch batch(4, 300);
    const auto values = random.normal(batch.logits.size(), 2.0f);
    std::copy(values.begin(), values.end(), batch.logits.begin());
    batch.temperature = {1.0f, 0.0f, 0.8f, 1.5f};
    batch.top_k = {0, 0, 20, 0};
    batch.top_p = {1.0f, 1.0f, 0.9f, 0.5f};
    batch.seed = {1, 2, 3, 4};
    const std::vector<int64_t> start = {0, 5, -1, std::numeric_limits<int64_t>::max()};
    batch.counter = start;
    std::vector<std::vector<int32_t>> first;
    for (int call = 1; call <= 3; ++call) {
        QRT_CHECK_OK(sample_on_cpu(cpu, batch));
        first.push_back(batch.ids);
        for (size_t r = 0; r < start.size(); ++r) {
            QRT_CHECK(static_cast<uint64_t>(batch.counter[r]) == static_cast<uint64_t>(start[r]) + static_cast<uint64_t>(call));
        }
    }
    batch.counter = start;
    for (int call = 0; call < 3; ++call) {
        QRT_CHECK_OK(sample_on_cpu(cpu, batch));
        QRT_CHECK(batch.ids == first[static_cast<size_t>(call)]);
    }
}

// A row's token depends on its own logits, parameters, seed and counter alone: a batch that mixes settings draws
// what each row draws alone. F16 and BF16 logits draw what F32 logits of the same values draw, and padded rows what
// contiguous ones draw.
void test_rows_are_independent_of_layout() {
    CpuStream cpu;
    Random random(7);
    const int64_t cols = 257;
    SampleBatch batch(6, cols);
    const auto values = random.normal(batch.logits.size(), 2.5f);
    std::copy(values.begin(), values.end(), batch.logits.begin());
    batch.temperature = {1.0f, 0.0f, 0.7f, 1.0f, 2.0f, 1.0f};
    batch.top_k = {0, 3, 10, 0, 50, 1};
    batch.top_p = {1.0f, 0.5f, 1.0f, 0.3f, 0.95f, 1.0f};
    batch.seed = {9, 8, 7, 6, 5, 4};
    batch.counter = {100, 200, 300, 400, 500, 600};
    SampleBatch whole = batch;
    QRT_CHECK_OK(sample_on_cpu(cpu, whole));
    for (int64_t r = 0; r < batch.rows; ++r) {
        SampleBatch one(1, cols);
        one.logits = batch.row_values(r);
        const size_t i = static_cast<size_t>(r);
        one.temperature = {batch.temperature[i]};
        one.top_k = {batch.top_k[i]};
        one.top_p = {batch.top_p[i]};
        one.seed = {batch.seed[i]};
        one.counter = {batch.counter[i]};
        QRT_CHECK_OK(sample_on_cpu(cpu, one));
        QRT_CHECK(one.ids[0] == whole.ids[i]);
    }

    for (qrt_dtype dtype : {QRT_DTYPE_F16, QRT_DTYPE_BF16}) {
        const Stored stored = store(batch.logits, dtype);
        SampleBatch as_f32 = batch;
        for (size_t i = 0; i < as_f32.logits.size(); ++i) as_f32.logits[i] = static_cast<float>(stored.values[i]);
        QRT_CHECK_OK(sample_on_cpu(cpu, as_f32));
        SampleBatch narrow = batch;
        qrt_tensor logits = tensor(const_cast<unsigned char*>(stored.bytes.data()), dtype, {batch.rows, cols});
        qrt_tensor temperature = tensor(narrow.temperature.data(), QRT_DTYPE_F32, {batch.rows});
        qrt_tensor top_k = tensor(narrow.top_k.data(), QRT_DTYPE_I32, {batch.rows});
        qrt_tensor top_p = tensor(narrow.top_p.data(), QRT_DTYPE_F32, {batch.rows});
        qrt_tensor seed = tensor(narrow.seed.data(), QRT_DTYPE_I64, {batch.rows});
        qrt_tensor counter = tensor(narrow.counter.data(), QRT_DTYPE_I64, {batch.rows});
        qrt_tensor ids = tensor(narrow.ids.data(), QRT_DTYPE_I32, {batch.rows});
        QRT_CHECK_OK(qrt_sample(cpu, &logits, &temperature, &top_k, &top_p, &seed, &counter, &ids));
        QRT_CHECK(narrow.ids == as_f32.ids);
    }

    const int64_t stride = cols + 9;
    std::vector<float> padded(static_cast<size_t>(batch.rows * stride), 1e30f);
    for (int64_t r = 0; r < batch.rows; ++r) std::copy(batch.row(r), batch.row(r) + cols, padded.begin() + r * stride);
    SampleBatch strided = batch;
    qrt_tensor logits = matrix(padded.data(), QRT_DTYPE_F32, batch.rows, cols, stride);
    qrt_tensor temperature = tensor(strided.temperature.data(), QRT_DTYPE_F32, {batch.rows});
    qrt_tensor top_k = tensor(strided.top_k.data(), QRT_DTYPE_I32, {batch.rows});
    qrt_tensor top_p = tensor(strided.top_p.data(), QRT_DTYPE_F32, {batch.rows});
    qrt_tensor seed = tensor(strided.seed.data(), QRT_DTYPE_I64, {batch.rows});
    qrt_tensor counter = tensor(strided.counter.data(), QRT_DTYPE_I64, {batch.rows});
    qrt_tensor ids = tensor(strided.ids.data(), QRT_DTYPE_I32, {batch.rows});
    QRT_CHECK_OK(qrt_sample(cpu, &logits, &temperature, &top_k, &top_p, &seed, &counter, &ids));
    QRT_CHECK(strided.ids == whole.ids);
}

// Bad arguments fail with a message naming the argument (and the row, for a parameter's value), before any counter
// moves.
void test_bad_arguments() {
    CpuStream cpu;
    SampleBatch batch(3, 10);
    auto expect_failure = [&](SampleBatch bad, const char* fragment) {
        const std::vector<int64_t> counters = bad.counter;
        QRT_CHECK_FAILS(sample_on_cpu(cpu, bad), QRT_STATUS_INVALID_ARGUMENT, fragment);
        QRT_CHECK(bad.counter == counters);
    };
    SampleBatch bad = batch;
    bad.temperature[2] = -1.0f;
    expect_failure(bad, "'temperature': row 2 holds -1");
    bad = batch;
    bad.temperature[1] = kNaN;
    expect_failure(bad, "'temperature': row 1");
    bad = batch;
    bad.temperature[0] = kInf;
    expect_failure(bad, "'temperature': row 0");
    bad = batch;
    bad.top_k[1] = -3;
    expect_failure(bad, "'top_k': row 1 holds -3");
    bad = batch;
    bad.top_p[2] = 0.0f;
    expect_failure(bad, "'top_p': row 2 holds 0");
    bad = batch;
    bad.top_p[0] = 1.5f;
    expect_failure(bad, "'top_p': row 0 holds 1.5");

    std::vector<float> logits(30, 0.0f);
    std::vector<float> temperature(3, 1.0f), top_p(3, 1.0f);
    std::vector<int32_t> top_k(3, 0), ids(3, 0);
    std::vector<int64_t> seed(3, 0), counter(3, 0), wide_ids(3, 0);
    qrt_tensor l = tensor(logits.data(), QRT_DTYPE_F32, {3, 10});
    qrt_tensor t = tensor(temperature.data(), QRT_DTYPE_F32, {3});
    qrt_tensor k = tensor(top_k.data(), QRT_DTYPE_I32, {3});
    qrt_tensor p = tensor(top_p.data(), QRT_DTYPE_F32, {3});
    qrt_tensor s = tensor(seed.data(), QRT_DTYPE_I64, {3});
    qrt_tensor c = tensor(counter.data(), QRT_DTYPE_I64, {3});
    qrt_tensor i = tensor(ids.data(), QRT_DTYPE_I32, {3});
    QRT_CHECK_OK(qrt_sample(cpu, &l, &t, &k, &p, &s, &c, &i));

    qrt_tensor rank1 = tensor(logits.data(), QRT_DTYPE_F32, {30});
    QRT_CHECK_FAILS(qrt_sample(cpu, &rank1, &t, &k, &p, &s, &c, &i), QRT_STATUS_INVALID_ARGUMENT, "'logits'");
    qrt_tensor empty_rows = tensor(logits.data(), QRT_DTYPE_F32, {3, 0});
    QRT_CHECK_FAILS(qrt_sample(cpu, &empty_rows, &t, &k, &p, &s, &c, &i), QRT_STATUS_INVALID_ARGUMENT, "'logits'");
    qrt_tensor no_rows = tensor(logits.data(), QRT_DTYPE_F32, {0, 10});
    QRT_CHECK_FAILS(qrt_sample(cpu, &no_rows, &t, &k, &p, &s, &c, &i), QRT_STATUS_INVALID_ARGUMENT, "'logits'");
    qrt_tensor int_logits = tensor(ids.data(), QRT_DTYPE_I32, {3, 1});
    QRT_CHECK_FAILS(qrt_sample(cpu, &int_logits, &t, &k, &p, &s, &c, &i), QRT_STATUS_INVALID_ARGUMENT, "'logits'");
    qrt_tensor short_t = tensor(temperature.data(), QRT_DTYPE_F32, {2});
    QRT_CHECK_FAILS(qrt_sample(cpu, &l, &short_t, &k, &p, &s, &c, &i), QRT_STATUS_INVALID_ARGUMENT, "'temperature'");
    qrt_tensor k_as_float = tensor(top_p.data(), QRT_DTYPE_F32, {3});
    QRT_CHECK_FAILS(qrt_sample(cpu, &l, &t, &k_as_float, &p, &s, &c, &i), QRT_STATUS_INVALID_ARGUMENT, "'top_k'");
    qrt_tensor p_as_int = tensor(top_k.data(), QRT_DTYPE_I32, {3});
    QRT_CHECK_FAILS(qrt_sample(cpu, &l, &t, &k, &p_as_int, &s, &c, &i), QRT_STATUS_INVALID_ARGUMENT, "'top_p'");
    qrt_tensor seed_i32 = tensor(ids.data(), QRT_DTYPE_I32, {3});
    QRT_CHECK_FAILS(qrt_sample(cpu, &l, &t, &k, &p, &seed_i32, &c, &i), QRT_STATUS_INVALID_ARGUMENT, "'seed'");
    qrt_tensor counter_2d = tensor(counter.data(), QRT_DTYPE_I64, {3, 1});
    QRT_CHECK_FAILS(qrt_sample(cpu, &l, &t, &k, &p, &s, &counter_2d, &i), QRT_STATUS_INVALID_ARGUMENT, "'counter'");
    qrt_tensor ids_i64 = tensor(wide_ids.data(), QRT_DTYPE_I64, {3});
    QRT_CHECK_FAILS(qrt_sample(cpu, &l, &t, &k, &p, &s, &c, &ids_i64), QRT_STATUS_INVALID_ARGUMENT, "'ids'");
    qrt_tensor strided_ids = tensor(ids.data(), QRT_DTYPE_I32, {2});
    strided_ids.shape[0] = 3;
    strided_ids.strides[0] = 2;
    std::vector<int32_t> long_ids(6, 0);
    strided_ids.data = long_ids.data();
    QRT_CHECK_FAILS(qrt_sample(cpu, &l, &t, &k, &p, &s, &c, &strided_ids), QRT_STATUS_INVALID_ARGUMENT, "'ids'");
    qrt_tensor ids_over_counter = tensor(counter.data(), QRT_DTYPE_I32, {3});
    QRT_CHECK_FAILS(qrt_sample(cpu, &l, &t, &k, &p, &s, &c, &ids_over_counter), QRT_STATUS_INVALID_ARGUMENT,
                    "overlaps");
    QRT_CHECK_FAILS(qrt_sample(nullptr, &l, &t, &k, &p, &s, &c, &i), QRT_STATUS_INVALID_ARGUMENT, "stream");
    QRT_CHECK_FAILS(qrt_sample(cpu, &l, &t, &k, &p, &s, &c, nullptr), QRT_STATUS_INVALID_ARGUMENT, "'ids'");
}

}  // namespace

int main() {
    test_philox_known_answers();
    test_draw_layout();
    test_degenerate_settings_draw_the_argmax();
    for (const Setting& setting : {Setting{1.0f, 0, 1.0f}, Setting{0.7f, 5, 1.0f}, Setting{1.3f, 0, 0.8f},
                                   Setting{1.0f, 10, 0.9f}, Setting{2.5f, 0, 1.0f}, Setting{1.5f, 25, 0.75f}}) {
        test_distribution(setting);
    }
    test_counters();
    test_rows_are_independent_of_layout();
    test_bad_arguments();
    return finish("test_sampling");
}
