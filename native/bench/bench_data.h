// qrt-bench's data: seeded random weights and activations in each kernel's format, and buffers on the device being
// measured (filled on the host, then copied there).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <vector>

#include "qrt.h"

namespace qrt_bench {

// SplitMix64: fast enough to fill gigabytes of weights in well under a second per layer.
class Random {
public:
    explicit Random(uint64_t seed) : state_(seed) {}
    uint64_t next() {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }

private:
    uint64_t state_;
};

// What a buffer holds, so that it is filled with values the kernel takes as valid: normal numbers of magnitude
// [2^(exponent − 127), 2^(exponent − 123)) for the float formats (no subnormals, infinities or NaNs, which would
// time the wrong thing), e4m3 codes other than NaN, or any bits.
enum class Fill { RandomBits, Bf16, F32, Fp8 };

struct FillSpec {
    Fill kind = Fill::RandomBits;
    uint32_t exponent = 0;
};

// Memory on the measured device, freed on destruction. Filled from a host staging copy.
class DeviceBuffer {
public:
    DeviceBuffer(qrt_device device, size_t bytes);
    ~DeviceBuffer();
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    void* data() const { return data_; }
    size_t size() const { return size_; }

    // Fills the buffer with seeded values of the given kind (through a host copy for a GPU); false on failure,
    // with qrt_last_error() set.
    bool fill(qrt_stream* stream, Random& random, FillSpec spec);

private:
    qrt_device device_;
    void* data_ = nullptr;
    size_t size_ = 0;
};

// A tensor descriptor over memory on `device` with contiguous row-major strides.
qrt_tensor tensor(qrt_device device, void* data, qrt_dtype dtype, std::initializer_list<int64_t> shape);

}  // namespace qrt_bench
