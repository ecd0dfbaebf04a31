#include "cpu/sampling.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/sampling_math.h"
#include "cpu/row_convert.h"
#include "cpu/thread_pool.h"

namespace qrt::cpu {
namespace {

// A chunk of rows should cover at least this many logits; smaller chunks cost more to hand to a thread than they
// save.
constexpr int64_t kElementsPerChunk = 1 << 14;

// TokenSampler.Argmax: the first index of the largest logit; NaN never wins unless every logit is NaN (then 0).
int64_t first_largest(const float* values, int64_t count) {
    int64_t best = 0;
    for (int64_t i = 1; i < count; ++i) {
        if (values[i] > values[best] || (std::isnan(values[best]) && !std::isnan(values[i]))) best = i;
    }
    return best;
}

// The draw of one row. This is the plain version of the CUDA kernel's radix selections: the top-k threshold by
// nth_element, the top-p threshold by sorting the kept logits; the weights, masses and the draw are the shared
// integer arithmetic, so the token is the kernel's.
int32_t sample_row(const float* x, int64_t cols, int shift, const sampling::RowParameters& parameters,
                   float temperature, uint64_t bits, std::vector<float>& scratch, std::vector<int64_t>& order) {
    const int64_t best = first_largest(x, cols);
    const float largest = x[best];
    // Greedy, and the rows a softmax cannot weigh: every logit NaN, the largest +inf or −inf.
    if (parameters.greedy || !std::isfinite(largest)) return static_cast<int32_t>(best);

    // Top-k: keep the logits ≥ the k-th largest number (ties kept); all of them when k is off or ≥ their count.
    scratch.clear();
    for (int64_t i = 0; i < cols; ++i) {
        if (!std::isnan(x[i])) scratch.push_back(x[i]);
    }
    float threshold = -INFINITY;
    const int64_t numbers = static_cast<int64_t>(scratch.size());
    if (parameters.top_k > 0 && parameters.top_k < numbers) {
        std::nth_element(scratch.begin(), scratch.begin() + (parameters.top_k - 1), scratch.end(),
                         [](float a, float b) { return a > b; });
        threshold = scratch[static_cast<size_t>(parameters.top_k - 1)];
    }

    const float two_to_shift = sampling::power_of_two(shift);
    auto weight = [&](float value) { return sampling::fixed_weight(value, largest, temperature, two_to_shift); };
    uint64_t total = 0;
    order.clear();
    for (int64_t i = 0; i < cols; ++i) {
        if (x[i] >= threshold) {  // false for NaN
            total += weight(x[i]);
            order.push_back(i);
        }
    }

    // Top-p: the fewest largest logits whose mass reaches ceil(top_p · total), with every tie of the last one kept.
    if (parameters.top_p < 1.0f) {
        const uint64_t needed = sampling::top_p_mass(parameters.top_p, total);
        std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return x[a] > x[b]; });
        uint64_t mass = 0;
        for (int64_t i : order) {
            mass += weight(x[i]);
            if (mass >= needed) {
                threshold = x[i];
                break;
            }
        }
    }

    uint64_t kept = 0;
    for (int64_t i = 0; i < cols; ++i) {
        if (x[i] >= threshold) kept += weight(x[i]);
    }
    // target is uniform in [0, kept): the token whose stretch of the cumulative mass, in id order, holds it.
    const uint64_t target = sampling::mul_hi_64(bits, kept);
    uint64_t cumulative = 0;
    for (int64_t i = 0; i < cols; ++i) {
        if (!(x[i] >= threshold)) continue;
        cumulative += weight(x[i]);
        if (target < cumulative) return static_cast<int32_t>(i);
    }
    return static_cast<int32_t>(best);  // not reached: target < kept, the last value of cumulative
}

}  // namespace

void sample(const RowsView& logits, const float* temperature, const int32_t* top_k, const float* top_p,
            const uint64_t* seed, int64_t* counter, int32_t* ids) {
    const int shift = sampling::weight_shift(logits.cols);
    const int64_t grain = std::max<int64_t>(1, kElementsPerChunk / std::max<int64_t>(logits.cols, 1));
    parallel_for(logits.rows, grain, [&](int64_t begin, int64_t end) {
        std::vector<float> values(static_cast<size_t>(logits.cols));
        std::vector<float> scratch;
        std::vector<int64_t> order;
        for (int64_t r = begin; r < end; ++r) {
            load_row_f32(logits.row(r), logits.dtype, logits.cols, values.data());
            const auto parameters = sampling::row_parameters(temperature[r], top_k[r], top_p[r]);
            const uint64_t bits = sampling::draw_bits(seed[r], static_cast<uint64_t>(counter[r]));
            ids[r] = sample_row(values.data(), logits.cols, shift, parameters, temperature[r], bits, scratch, order);
            counter[r] = static_cast<int64_t>(static_cast<uint64_t>(counter[r]) + 1);
        }
    });
}

}  // namespace qrt::cpu
