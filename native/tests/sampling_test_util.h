// What the tests of qrt_sample share: a batch of rows with their parameters in host vectors, the sampling
// distribution written naively in double from its definition in qrt.h, and a chi-square goodness-of-fit check.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "test_util.h"

namespace qrt_test {

// B rows of V logits (F32, row-major, contiguous) and each row's parameters, as qrt_sample takes them.
struct SampleBatch {
    int64_t rows = 0;
    int64_t cols = 0;
    std::vector<float> logits;
    std::vector<float> temperature;
    std::vector<int32_t> top_k;
    std::vector<float> top_p;
    std::vector<int64_t> seed;
    std::vector<int64_t> counter;
    std::vector<int32_t> ids;

    SampleBatch(int64_t b, int64_t v)
        : rows(b), cols(v), logits(static_cast<size_t>(b * v)), temperature(static_cast<size_t>(b), 1.0f),
          top_k(static_cast<size_t>(b), 0), top_p(static_cast<size_t>(b), 1.0f), seed(static_cast<size_t>(b), 0),
          counter(static_cast<size_t>(b), 0), ids(static_cast<size_t>(b), -1) {}

    float* row(int64_t r) { return logits.data() + r * cols; }
    std::vector<float> row_values(int64_t r) const {
        return std::vector<float>(logits.begin() + r * cols, logits.begin() + (r + 1) * cols);
    }
    // Sets every row's parameters.
    void set_all(float t, int32_t k, float p) {
        std::fill(temperature.begin(), temperature.end(), t);
        std::fill(top_k.begin(), top_k.end(), k);
        std::fill(top_p.begin(), top_p.end(), p);
    }
};

// qrt_sample on the CPU over the batch (logits F32); updates counter and ids.
inline qrt_status sample_on_cpu(qrt_stream* cpu, SampleBatch& batch) {
    qrt_tensor logits = tensor(batch.logits.data(), QRT_DTYPE_F32, {batch.rows, batch.cols});
    qrt_tensor temperature = tensor(batch.temperature.data(), QRT_DTYPE_F32, {batch.rows});
    qrt_tensor top_k = tensor(batch.top_k.data(), QRT_DTYPE_I32, {batch.rows});
    qrt_tensor top_p = tensor(batch.top_p.data(), QRT_DTYPE_F32, {batch.rows});
    qrt_tensor seed = tensor(batch.seed.data(), QRT_DTYPE_I64, {batch.rows});
    qrt_tensor counter = tensor(batch.counter.data(), QRT_DTYPE_I64, {batch.rows});
    qrt_tensor ids = tensor(batch.ids.data(), QRT_DTYPE_I32, {batch.rows});
    return qrt_sample(cpu, &logits, &temperature, &top_k, &top_p, &seed, &counter, &ids);
}

// TokenSampler.Argmax: the first index of the largest logit; NaN never wins unless every logit is NaN (then 0).
inline int32_t reference_argmax(const std::vector<float>& row) {
    size_t best = 0;
    for (size_t i = 1; i < row.size(); ++i) {
        if (row[i] > row[best] || (std::isnan(row[best]) && !std::isnan(row[i]))) best = i;
    }
    return static_cast<int32_t>(best);
}

// The probability of each token under (temperature > 0, top_k, top_p), in double, as TokenSampler computes it:
// top-k keeps the logits ≥ the k-th largest number; softmax of logit / temperature over those; top-p keeps the
// fewest most probable whose probabilities sum to ≥ top_p, with ties of the last kept one kept (qrt.h's rule);
// renormalised. NaN logits get 0.
inline std::vector<double> reference_probabilities(const std::vector<float>& row, double temperature, int top_k,
                                                   double top_p) {
    std::vector<size_t> kept;
    for (size_t i = 0; i < row.size(); ++i) {
        if (!std::isnan(row[i])) kept.push_back(i);
    }
    std::sort(kept.begin(), kept.end(), [&](size_t a, size_t b) { return row[a] > row[b]; });
    if (top_k > 0 && static_cast<size_t>(top_k) < kept.size()) {
        const float kth = row[kept[static_cast<size_t>(top_k) - 1]];
        while (row[kept.back()] < kth) kept.pop_back();
    }
    const double largest = row[kept.front()] / temperature;
    std::vector<double> p(row.size(), 0.0);
    double total = 0.0;
    for (size_t i : kept) total += p[i] = std::exp(row[i] / temperature - largest);
    for (size_t i : kept) p[i] /= total;
    if (top_p < 1.0) {
        double cumulative = 0.0;
        size_t count = 0;
        while (count < kept.size()) {
            cumulative += p[kept[count++]];
            if (cumulative >= top_p) break;
        }
        while (count < kept.size() && row[kept[count]] == row[kept[count - 1]]) ++count;
        for (size_t j = count; j < kept.size(); ++j) p[kept[j]] = 0.0;
        double kept_total = 0.0;
        for (size_t j = 0; j < count; ++j) kept_total += p[kept[j]];
        for (size_t j = 0; j < count; ++j) p[kept[j]] /= kept_total;
    }
    return p;
}

// The upper α quantile of the chi-square distribution with df degrees of freedom, by the Wilson–Hilferty cube
// approximation: (χ²/df)^(1/3) is nearly normal with mean 1 − 2/(9 df) and variance 2/(9 df). z is the standard
// normal's upper α quantile. Its relative error is below 1% for df ≥ 3 at the tails used here, far less than the
// margin between a correct sampler (χ² ≈ df) and a broken one (χ² in the thousands).
inline double chi_square_critical(int df, double z) {
    const double v = 2.0 / (9.0 * df);
    const double root = 1.0 - v + z * std::sqrt(v);
    return df * root * root * root;
}

// z for α = 1e-6: the tests are deterministic (fixed seeds), so α is the chance that a correct sampler would have
// been rejected for the seed chosen, once, when the test was written; small, so that a correct change of the
// generator's layout cannot fail it by bad luck.
constexpr double kNormalQuantileOneInAMillion = 4.753424;

struct ChiSquare {
    double statistic = 0.0;
    int degrees_of_freedom = 0;
};

// Pearson's statistic of counts against expected probabilities over `draws` draws. Tokens expected fewer than 5 times
// are pooled into one bin (with the smallest others if the pool is still below 5), the usual condition for the chi-
// square approximation. Tokens of probability 0 are left out: callers check separately that they were never drawn.
inline ChiSquare goodness_of_fit(const std::vector<int64_t>& counts, const std::vector<double>& probabilities,
                                 int64_t draws) {
    std::vector<std::pair<double, double>> bins;  // (expected, observed)
    double pooled_expected = 0.0, pooled_observed = 0.0;
    for (size_t i = 0; i < counts.size(); ++i) {
        const double expected = probabilities[i] * static_cast<double>(draws);
        if (probabilities[i] == 0.0) continue;
        if (expected < 5.0) {
            pooled_expected += expected;
            pooled_observed += static_cast<double>(counts[i]);
        } else {
            bins.emplace_back(expected, static_cast<double>(counts[i]));
        }
    }
    std::sort(bins.begin(), bins.end());
    while (pooled_expected > 0.0 && pooled_expected < 5.0 && !bins.empty()) {
        pooled_expected += bins.front().first;
        pooled_observed += bins.front().second;
        bins.erase(bins.begin());
    }
    if (pooled_expected > 0.0) bins.emplace_back(pooled_expected, pooled_observed);
    ChiSquare result;
    for (const auto& [expected, observed] : bins) result.statistic += (observed - expected) * (observed - expected) / expected;
    result.degrees_of_freedom = static_cast<int>(bins.size()) - 1;
    return result;
}

}  // namespace qrt_test
