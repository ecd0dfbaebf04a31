// qrt-bench's buffers and random data (see bench_data.h).
#include "bench_data.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace qrt_bench {
namespace {

constexpr qrt_device kHost{QRT_BACKEND_CPU, 0};

void fill_random_bytes(Random& random, unsigned char* out, size_t bytes) {
    size_t i = 0;
    for (; i + 8 <= bytes; i += 8) {
        const uint64_t bits = random.next();
        std::memcpy(out + i, &bits, 8);
    }
    const uint64_t bits = random.next();
    std::memcpy(out + i, &bits, bytes - i);
}

void shape_values(unsigned char* data, size_t bytes, FillSpec spec) {
    switch (spec.kind) {
        case Fill::RandomBits: return;
        case Fill::Bf16: {
            auto* out = reinterpret_cast<uint16_t*>(data);
            for (size_t i = 0; i < bytes / 2; ++i) {
                const uint32_t bits = out[i];
                out[i] = static_cast<uint16_t>((bits & 0x807fu) | ((spec.exponent + ((bits >> 7) & 3u)) << 7));
            }
            return;
        }
        case Fill::F32: {
            auto* out = reinterpret_cast<uint32_t*>(data);
            for (size_t i = 0; i < bytes / 4; ++i) {
                const uint32_t bits = out[i];
                out[i] = (bits & 0x807fffffu) | ((spec.exponent + ((bits >> 23) & 3u)) << 23);
            }
            return;
        }
        case Fill::Fp8:
            for (size_t i = 0; i < bytes; ++i) {
                if ((data[i] & 0x7f) == 0x7f) data[i] ^= 1;
            }
            return;
    }
}

}  // namespace

DeviceBuffer::DeviceBuffer(qrt_device device, size_t bytes) : device_(device), size_(bytes) {
    if (qrt_malloc(device, bytes, &data_) != QRT_STATUS_OK) {
        std::fprintf(stderr, "qrt-bench: cannot allocate %zu bytes: %s\n", bytes, qrt_last_error());
        std::exit(1);
    }
}

DeviceBuffer::~DeviceBuffer() { qrt_free(device_, data_); }

bool DeviceBuffer::fill(qrt_stream* stream, Random& random, FillSpec spec) {
    if (device_.backend == QRT_BACKEND_CPU) {
        fill_random_bytes(random, static_cast<unsigned char*>(data_), size_);
        shape_values(static_cast<unsigned char*>(data_), size_, spec);
        return true;
    }
    DeviceBuffer staging(kHost, size_);
    if (!staging.fill(stream, random, spec)) return false;
    return qrt_memcpy(stream, data_, device_, staging.data(), kHost, size_) == QRT_STATUS_OK &&
           qrt_stream_synchronize(stream) == QRT_STATUS_OK;
}

qrt_tensor tensor(qrt_device device, void* data, qrt_dtype dtype, std::initializer_list<int64_t> shape) {
    qrt_tensor t{};
    t.data = data;
    t.dtype = dtype;
    t.rank = static_cast<int32_t>(shape.size());
    int i = 0;
    for (int64_t extent : shape) t.shape[i++] = extent;
    int64_t stride = 1;
    for (int d = t.rank - 1; d >= 0; --d) {
        t.strides[d] = stride;
        stride *= t.shape[d];
    }
    t.device = device;
    return t;
}

}  // namespace qrt_bench
