// The CUDA backend's devices, memory and streams. Exits 77 (skipped) without a GPU.
#include <cstring>

#include "cuda_test_util.h"

using namespace qrt_test;

static void test_device_info() {
    int32_t count = 0;
    QRT_CHECK_OK(qrt_device_count(QRT_BACKEND_CUDA, &count));
    QRT_CHECK(count >= 1);
    qrt_device_info info;
    QRT_CHECK_OK(qrt_device_get_info(cuda_device(), &info));
    QRT_CHECK(info.device.backend == QRT_BACKEND_CUDA && info.device.ordinal == 0);
    QRT_CHECK(std::strlen(info.name) > 0);
    QRT_CHECK(info.compute_capability_major >= 7);
    QRT_CHECK(info.multiprocessor_count > 0);
    QRT_CHECK(info.free_memory_bytes > 0 && info.free_memory_bytes <= info.total_memory_bytes);
    std::printf("cuda:0 is %s, sm_%d%d, %d SMs, %.1f GiB\n", info.name, info.compute_capability_major,
                info.compute_capability_minor, info.multiprocessor_count,
                static_cast<double>(info.total_memory_bytes) / (1 << 30));
    QRT_CHECK_FAILS(qrt_device_get_info(cuda_device(count), &info), QRT_STATUS_BACKEND_UNAVAILABLE, "does not exist");
}

static void test_memory_round_trip() {
    CudaStream stream;
    std::vector<uint8_t> host(1 << 20);
    for (size_t i = 0; i < host.size(); ++i) host[i] = static_cast<uint8_t>(i * 31 + 7);
    DeviceBuffer<uint8_t> a(stream, host);
    void* b = nullptr;
    QRT_CHECK_OK(qrt_malloc(cuda_device(), host.size(), &b));
    QRT_CHECK(reinterpret_cast<uintptr_t>(b) % 256 == 0);
    QRT_CHECK_OK(qrt_memcpy(stream, b, cuda_device(), a.data(), cuda_device(), host.size()));
    QRT_CHECK_OK(qrt_memset(stream, a.data(), 0xab, 4096));
    std::vector<uint8_t> copied(host.size());
    QRT_CHECK_OK(qrt_memcpy(stream, copied.data(), cpu_device(), b, cuda_device(), host.size()));
    QRT_CHECK_OK(qrt_stream_synchronize(stream));
    QRT_CHECK(copied == host);
    const std::vector<uint8_t> filled = a.download();
    QRT_CHECK(filled[0] == 0xab && filled[4095] == 0xab && filled[4096] == host[4096]);
    QRT_CHECK_OK(qrt_free(cuda_device(), b));

    void* zero = nullptr;
    QRT_CHECK_OK(qrt_malloc(cuda_device(), 0, &zero));
    QRT_CHECK(zero != nullptr);
    QRT_CHECK_OK(qrt_free(cuda_device(), zero));

    // Far more than any GPU has: a clear out-of-memory error, and the device stays usable.
    void* huge = nullptr;
    QRT_CHECK_FAILS(qrt_malloc(cuda_device(), size_t(1) << 50, &huge), QRT_STATUS_OUT_OF_MEMORY, "bytes free");
    QRT_CHECK(huge == nullptr);
    QRT_CHECK(a.download().size() == host.size());
}

static void test_cross_device_rules() {
    CudaStream stream;
    std::vector<float> host(16, 1.0f);
    // A CPU tensor handed to an op on a CUDA stream is refused by name.
    qrt_tensor x = tensor(host.data(), QRT_DTYPE_F32, {4, 4});
    qrt_tensor w = tensor(host.data(), QRT_DTYPE_F32, {4});
    QRT_CHECK_FAILS(qrt_rms_norm(stream, &x, &w, 1e-5f, &x), QRT_STATUS_INVALID_ARGUMENT, "'x'");
}

int main() {
    const std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) return skip_without_cuda("test_cuda_runtime", reason);
    test_device_info();
    test_memory_round_trip();
    test_cross_device_rules();
    return finish("test_cuda_runtime");
}
