// A small harness for the CTest programs: checks that count failures, seeded random data and host tensor
// descriptors. Tests call libqrt only through qrt.h, like any user, and compute their expectations with
// naive loops written here, independently of the library's kernels: reference format conversions are in
// test_formats.h, host float storage in test_tensors.h and error bounds and comparisons in test_bounds.h.
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

#define QRT_CHECK(condition)                                                             \
  do {                                                                                   \
    if (!(condition)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
      ++::qrt_test::failures();                                                          \
    }                                                                                    \
  } while (0)

// Checks a call succeeded; prints the library's message otherwise.
#define QRT_CHECK_OK(call)                                                                                     \
  do {                                                                                                         \
    qrt_status status_ = (call);                                                                               \
    if (status_ != QRT_STATUS_OK) {                                                                            \
      std::fprintf(stderr, "%s:%d: %s returned %s: %s\n", __FILE__, __LINE__, #call, qrt_status_name(status_), \
                   qrt_last_error());                                                                          \
      ++::qrt_test::failures();                                                                                \
    }                                                                                                          \
  } while (0)

// Checks a call failed with `expected` and that the message mentions `fragment` (e.g. the argument name).
#define QRT_CHECK_FAILS(call, expected, fragment)                                                            \
  do {                                                                                                       \
    qrt_status status_ = (call);                                                                             \
    if (status_ != (expected)) {                                                                             \
      std::fprintf(stderr, "%s:%d: %s returned %s, expected %s (%s)\n", __FILE__, __LINE__, #call,           \
                   qrt_status_name(status_), qrt_status_name(expected), qrt_last_error());                   \
      ++::qrt_test::failures();                                                                              \
    } else if (std::strstr(qrt_last_error(), (fragment)) == nullptr) {                                       \
      std::fprintf(stderr, "%s:%d: message of %s lacks \"%s\": %s\n", __FILE__, __LINE__, #call, (fragment), \
                   qrt_last_error());                                                                        \
      ++::qrt_test::failures();                                                                              \
    }                                                                                                        \
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

// A stream on one device for the lifetime of a test. No check can run without it, so failing to create
// it ends the program.
class ScopedStream {
public:
    ScopedStream(qrt_device device, const char* backend_name) {
        if (qrt_stream_create(device, &stream_) != QRT_STATUS_OK) {
            std::fprintf(stderr, "cannot create a %s stream: %s\n", backend_name, qrt_last_error());
            std::exit(1);
        }
    }
    ~ScopedStream() { qrt_stream_destroy(stream_); }
    ScopedStream(const ScopedStream&) = delete;
    ScopedStream& operator=(const ScopedStream&) = delete;
    operator qrt_stream*() const { return stream_; }

private:
    qrt_stream* stream_ = nullptr;
};

// A CPU stream for the lifetime of a test.
class CpuStream : public ScopedStream {
public:
    CpuStream() : ScopedStream(cpu_device(), "CPU") {}
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

// A [rows, cols] descriptor whose rows are row_stride elements apart: padded rows, or a column block of a
// wider matrix.
inline qrt_tensor matrix(void* data, qrt_dtype dtype, int64_t rows, int64_t cols, int64_t row_stride) {
    qrt_tensor t = tensor(data, dtype, {rows, cols});
    t.strides[0] = row_stride;
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

// What this program printed (stdout and stderr) when run again as `environment self argument`, and its exit status
// (non-zero also when it could not be started).
struct ChildRun {
    std::string output;
    int status = -1;
};

inline ChildRun run_child(const char* self, const char* argument, const char* environment = "") {
    const std::string command = std::string(environment) + " '" + self + "' " + argument + " 2>&1";
    ChildRun run;
    FILE* child = popen(command.c_str(), "r");
    if (child == nullptr) return run;
    char line[512];
    while (std::fgets(line, sizeof line, child) != nullptr) run.output += line;
    run.status = pclose(child);
    return run;
}

}  // namespace qrt_test
