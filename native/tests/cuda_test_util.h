// Helpers for the CUDA tests: skip when no GPU is present, and device buffers filled from host vectors.
#pragma once

#include <string>
#include <vector>

#include "test_util.h"

namespace qrt_test {

inline qrt_device cuda_device(int ordinal = 0) { return qrt_device{QRT_BACKEND_CUDA, ordinal}; }

// The reason CUDA tests cannot run here, or "" when a CUDA device is present.
inline std::string cuda_unavailable_reason() {
    qrt_backend_info info;
    if (qrt_backend_get_info(QRT_BACKEND_CUDA, &info) != QRT_STATUS_OK) return qrt_last_error();
    if (!info.compiled) return std::string("libqrt was built without CUDA: ") + info.detail;
    if (info.device_count == 0) return std::string("no CUDA device: ") + info.detail;
    return "";
}

// Ends a CUDA test that cannot run here: skipped (77), or failed where QRT_REQUIRE_CUDA_DEVICE=1, as in CI's
// emulation build, where a missing device means a broken build rather than a machine without a GPU.
inline int skip_without_cuda(const char* test_name, const std::string& reason) {
    const char* required = std::getenv("QRT_REQUIRE_CUDA_DEVICE");
    if (required != nullptr && std::string(required) == "1") {
        std::fprintf(stderr, "%s: QRT_REQUIRE_CUDA_DEVICE=1 but %s\n", test_name, reason.c_str());
        return 1;
    }
    return skip(test_name, reason);
}

// A stream on cuda:0 for the lifetime of a test.
class CudaStream : public ScopedStream {
public:
    CudaStream() : ScopedStream(cuda_device(), "CUDA") {}
};

// Device memory holding a copy of a host vector; copies back on request.
template <class T>
class DeviceBuffer {
public:
    DeviceBuffer(qrt_stream* stream, const std::vector<T>& host) : stream_(stream), count_(host.size()) {
        QRT_CHECK_OK(qrt_malloc(cuda_device(), bytes(), &data_));
        QRT_CHECK_OK(qrt_memcpy(stream_, data_, cuda_device(), host.data(), cpu_device(), bytes()));
    }
    ~DeviceBuffer() { qrt_free(cuda_device(), data_); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    void* data() const { return data_; }
    size_t bytes() const { return count_ * sizeof(T); }

    std::vector<T> download() const {
        std::vector<T> host(count_);
        QRT_CHECK_OK(qrt_memcpy(stream_, host.data(), cpu_device(), data_, cuda_device(), bytes()));
        QRT_CHECK_OK(qrt_stream_synchronize(stream_));
        return host;
    }

private:
    qrt_stream* stream_;
    size_t count_;
    void* data_ = nullptr;
};

// Bit patterns of `values` in dtype, made by the CPU backend's qrt_copy: both backends then read the same bits.
inline std::vector<uint8_t> encode(qrt_stream* cpu, const std::vector<float>& values, qrt_dtype dtype) {
    std::vector<uint8_t> bytes(values.size() * qrt_dtype_size(dtype));
    qrt_tensor src = tensor(const_cast<float*>(values.data()), QRT_DTYPE_F32, {static_cast<int64_t>(values.size())});
    qrt_tensor dst = tensor(bytes.data(), dtype, {static_cast<int64_t>(values.size())});
    QRT_CHECK_OK(qrt_copy(cpu, &src, &dst));
    return bytes;
}

inline std::vector<float> decode(qrt_stream* cpu, const std::vector<uint8_t>& bytes, qrt_dtype dtype) {
    const int64_t count = static_cast<int64_t>(bytes.size() / qrt_dtype_size(dtype));
    std::vector<float> values(static_cast<size_t>(count));
    qrt_tensor src = tensor(const_cast<uint8_t*>(bytes.data()), dtype, {count});
    qrt_tensor dst = tensor(values.data(), QRT_DTYPE_F32, {count});
    QRT_CHECK_OK(qrt_copy(cpu, &src, &dst));
    return values;
}

}  // namespace qrt_test
