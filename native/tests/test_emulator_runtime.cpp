// The CUDA emulator's runtime API: the device it reports, its errors, memory under the limit, copies and memsets
// checked against live allocations, streams, events, kernel attributes and occupancy, and stream capture into
// graphs with CUDA's capture rules. Kernel launches are tested in test_emulator_launch.
//
// Run without arguments, the memory limit is the default (8 GiB). CTest also runs it with QRT_EMULATOR_MEMORY set:
//   --expect-limit BYTES    the limit the variable gives;
//   --expect-bad-limit      a value that is not a size: the device must fail to initialise, saying why.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "qrt_emulator/runtime.h"
#include "test_util.h"

using namespace qrt_test;

namespace {

#define QRT_CHECK_CUDA(call, expected)                                                                \
  do {                                                                                                \
    const cudaError_t error_ = (call);                                                                \
    if (error_ != (expected)) {                                                                       \
      std::fprintf(stderr, "%s:%d: %s returned %s (%s), expected %s\n", __FILE__, __LINE__, #call,    \
                   cudaGetErrorName(error_), cudaGetErrorString(error_), cudaGetErrorName(expected)); \
      ++::qrt_test::failures();                                                                       \
    }                                                                                                 \
  } while (0)

bool mentions(const char* text, const char* fragment) { return std::strstr(text, fragment) != nullptr; }

// Stand-ins for kernels: only their addresses matter to cudaFuncSetAttribute and the occupancy calculator.
void kernel_with_large_shared() {}
void kernel_with_default_shared() {}

void test_device() {
    int count = -1;
    QRT_CHECK_CUDA(cudaGetDeviceCount(&count), cudaSuccess);
    QRT_CHECK(count == 1);
    cudaDeviceProp properties;
    QRT_CHECK_CUDA(cudaGetDeviceProperties(&properties, 0), cudaSuccess);
    QRT_CHECK(mentions(properties.name, "emulated") && mentions(properties.name, "sm_90"));
    QRT_CHECK(properties.major == 9 && properties.minor == 0);
    QRT_CHECK(properties.multiProcessorCount == 132 && properties.warpSize == 32);
    QRT_CHECK(properties.sharedMemPerMultiprocessor == 228 * 1024 && properties.sharedMemPerBlockOptin == 227 * 1024);
    QRT_CHECK(properties.sharedMemPerBlock == 48 * 1024);
    QRT_CHECK(properties.maxThreadsPerBlock == 1024 && properties.maxThreadsPerMultiProcessor == 2048);
    QRT_CHECK(properties.totalGlobalMem == qrt::emu::memory_limit());
    int runtime = 0;
    int driver = 0;
    QRT_CHECK_CUDA(cudaRuntimeGetVersion(&runtime), cudaSuccess);
    QRT_CHECK_CUDA(cudaDriverGetVersion(&driver), cudaSuccess);
    QRT_CHECK(runtime == CUDART_VERSION && driver == CUDART_VERSION && CUDART_VERSION == 12040);

    QRT_CHECK_CUDA(cudaSetDevice(0), cudaSuccess);
    QRT_CHECK_CUDA(cudaSetDevice(1), cudaErrorInvalidDevice);
    QRT_CHECK(mentions(cudaGetErrorString(cudaErrorInvalidDevice), "one device"));
    QRT_CHECK(cudaPeekAtLastError() == cudaErrorInvalidDevice);
    QRT_CHECK(cudaGetLastError() == cudaErrorInvalidDevice);
    QRT_CHECK(cudaGetLastError() == cudaSuccess);  // reset by the previous call
    QRT_CHECK_CUDA(cudaGetDeviceProperties(&properties, 2), cudaErrorInvalidDevice);
    cudaGetLastError();
    int device = -1;
    QRT_CHECK_CUDA(cudaGetDevice(&device), cudaSuccess);
    QRT_CHECK(device == 0);
}

void test_error_names() {
    QRT_CHECK(std::strcmp(cudaGetErrorName(cudaSuccess), "cudaSuccess") == 0);
    QRT_CHECK(std::strcmp(cudaGetErrorName(cudaErrorMemoryAllocation), "cudaErrorMemoryAllocation") == 0);
    QRT_CHECK(std::strcmp(cudaGetErrorName(cudaErrorStreamCaptureInvalidated), "cudaErrorStreamCaptureInvalidated") ==
              0);
    QRT_CHECK(std::strcmp(cudaGetErrorString(cudaErrorNotReady), "device not ready") == 0);
    QRT_CHECK(std::strcmp(cudaGetErrorName(static_cast<cudaError_t>(12345)), "cudaErrorUnknown") == 0);
    QRT_CHECK(cudaErrorLaunchFailure == 719 && cudaErrorStreamCaptureUnsupported == 900 && cudaErrorNotReady == 600);
}

void test_memory() {
    size_t free_before = 0;
    size_t total = 0;
    QRT_CHECK_CUDA(cudaMemGetInfo(&free_before, &total), cudaSuccess);
    QRT_CHECK(total == qrt::emu::memory_limit() && free_before == total);

    void* a = nullptr;
    QRT_CHECK_CUDA(cudaMalloc(&a, 1000), cudaSuccess);
    QRT_CHECK(a != nullptr && reinterpret_cast<uintptr_t>(a) % 256 == 0);
    // Fresh memory reads as NaN, not as zeros.
    std::vector<unsigned char> fresh(1000);
    QRT_CHECK_CUDA(cudaMemcpy(fresh.data(), a, 1000, cudaMemcpyDeviceToHost), cudaSuccess);
    QRT_CHECK(fresh[0] == 0xFF && fresh[999] == 0xFF);
    size_t free_after = 0;
    QRT_CHECK_CUDA(cudaMemGetInfo(&free_after, &total), cudaSuccess);
    QRT_CHECK(free_after == free_before - 1000);

    // Over the limit: refused, with the limit named, and nothing changes.
    void* huge = reinterpret_cast<void*>(1);
    QRT_CHECK_CUDA(cudaMalloc(&huge, total + 1), cudaErrorMemoryAllocation);
    QRT_CHECK(huge == nullptr);
    QRT_CHECK(mentions(cudaGetErrorString(cudaErrorMemoryAllocation), "QRT_EMULATOR_MEMORY"));
    QRT_CHECK_CUDA(cudaMemGetInfo(&free_after, &total), cudaSuccess);
    QRT_CHECK(free_after == free_before - 1000);
    cudaGetLastError();

    void* empty = reinterpret_cast<void*>(1);
    QRT_CHECK_CUDA(cudaMalloc(&empty, 0), cudaSuccess);
    QRT_CHECK(empty == nullptr);
    QRT_CHECK_CUDA(cudaFree(nullptr), cudaSuccess);
    int on_the_stack = 0;
    QRT_CHECK_CUDA(cudaFree(&on_the_stack), cudaErrorInvalidValue);
    QRT_CHECK_CUDA(cudaFree(static_cast<char*>(a) + 8), cudaErrorInvalidValue);
    QRT_CHECK_CUDA(cudaFree(a), cudaSuccess);
    QRT_CHECK_CUDA(cudaFree(a), cudaErrorInvalidValue);  // twice
    QRT_CHECK_CUDA(cudaMemGetInfo(&free_after, &total), cudaSuccess);
    QRT_CHECK(free_after == free_before);
    cudaGetLastError();
}

void test_copies_and_memsets() {
    std::vector<uint8_t> host(4096);
    for (size_t i = 0; i < host.size(); ++i) host[i] = static_cast<uint8_t>(i * 7 + 1);
    uint8_t* a = nullptr;
    uint8_t* b = nullptr;
    QRT_CHECK_CUDA(cudaMalloc(&a, 4096), cudaSuccess);
    QRT_CHECK_CUDA(cudaMalloc(&b, 4096), cudaSuccess);
    cudaStream_t stream = nullptr;
    QRT_CHECK_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaSuccess);

    QRT_CHECK_CUDA(cudaMemcpyAsync(a, host.data(), 4096, cudaMemcpyHostToDevice, stream), cudaSuccess);
    QRT_CHECK_CUDA(cudaMemcpyAsync(b, a, 4096, cudaMemcpyDeviceToDevice, stream), cudaSuccess);
    QRT_CHECK_CUDA(cudaMemsetAsync(b + 100, 0x5A, 50, stream), cudaSuccess);
    // Overlapping device-to-device copies move like memmove.
    QRT_CHECK_CUDA(cudaMemcpyAsync(a + 1, a, 100, cudaMemcpyDefault, stream), cudaSuccess);
    std::vector<uint8_t> back(4096);
    QRT_CHECK_CUDA(cudaMemcpyAsync(back.data(), b, 4096, cudaMemcpyDeviceToHost, stream), cudaSuccess);
    QRT_CHECK_CUDA(cudaStreamSynchronize(stream), cudaSuccess);
    QRT_CHECK(back[99] == host[99] && back[100] == 0x5A && back[149] == 0x5A && back[150] == host[150]);
    QRT_CHECK_CUDA(cudaMemcpy(back.data(), a, 4096, cudaMemcpyDefault), cudaSuccess);
    QRT_CHECK(back[0] == host[0] && back[1] == host[0] && back[100] == host[99] && back[101] == host[101]);

    // A device range that leaves its allocation is refused before any byte moves.
    std::vector<uint8_t> big(8192, 0xEE);
    QRT_CHECK_CUDA(cudaMemcpyAsync(a, big.data(), 4097, cudaMemcpyHostToDevice, stream), cudaErrorInvalidValue);
    QRT_CHECK(mentions(cudaGetErrorString(cudaErrorInvalidValue), "not inside one live allocation"));
    QRT_CHECK_CUDA(cudaMemcpyAsync(big.data(), b + 4000, 100, cudaMemcpyDeviceToHost, stream), cudaErrorInvalidValue);
    QRT_CHECK_CUDA(cudaMemcpyAsync(a, big.data(), 16, cudaMemcpyDeviceToDevice, stream), cudaErrorInvalidValue);
    QRT_CHECK_CUDA(cudaMemsetAsync(b + 4090, 0, 7, stream), cudaErrorInvalidValue);
    QRT_CHECK_CUDA(cudaMemset(big.data(), 0, 16), cudaErrorInvalidValue);
    QRT_CHECK_CUDA(cudaMemcpy(a, host.data(), 16, static_cast<cudaMemcpyKind>(7)), cudaErrorInvalidMemcpyDirection);
    QRT_CHECK_CUDA(cudaMemcpy(back.data(), a, 4096, cudaMemcpyDeviceToHost), cudaSuccess);
    QRT_CHECK(back[4095] == host[4095] && big[0] == 0xEE);
    cudaGetLastError();

    QRT_CHECK_CUDA(cudaStreamDestroy(stream), cudaSuccess);
    QRT_CHECK_CUDA(cudaFree(a), cudaSuccess);
    QRT_CHECK_CUDA(cudaFree(b), cudaSuccess);
}

void test_streams_and_events() {
    cudaStream_t stream = nullptr;
    QRT_CHECK_CUDA(cudaStreamCreate(&stream), cudaSuccess);
    QRT_CHECK_CUDA(cudaStreamQuery(stream), cudaSuccess);
    QRT_CHECK_CUDA(cudaStreamSynchronize(stream), cudaSuccess);
    QRT_CHECK_CUDA(cudaStreamSynchronize(nullptr), cudaSuccess);
    cudaStream_t odd = nullptr;
    QRT_CHECK_CUDA(cudaStreamCreateWithFlags(&odd, 4), cudaErrorInvalidValue);

    cudaEvent_t start = nullptr;
    cudaEvent_t end = nullptr;
    cudaEvent_t untimed = nullptr;
    QRT_CHECK_CUDA(cudaEventCreate(&start), cudaSuccess);
    QRT_CHECK_CUDA(cudaEventCreate(&end), cudaSuccess);
    QRT_CHECK_CUDA(cudaEventCreateWithFlags(&untimed, cudaEventDisableTiming), cudaSuccess);
    float milliseconds = -1.0f;
    QRT_CHECK_CUDA(cudaEventElapsedTime(&milliseconds, start, end), cudaErrorInvalidResourceHandle);  // not recorded
    QRT_CHECK_CUDA(cudaEventRecord(start, stream), cudaSuccess);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    QRT_CHECK_CUDA(cudaEventRecord(end, stream), cudaSuccess);
    QRT_CHECK_CUDA(cudaEventRecord(untimed, stream), cudaSuccess);
    QRT_CHECK_CUDA(cudaEventSynchronize(end), cudaSuccess);
    QRT_CHECK_CUDA(cudaEventQuery(end), cudaSuccess);
    QRT_CHECK_CUDA(cudaEventElapsedTime(&milliseconds, start, end), cudaSuccess);
    QRT_CHECK(milliseconds >= 19.0f && milliseconds < 10000.0f);
    QRT_CHECK_CUDA(cudaEventElapsedTime(&milliseconds, start, untimed), cudaErrorInvalidResourceHandle);
    QRT_CHECK_CUDA(cudaEventDestroy(untimed), cudaSuccess);
    QRT_CHECK_CUDA(cudaEventDestroy(untimed), cudaErrorInvalidResourceHandle);
    QRT_CHECK_CUDA(cudaEventDestroy(start), cudaSuccess);
    QRT_CHECK_CUDA(cudaEventDestroy(end), cudaSuccess);

    QRT_CHECK_CUDA(cudaStreamDestroy(stream), cudaSuccess);
    // A destroyed stream is refused by name, not used.
    QRT_CHECK_CUDA(cudaStreamSynchronize(stream), cudaErrorInvalidResourceHandle);
    int value = 0;
    QRT_CHECK_CUDA(cudaMemcpyAsync(&value, &value, 4, cudaMemcpyHostToHost, stream), cudaErrorInvalidResourceHandle);
    QRT_CHECK(mentions(cudaGetErrorString(cudaErrorInvalidResourceHandle), "destroyed"));
    QRT_CHECK_CUDA(cudaStreamDestroy(stream), cudaErrorInvalidResourceHandle);
    cudaGetLastError();
}

void test_kernel_attributes_and_occupancy() {
    int blocks = -1;
    QRT_CHECK_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, kernel_with_default_shared, 256, 0),
                   cudaSuccess);
    QRT_CHECK(blocks == 8);  // 2048 threads per SM
    QRT_CHECK_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, kernel_with_default_shared, 32, 0),
                   cudaSuccess);
    QRT_CHECK(blocks == 32);  // 32 blocks per SM
    QRT_CHECK_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, kernel_with_default_shared, 100, 0),
                   cudaSuccess);
    QRT_CHECK(blocks == 16);  // 100 threads take 4 warps
    QRT_CHECK_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, kernel_with_default_shared, 128, 40 * 1024),
                   cudaSuccess);
    QRT_CHECK(blocks == 5);  // 228 KiB / (40 KiB + 1 KiB reserved)
    QRT_CHECK_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, kernel_with_default_shared, 128, 64 * 1024),
                   cudaSuccess);
    QRT_CHECK(blocks == 0);  // more than the 48 KiB a kernel may use without opting in
    QRT_CHECK_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, kernel_with_default_shared, 1025, 0),
                   cudaSuccess);
    QRT_CHECK(blocks == 0);
    QRT_CHECK_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, kernel_with_default_shared, 0, 0),
                   cudaErrorInvalidValue);

    QRT_CHECK_CUDA(
        cudaFuncSetAttribute(kernel_with_large_shared, cudaFuncAttributeMaxDynamicSharedMemorySize, 100 * 1024),
        cudaSuccess);
    QRT_CHECK_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, kernel_with_large_shared, 128, 100 * 1024),
                   cudaSuccess);
    QRT_CHECK(blocks == 2);
    QRT_CHECK_CUDA(
        cudaFuncSetAttribute(kernel_with_large_shared, cudaFuncAttributeMaxDynamicSharedMemorySize, 228 * 1024),
        cudaErrorInvalidValue);
    QRT_CHECK(mentions(cudaGetErrorString(cudaErrorInvalidValue), "232448"));
    cudaGetLastError();
}

// Fills `count` bytes of device memory from the host and reads them back.
std::vector<uint8_t> read_device(const uint8_t* device, size_t count) {
    std::vector<uint8_t> host(count);
    QRT_CHECK_CUDA(cudaMemcpy(host.data(), device, count, cudaMemcpyDeviceToHost), cudaSuccess);
    return host;
}

void test_capture_and_replay() {
    uint8_t* device = nullptr;
    QRT_CHECK_CUDA(cudaMalloc(&device, 64), cudaSuccess);
    QRT_CHECK_CUDA(cudaMemset(device, 0, 64), cudaSuccess);
    std::vector<uint8_t> source(32, 3);
    cudaStream_t stream = nullptr;
    QRT_CHECK_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaSuccess);
    cudaEvent_t event = nullptr;
    QRT_CHECK_CUDA(cudaEventCreate(&event), cudaSuccess);

    cudaStreamCaptureStatus status = cudaStreamCaptureStatusActive;
    QRT_CHECK_CUDA(cudaStreamIsCapturing(stream, &status), cudaSuccess);
    QRT_CHECK(status == cudaStreamCaptureStatusNone);
    QRT_CHECK_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal), cudaSuccess);
    QRT_CHECK_CUDA(cudaStreamIsCapturing(stream, &status), cudaSuccess);
    QRT_CHECK(status == cudaStreamCaptureStatusActive);
    QRT_CHECK_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal), cudaErrorIllegalState);
    QRT_CHECK_CUDA(cudaMemcpyAsync(device, source.data(), 32, cudaMemcpyHostToDevice, stream), cudaSuccess);
    QRT_CHECK_CUDA(cudaMemsetAsync(device + 32, 9, 16, stream), cudaSuccess);
    QRT_CHECK_CUDA(cudaEventRecord(event, stream), cudaSuccess);
    cudaGraph_t graph = nullptr;
    QRT_CHECK_CUDA(cudaStreamEndCapture(stream, &graph), cudaSuccess);
    QRT_CHECK(graph != nullptr);
    // Recorded, not run.
    QRT_CHECK(read_device(device, 64) == std::vector<uint8_t>(64, 0));
    float milliseconds = 0;
    QRT_CHECK_CUDA(cudaEventElapsedTime(&milliseconds, event, event), cudaErrorInvalidResourceHandle);

    cudaGraphExec_t exec = nullptr;
    QRT_CHECK_CUDA(cudaGraphInstantiate(&exec, graph, 0), cudaSuccess);
    QRT_CHECK_CUDA(cudaGraphDestroy(graph), cudaSuccess);  // the executable graph keeps its own copy
    QRT_CHECK_CUDA(cudaGraphLaunch(exec, stream), cudaSuccess);
    QRT_CHECK_CUDA(cudaStreamSynchronize(stream), cudaSuccess);
    std::vector<uint8_t> expected(64, 0);
    std::fill(expected.begin(), expected.begin() + 32, 3);
    std::fill(expected.begin() + 32, expected.begin() + 48, 9);
    QRT_CHECK(read_device(device, 64) == expected);
    QRT_CHECK_CUDA(cudaEventElapsedTime(&milliseconds, event, event), cudaSuccess);  // replay recorded it

    // A replay copies what the host buffer holds then: the capture took the pointer, not the bytes.
    std::fill(source.begin(), source.end(), 4);
    QRT_CHECK_CUDA(cudaGraphLaunch(exec, nullptr), cudaSuccess);
    QRT_CHECK(read_device(device, 1)[0] == 4);

    // A graph launched into a capture is recorded there, and replayed with the outer graph.
    QRT_CHECK_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed), cudaSuccess);
    QRT_CHECK_CUDA(cudaGraphLaunch(exec, stream), cudaSuccess);
    QRT_CHECK_CUDA(cudaStreamEndCapture(stream, &graph), cudaSuccess);
    cudaGraphExec_t outer = nullptr;
    QRT_CHECK_CUDA(cudaGraphInstantiateWithFlags(&outer, graph, 0), cudaSuccess);
    QRT_CHECK_CUDA(cudaMemset(device, 0, 64), cudaSuccess);
    std::fill(source.begin(), source.end(), 5);
    QRT_CHECK_CUDA(cudaGraphLaunch(outer, stream), cudaSuccess);
    QRT_CHECK(read_device(device, 1)[0] == 5);
    cudaGraphExec_t refused = outer;
    QRT_CHECK_CUDA(cudaGraphInstantiate(&refused, graph, 1), cudaErrorInvalidValue);  // no flags are implemented
    QRT_CHECK(refused == nullptr);
    QRT_CHECK_CUDA(cudaGraphExecDestroy(refused), cudaErrorInvalidValue);

    QRT_CHECK_CUDA(cudaGraphExecDestroy(outer), cudaSuccess);
    QRT_CHECK_CUDA(cudaGraphDestroy(graph), cudaSuccess);
    QRT_CHECK_CUDA(cudaGraphDestroy(graph), cudaErrorInvalidValue);
    QRT_CHECK_CUDA(cudaGraphExecDestroy(exec), cudaSuccess);
    QRT_CHECK_CUDA(cudaGraphLaunch(exec, stream), cudaErrorInvalidValue);
    QRT_CHECK_CUDA(cudaEventDestroy(event), cudaSuccess);
    QRT_CHECK_CUDA(cudaStreamDestroy(stream), cudaSuccess);
    QRT_CHECK_CUDA(cudaFree(device), cudaSuccess);
    cudaGetLastError();
}

// Ends a capture that a rule invalidated: the end reports it and gives no graph.
void expect_invalidated(cudaStream_t stream) {
    cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
    QRT_CHECK_CUDA(cudaStreamIsCapturing(stream, &status), cudaSuccess);
    QRT_CHECK(status == cudaStreamCaptureStatusInvalidated);
    int value = 0;
    QRT_CHECK_CUDA(cudaMemcpyAsync(&value, &value, 4, cudaMemcpyHostToHost, stream), cudaErrorStreamCaptureInvalidated);
    cudaGraph_t graph = reinterpret_cast<cudaGraph_t>(1);
    QRT_CHECK_CUDA(cudaStreamEndCapture(stream, &graph), cudaErrorStreamCaptureInvalidated);
    QRT_CHECK(graph == nullptr);
    QRT_CHECK_CUDA(cudaStreamIsCapturing(stream, &status), cudaSuccess);
    QRT_CHECK(status == cudaStreamCaptureStatusNone);
    cudaGetLastError();
}

void test_capture_rules() {
    cudaStream_t stream = nullptr;
    cudaStream_t blocking = nullptr;
    QRT_CHECK_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaSuccess);
    QRT_CHECK_CUDA(cudaStreamCreate(&blocking), cudaSuccess);
    void* memory = nullptr;

    QRT_CHECK_CUDA(cudaStreamBeginCapture(nullptr, cudaStreamCaptureModeGlobal), cudaErrorStreamCaptureUnsupported);
    cudaGraph_t graph = nullptr;
    QRT_CHECK_CUDA(cudaStreamEndCapture(stream, &graph), cudaErrorIllegalState);

    // Global mode: cudaMalloc is unsafe, refused, and the capture is lost.
    QRT_CHECK_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal), cudaSuccess);
    QRT_CHECK_CUDA(cudaMalloc(&memory, 64), cudaErrorStreamCaptureUnsupported);
    QRT_CHECK(memory == nullptr && mentions(cudaGetErrorString(cudaErrorStreamCaptureUnsupported), "Global"));
    expect_invalidated(stream);

    // Relaxed mode allows it.
    QRT_CHECK_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed), cudaSuccess);
    QRT_CHECK_CUDA(cudaMalloc(&memory, 64), cudaSuccess);
    QRT_CHECK_CUDA(cudaFree(memory), cudaSuccess);
    QRT_CHECK_CUDA(cudaStreamEndCapture(stream, &graph), cudaSuccess);
    QRT_CHECK_CUDA(cudaGraphDestroy(graph), cudaSuccess);

    // Synchronising the capturing stream, or the device, waits on work that has not run: refused in every mode.
    QRT_CHECK_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed), cudaSuccess);
    QRT_CHECK_CUDA(cudaStreamSynchronize(stream), cudaErrorStreamCaptureUnsupported);
    expect_invalidated(stream);
    QRT_CHECK_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed), cudaSuccess);
    QRT_CHECK_CUDA(cudaDeviceSynchronize(), cudaErrorStreamCaptureUnsupported);
    expect_invalidated(stream);

    // The legacy stream waits on blocking streams: using it while one captures is an implicit dependency.
    int value = 0;
    QRT_CHECK_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed), cudaSuccess);
    QRT_CHECK_CUDA(cudaMemcpyAsync(&value, &value, 4, cudaMemcpyHostToHost, nullptr), cudaSuccess);  // non-blocking
    QRT_CHECK_CUDA(cudaStreamEndCapture(stream, &graph), cudaSuccess);
    QRT_CHECK_CUDA(cudaGraphDestroy(graph), cudaSuccess);
    QRT_CHECK_CUDA(cudaStreamBeginCapture(blocking, cudaStreamCaptureModeRelaxed), cudaSuccess);
    QRT_CHECK_CUDA(cudaMemcpyAsync(&value, &value, 4, cudaMemcpyHostToHost, nullptr), cudaErrorStreamCaptureImplicit);
    expect_invalidated(blocking);

    // A ThreadLocal capture belongs to its thread: another thread may neither end it nor is it restricted by it.
    QRT_CHECK_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), cudaSuccess);
    cudaError_t ended = cudaSuccess;
    cudaError_t allocated = cudaErrorUnknown;
    std::thread other([&] {
        cudaGraph_t other_graph = nullptr;
        ended = cudaStreamEndCapture(stream, &other_graph);
        void* other_memory = nullptr;
        allocated = cudaMalloc(&other_memory, 64);
        cudaFree(other_memory);
    });
    other.join();
    QRT_CHECK(ended == cudaErrorStreamCaptureWrongThread);
    QRT_CHECK(allocated == cudaSuccess);
    QRT_CHECK_CUDA(cudaStreamEndCapture(stream, &graph), cudaSuccess);
    QRT_CHECK_CUDA(cudaGraphDestroy(graph), cudaSuccess);

    // A Global capture restricts other threads too.
    QRT_CHECK_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal), cudaSuccess);
    std::thread restricted([&] {
        void* other_memory = nullptr;
        allocated = cudaMalloc(&other_memory, 64);
    });
    restricted.join();
    QRT_CHECK(allocated == cudaErrorStreamCaptureUnsupported);
    expect_invalidated(stream);

    QRT_CHECK_CUDA(cudaStreamDestroy(stream), cudaSuccess);
    QRT_CHECK_CUDA(cudaStreamDestroy(blocking), cudaSuccess);
}

void test_sticky_fault() {
    // A replay that copies into memory freed since the capture faults, as a GPU does, and the fault sticks.
    uint8_t* device = nullptr;
    QRT_CHECK_CUDA(cudaMalloc(&device, 64), cudaSuccess);
    std::vector<uint8_t> source(64, 1);
    cudaStream_t stream = nullptr;
    QRT_CHECK_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaSuccess);
    QRT_CHECK_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal), cudaSuccess);
    QRT_CHECK_CUDA(cudaMemcpyAsync(device, source.data(), 64, cudaMemcpyHostToDevice, stream), cudaSuccess);
    cudaGraph_t graph = nullptr;
    QRT_CHECK_CUDA(cudaStreamEndCapture(stream, &graph), cudaSuccess);
    cudaGraphExec_t exec = nullptr;
    QRT_CHECK_CUDA(cudaGraphInstantiate(&exec, graph), cudaSuccess);
    QRT_CHECK_CUDA(cudaFree(device), cudaSuccess);
    QRT_CHECK_CUDA(cudaGraphLaunch(exec, stream), cudaErrorIllegalAddress);

    QRT_CHECK(cudaGetLastError() == cudaErrorIllegalAddress);
    QRT_CHECK(cudaGetLastError() == cudaErrorIllegalAddress);  // sticky: not reset
    void* memory = nullptr;
    QRT_CHECK_CUDA(cudaMalloc(&memory, 16), cudaErrorIllegalAddress);
    QRT_CHECK_CUDA(cudaStreamSynchronize(stream), cudaErrorIllegalAddress);
    QRT_CHECK(mentions(cudaGetErrorString(cudaErrorIllegalAddress), "not inside one live allocation"));
    QRT_CHECK(mentions(qrt::emu::sticky_error_message().c_str(), "cudaMemcpyAsync"));
    // Releasing still releases, and reports the fault.
    QRT_CHECK_CUDA(cudaGraphExecDestroy(exec), cudaSuccess);
    QRT_CHECK_CUDA(cudaGraphDestroy(graph), cudaSuccess);
    QRT_CHECK_CUDA(cudaStreamDestroy(stream), cudaErrorIllegalAddress);

    qrt::emu::clear_sticky_error();
    QRT_CHECK(qrt::emu::sticky_error_message().empty());
    QRT_CHECK(cudaGetLastError() == cudaErrorIllegalAddress);  // the thread's last error, now reset
    QRT_CHECK(cudaGetLastError() == cudaSuccess);
    QRT_CHECK_CUDA(cudaMalloc(&memory, 16), cudaSuccess);
    QRT_CHECK_CUDA(cudaFree(memory), cudaSuccess);
    QRT_CHECK(std::strcmp(cudaGetErrorString(cudaErrorIllegalAddress), "an illegal memory access was encountered") ==
              0);
}

int check_memory_limit(size_t expected) {
    QRT_CHECK(qrt::emu::memory_limit() == expected);
    size_t free_bytes = 0;
    size_t total = 0;
    QRT_CHECK_CUDA(cudaMemGetInfo(&free_bytes, &total), cudaSuccess);
    QRT_CHECK(total == expected && free_bytes == expected);
    void* all = nullptr;
    QRT_CHECK_CUDA(cudaMalloc(&all, expected), cudaSuccess);
    void* more = nullptr;
    QRT_CHECK_CUDA(cudaMalloc(&more, 1), cudaErrorMemoryAllocation);
    QRT_CHECK_CUDA(cudaFree(all), cudaSuccess);
    return finish("test_emulator_runtime (memory limit)");
}

int check_bad_memory_limit() {
    int count = -1;
    QRT_CHECK_CUDA(cudaGetDeviceCount(&count), cudaErrorInitializationError);
    QRT_CHECK(count == 0);
    QRT_CHECK(mentions(cudaGetErrorString(cudaErrorInitializationError), "QRT_EMULATOR_MEMORY"));
    void* memory = nullptr;
    QRT_CHECK_CUDA(cudaMalloc(&memory, 16), cudaErrorInitializationError);
    QRT_CHECK(qrt::emu::memory_limit() == 0);
    return finish("test_emulator_runtime (bad memory limit)");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 3 && std::string(argv[1]) == "--expect-limit") return check_memory_limit(std::stoull(argv[2]));
    if (argc == 2 && std::string(argv[1]) == "--expect-bad-limit") return check_bad_memory_limit();
    test_device();
    test_error_names();
    test_memory();
    test_copies_and_memsets();
    test_streams_and_events();
    test_kernel_attributes_and_occupancy();
    test_capture_and_replay();
    test_capture_rules();
    test_sticky_fault();
    return finish("test_emulator_runtime");
}
