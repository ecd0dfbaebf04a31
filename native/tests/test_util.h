// A small harness for the CTest programs: checks that count failures, seeded random data, host tensor
// descriptors and tolerance comparisons. Tests call libqrt only through qrt.h, like any user, and
// compute their expectations with naive loops written here, independently of the library's kernels.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "qrt.h"

namespace qrt_test {

inline int& failures() {
    static int count = 0;
    return count;
}

#define QRT_CHECK(condition)                                                                       \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition);     \
            ++::qrt_test::failures();                                                              \
        }                                                                                          \
    } while (0)

// Checks a call succeeded; prints the library's message otherwise.
#define QRT_CHECK_OK(call)                                                                         \
    do {                                                                                           \
        qrt_status status_ = (call);                                                               \
        if (status_ != QRT_STATUS_OK) {                                                            \
            std::fprintf(stderr, "%s:%d: %s returned %s: %s\n", __FILE__, __LINE__, #call,          \
                         qrt_status_name(status_), qrt_last_error());                              \
            ++::qrt_test::failures();                                                              \
        }                                                                                          \
    } while (0)

// Checks a call failed with `expected` and that the message mentions `fragment` (e.g. the argument name).
#define QRT_CHECK_FAILS(call, expected, fragment)                                                  \
    do {                                                                                           \
        qrt_status status_ = (call);                                                               \
        if (status_ != (expected)) {                                                               \
            std::fprintf(stderr, "%s:%d: %s returned %s, expected %s (%s)\n", __FILE__, __LINE__,   \
                         #call, qrt_status_name(status_), qrt_status_name(expected), qrt_last_error()); \
            ++::qrt_test::failures();                                                              \
        } else if (std::strstr(qrt_last_error(), (fragment)) == nullptr) {                         \
            std::fprintf(stderr, "%s:%d: message of %s lacks \"%s\": %s\n", __FILE__, __LINE__,     \
                         #call, (fragment), qrt_last_error());                                     \
            ++::qrt_test::failures();                                                              \
        }                                                                                          \
    } while (0)

// Ends main(): prints a summary and returns the CTest exit code.
inline int finish(const char* test_name) {
    if (failures() == 0) {
        std::printf("%s: all checks passed\n", test_name);
        return 0;
    }
    std::printf("%s: %d check(s) failed\n", test_name, failures());
    return 1;
}

// Ends main() for a test that cannot run on this machine: CTest reports it as skipped.
inline int skip(const char* test_name, const std::string& reason) {
    std::printf("%s: SKIPPED: %s\n", test_name, reason.c_str());
    return 77;
}

inline qrt_device cpu_device() { return qrt_device{QRT_BACKEND_CPU, 0}; }

// A CPU stream for the lifetime of a test.
class CpuStream {
public:
    CpuStream() {
        if (qrt_stream_create(cpu_device(), &stream_) != QRT_STATUS_OK) {
            std::fprintf(stderr, "cannot create a CPU stream: %s\n", qrt_last_error());
            std::exit(1);
        }
    }
    ~CpuStream() { qrt_stream_destroy(stream_); }
    CpuStream(const CpuStream&) = delete;
    CpuStream& operator=(const CpuStream&) = delete;
    operator qrt_stream*() const { return stream_; }

private:
    qrt_stream* stream_ = nullptr;
};

// A row-major contiguous descriptor over host memory.
inline qrt_tensor tensor(void* data, qrt_dtype dtype, std::initializer_list<int64_t> shape,
                         qrt_device device = cpu_device()) {
    qrt_tensor t{};
    t.data = data;
    t.dtype = dtype;
    t.rank = static_cast<int32_t>(shape.size());
    int i = 0;
    for (int64_t extent : shape) t.shape[i++] = extent;
    int64_t stride = 1;
    for (int d = t.rank - 1; d >= 0; --d) {
        t.strides[d] = stride;
        stride *= t.shape[d] > 1 ? t.shape[d] : 1;  // keep strides positive next to empty dimensions
    }
    t.device = device;
    return t;
}

// Deterministic random numbers for one test.
class Random {
public:
    explicit Random(uint32_t seed) : engine_(seed) {}

    std::vector<float> uniform(size_t count, float low = -1.0f, float high = 1.0f) {
        std::uniform_real_distribution<float> dist(low, high);
        std::vector<float> values(count);
        for (float& v : values) v = dist(engine_);
        return values;
    }

    std::vector<float> normal(size_t count, float stddev = 1.0f) {
        std::normal_distribution<float> dist(0.0f, stddev);
        std::vector<float> values(count);
        for (float& v : values) v = dist(engine_);
        return values;
    }

    int32_t integer(int32_t low, int32_t high) {  // inclusive
        return std::uniform_int_distribution<int32_t>(low, high)(engine_);
    }

    std::mt19937& engine() { return engine_; }

private:
    std::mt19937 engine_;
};

// Reference conversions written from the format definitions, for building inputs and expectations.
// (BF16: the top 16 bits of an FP32, rounded to nearest even.)
inline uint16_t to_bf16(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, 4);
    if (std::isnan(value)) return static_cast<uint16_t>((bits >> 16) | 0x40);
    const uint32_t lower = bits & 0xffffu;
    uint32_t upper = bits >> 16;
    if (lower > 0x8000u || (lower == 0x8000u && (upper & 1u))) ++upper;
    return static_cast<uint16_t>(upper);
}

inline float from_bf16(uint16_t value) {
    const uint32_t bits = static_cast<uint32_t>(value) << 16;
    float result;
    std::memcpy(&result, &bits, 4);
    return result;
}

// Rounds every value through BF16, so a test's FP32 expectation sees the same inputs as the kernel.
inline std::vector<uint16_t> to_bf16(const std::vector<float>& values) {
    std::vector<uint16_t> out(values.size());
    for (size_t i = 0; i < values.size(); ++i) out[i] = to_bf16(values[i]);
    return out;
}

inline std::vector<float> from_bf16(const std::vector<uint16_t>& values) {
    std::vector<float> out(values.size());
    for (size_t i = 0; i < values.size(); ++i) out[i] = from_bf16(values[i]);
    return out;
}

// Compares actual with expected elementwise: |a - e| <= atol + rtol * |e|. Reports the worst element.
inline bool all_close(const std::vector<float>& actual, const std::vector<double>& expected, double atol,
                      double rtol, const char* what) {
    if (actual.size() != expected.size()) {
        std::fprintf(stderr, "%s: size %zu, expected %zu\n", what, actual.size(), expected.size());
        ++failures();
        return false;
    }
    size_t worst = 0;
    double worst_excess = -1.0;
    size_t bad = 0;
    for (size_t i = 0; i < actual.size(); ++i) {
        const double error = std::fabs(static_cast<double>(actual[i]) - expected[i]);
        const double allowed = atol + rtol * std::fabs(expected[i]);
        const double excess = std::isnan(actual[i]) != std::isnan(expected[i]) ? 1e30 : error - allowed;
        if (excess > 0) ++bad;
        if (excess > worst_excess) {
            worst_excess = excess;
            worst = i;
        }
    }
    if (bad > 0) {
        std::fprintf(stderr, "%s: %zu of %zu elements out of tolerance (atol %g, rtol %g); worst at %zu: %.9g vs %.9g\n",
                     what, bad, actual.size(), atol, rtol, worst, actual[worst], expected[worst]);
        ++failures();
        return false;
    }
    return true;
}

}  // namespace qrt_test
