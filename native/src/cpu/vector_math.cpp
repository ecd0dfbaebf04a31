#include "cpu/vector_math.h"

#include "cpu/simd.h"

namespace qrt::cpu {
namespace {

// A tail shorter than a lane group goes into the first lanes, so every element takes the same path.
float sum_lanes(const float (&lanes)[kLanes]) {
    float total = 0.0f;
    for (float lane : lanes) total += lane;
    return total;
}

}  // namespace

QRT_MULTIVERSION
float sum(const float* values, int64_t count) {
    float lanes[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= count; i += kLanes) {
        for (int lane = 0; lane < kLanes; ++lane) lanes[lane] += values[i + lane];
    }
    for (int lane = 0; i + lane < count; ++lane) lanes[lane] += values[i + lane];
    return sum_lanes(lanes);
}

QRT_MULTIVERSION
float sum_of_squares(const float* values, int64_t count) {
    float lanes[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= count; i += kLanes) {
        for (int lane = 0; lane < kLanes; ++lane) lanes[lane] += values[i + lane] * values[i + lane];
    }
    for (int lane = 0; i + lane < count; ++lane) lanes[lane] += values[i + lane] * values[i + lane];
    return sum_lanes(lanes);
}

QRT_MULTIVERSION
float dot(const float* a, const float* b, int64_t count) {
    float lanes[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= count; i += kLanes) {
        for (int lane = 0; lane < kLanes; ++lane) lanes[lane] += a[i + lane] * b[i + lane];
    }
    for (int lane = 0; i + lane < count; ++lane) lanes[lane] += a[i + lane] * b[i + lane];
    return sum_lanes(lanes);
}

QRT_MULTIVERSION
void add_into(float* sums, const float* addends, int64_t count) {
    for (int64_t i = 0; i < count; ++i) sums[i] += addends[i];
}

QRT_MULTIVERSION
void add_scaled(float* accumulator, const float* values, float weight, int64_t count) {
    for (int64_t i = 0; i < count; ++i) accumulator[i] += weight * values[i];
}

QRT_MULTIVERSION
void multiply_into(float* products, const float* factors, int64_t count) {
    for (int64_t i = 0; i < count; ++i) products[i] *= factors[i];
}

}  // namespace qrt::cpu
