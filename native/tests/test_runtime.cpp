// Versions, errors, devices, streams and memory through the C ABI.
#include <cstring>
#include <thread>

#include "test_util.h"

using namespace qrt_test;

static void test_version_and_errors() {
    QRT_CHECK(qrt_abi_version() == QRT_ABI_VERSION);
    QRT_CHECK(std::strncmp(qrt_version_string(), "0.", 2) == 0);
    QRT_CHECK(std::strcmp(qrt_status_name(QRT_STATUS_INVALID_ARGUMENT), "QRT_STATUS_INVALID_ARGUMENT") == 0);
    QRT_CHECK(std::strcmp(qrt_status_name(static_cast<qrt_status>(99)), "QRT_STATUS_UNKNOWN") == 0);
    QRT_CHECK(qrt_dtype_size(QRT_DTYPE_BF16) == 2);
    QRT_CHECK(qrt_dtype_size(QRT_DTYPE_I64) == 8);
    QRT_CHECK(qrt_dtype_size(static_cast<qrt_dtype>(42)) == 0);
    QRT_CHECK(std::strcmp(qrt_dtype_name(QRT_DTYPE_F8_E4M3), "F8_E4M3") == 0);

    // The last error is per thread: a failure on another thread does not show here.
    QRT_CHECK_FAILS(qrt_device_count(QRT_BACKEND_CPU, nullptr), QRT_STATUS_INVALID_ARGUMENT, "count");
    std::string other;
    std::thread([&] {
        qrt_stream_synchronize(nullptr);
        other = qrt_last_error();
    }).join();
    QRT_CHECK(other.find("qrt_stream_synchronize") != std::string::npos);
    QRT_CHECK(std::strstr(qrt_last_error(), "qrt_device_count") != nullptr);
}

static void test_devices() {
    int32_t count = -1;
    QRT_CHECK_OK(qrt_device_count(QRT_BACKEND_CPU, &count));
    QRT_CHECK(count == 1);

    qrt_device_info info;
    QRT_CHECK_OK(qrt_device_get_info(cpu_device(), &info));
    QRT_CHECK(info.device.backend == QRT_BACKEND_CPU);
    QRT_CHECK(std::strlen(info.name) > 0);
    QRT_CHECK(info.multiprocessor_count >= 1);
    QRT_CHECK(info.total_memory_bytes > 0 && info.free_memory_bytes <= info.total_memory_bytes);

    QRT_CHECK_FAILS(qrt_device_get_info(qrt_device{QRT_BACKEND_CPU, 1}, &info), QRT_STATUS_BACKEND_UNAVAILABLE,
                    "cpu:1");
    QRT_CHECK_FAILS(qrt_device_get_info(qrt_device{7, 0}, &info), QRT_STATUS_INVALID_ARGUMENT, "backend");

    qrt_backend_info backend;
    QRT_CHECK_OK(qrt_backend_get_info(QRT_BACKEND_CPU, &backend));
    QRT_CHECK(backend.compiled == 1 && backend.device_count == 1);
    QRT_CHECK_OK(qrt_backend_get_info(QRT_BACKEND_CUDA, &backend));
    int32_t cuda_count = -1;
    QRT_CHECK_OK(qrt_device_count(QRT_BACKEND_CUDA, &cuda_count));
    QRT_CHECK(cuda_count == backend.device_count);
    QRT_CHECK(std::strlen(backend.detail) > 0);
    if (cuda_count == 0) {
        // Without a GPU, asking for one is a clear error, not a crash.
        qrt_stream* stream = nullptr;
        QRT_CHECK_FAILS(qrt_stream_create(qrt_device{QRT_BACKEND_CUDA, 0}, &stream), QRT_STATUS_BACKEND_UNAVAILABLE,
                        "cuda:0");
        QRT_CHECK(stream == nullptr);
    }
}

static void test_threads() {
    int32_t original = 0;
    QRT_CHECK_OK(qrt_cpu_get_thread_count(&original));
    QRT_CHECK(original >= 1);
    QRT_CHECK_OK(qrt_cpu_set_thread_count(3));
    int32_t now = 0;
    QRT_CHECK_OK(qrt_cpu_get_thread_count(&now));
    QRT_CHECK(now == 3);
    QRT_CHECK_FAILS(qrt_cpu_set_thread_count(-1), QRT_STATUS_INVALID_ARGUMENT, "count");
    QRT_CHECK_OK(qrt_cpu_set_thread_count(0));
}

static void test_memory_and_streams() {
    CpuStream stream;
    qrt_device device{};
    QRT_CHECK_OK(qrt_stream_get_device(stream, &device));
    QRT_CHECK(device.backend == QRT_BACKEND_CPU && device.ordinal == 0);

    void* a = nullptr;
    void* b = nullptr;
    QRT_CHECK_OK(qrt_malloc(cpu_device(), 1000, &a));
    QRT_CHECK_OK(qrt_malloc(cpu_device(), 1000, &b));
    QRT_CHECK(a != nullptr && reinterpret_cast<uintptr_t>(a) % 64 == 0);
    QRT_CHECK_OK(qrt_memset(stream, a, 0x5a, 1000));
    QRT_CHECK_OK(qrt_memcpy(stream, b, cpu_device(), a, cpu_device(), 1000));
    QRT_CHECK_OK(qrt_stream_synchronize(stream));
    const unsigned char* bytes = static_cast<const unsigned char*>(b);
    QRT_CHECK(bytes[0] == 0x5a && bytes[999] == 0x5a);
    QRT_CHECK_FAILS(qrt_memcpy(stream, static_cast<char*>(a) + 10, cpu_device(), a, cpu_device(), 100),
                    QRT_STATUS_INVALID_ARGUMENT, "overlaps");
    QRT_CHECK_FAILS(qrt_memcpy(nullptr, b, cpu_device(), a, cpu_device(), 10), QRT_STATUS_INVALID_ARGUMENT, "stream");
    QRT_CHECK_FAILS(qrt_memcpy(stream, nullptr, cpu_device(), a, cpu_device(), 10), QRT_STATUS_INVALID_ARGUMENT, "dst");
    QRT_CHECK_OK(qrt_free(cpu_device(), a));
    QRT_CHECK_OK(qrt_free(cpu_device(), b));
    QRT_CHECK_OK(qrt_free(cpu_device(), nullptr));

    void* zero = nullptr;
    QRT_CHECK_OK(qrt_malloc(cpu_device(), 0, &zero));
    QRT_CHECK(zero != nullptr);
    QRT_CHECK_OK(qrt_free(cpu_device(), zero));

    void* huge = reinterpret_cast<void*>(1);
    QRT_CHECK_FAILS(qrt_malloc(cpu_device(), SIZE_MAX - 8, &huge), QRT_STATUS_OUT_OF_MEMORY, "host memory");
    QRT_CHECK(huge == nullptr);
    QRT_CHECK_FAILS(qrt_malloc(cpu_device(), 16, nullptr), QRT_STATUS_INVALID_ARGUMENT, "ptr");
    QRT_CHECK_FAILS(qrt_stream_create(cpu_device(), nullptr), QRT_STATUS_INVALID_ARGUMENT, "stream");
    QRT_CHECK_OK(qrt_stream_destroy(nullptr));
}

int main() {
    test_version_and_errors();
    test_devices();
    test_threads();
    test_memory_and_streams();
    return finish("test_runtime");
}
