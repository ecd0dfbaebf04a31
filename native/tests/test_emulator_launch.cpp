// Kernel launches in the CUDA emulator (qrt::emu::launch_kernel, what QRT_LAUNCH calls): CUDA's launch checks with
// their error codes and explanations, the dynamic shared-memory opt-in, co-residency, a kernel fault becoming the
// sticky cudaErrorLaunchFailure that names kernel, block and thread, and launches recorded by a stream capture.
// The kernels are lambdas; test_cuda_launch runs real kernels through QRT_LAUNCH on a GPU or here. Built with
// AddressSanitizer, it also shows a kernel's write past a cudaMalloc allocation reported (in a child process).
#include <cuda_runtime.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>

#include "emulator_test_util.h"
#include "qrt_emulator/launch.h"
#include "qrt_emulator/runtime.h"
#include "qrt_emulator/shared_memory.h"

using namespace qrt_test;

namespace {

// Stand-ins for kernels: their addresses key cudaFuncSetAttribute.
void plain_kernel() {}
void large_shared_kernel() {}

bool mentions(const char* text, const char* fragment) { return std::strstr(text, fragment) != nullptr; }

qrt::emu::KernelLaunch shape(const char* name, dim3 grid, dim3 block, size_t dynamic_shared = 0,
                             bool co_resident = false,
                             const void* kernel = reinterpret_cast<const void*>(&plain_kernel)) {
    return qrt::emu::KernelLaunch{name, kernel, grid, block, dynamic_shared, co_resident};
}

// Launches a kernel that counts its threads; returns the launch's error.
cudaError_t count_threads(cudaStream_t stream, const qrt::emu::KernelLaunch& launch, std::atomic<long>& threads) {
    qrt::emu::launch_kernel(stream, launch, [&threads] { threads.fetch_add(1); });
    return cudaGetLastError();
}

void test_configuration_checks() {
    std::atomic<long> threads{0};
    QRT_CHECK(count_threads(nullptr, shape("ok", dim3(3, 2), dim3(32, 4)), threads) == cudaSuccess);
    QRT_CHECK(threads == 3 * 2 * 32 * 4);
    threads = 0;
    QRT_CHECK(count_threads(nullptr, shape("empty_grid", dim3(0), dim3(32)), threads) == cudaErrorInvalidConfiguration);
    QRT_CHECK(mentions(cudaGetErrorString(cudaErrorInvalidConfiguration), "empty_grid"));
    QRT_CHECK(count_threads(nullptr, shape("wide", dim3(1), dim3(1025)), threads) == cudaErrorInvalidConfiguration);
    QRT_CHECK(mentions(cudaGetErrorString(cudaErrorInvalidConfiguration), "1024 threads"));
    QRT_CHECK(count_threads(nullptr, shape("deep", dim3(1), dim3(1, 1, 65)), threads) == cudaErrorInvalidConfiguration);
    QRT_CHECK(count_threads(nullptr, shape("many", dim3(1), dim3(32, 32, 2)), threads) ==
              cudaErrorInvalidConfiguration);
    QRT_CHECK(count_threads(nullptr, shape("tall", dim3(1, 65536), dim3(32)), threads) ==
              cudaErrorInvalidConfiguration);
    QRT_CHECK(threads == 0);  // nothing ran

    // A template kernel is spelled in parentheses by QRT_LAUNCH; messages name it without them.
    QRT_CHECK(count_threads(nullptr, shape("(k<float, 4>)", dim3(0), dim3(32)), threads) ==
              cudaErrorInvalidConfiguration);
    QRT_CHECK(mentions(cudaGetErrorString(cudaErrorInvalidConfiguration), "launch of k<float, 4>:"));

    cudaStream_t stream = nullptr;
    QRT_CHECK(cudaStreamCreate(&stream) == cudaSuccess);
    QRT_CHECK(cudaStreamDestroy(stream) == cudaSuccess);
    QRT_CHECK(count_threads(stream, shape("late", dim3(1), dim3(32)), threads) == cudaErrorInvalidResourceHandle);
    QRT_CHECK(threads == 0);
}

void test_dynamic_shared_memory() {
    const void* kernel = reinterpret_cast<const void*>(&large_shared_kernel);
    std::atomic<long> threads{0};
    const size_t bytes = 100 * 1024;
    // Beyond 48 KiB a kernel must opt in.
    QRT_CHECK(count_threads(nullptr, shape("big", dim3(1), dim3(32), bytes, false, kernel), threads) ==
              cudaErrorInvalidValue);
    QRT_CHECK(mentions(cudaGetErrorString(cudaErrorInvalidValue), "cudaFuncAttributeMaxDynamicSharedMemorySize"));
    QRT_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)) ==
              cudaSuccess);
    // After it, the kernel has its bytes: every thread writes its own slice and reads it back.
    std::atomic<int> mismatches{0};
    qrt::emu::launch_kernel(nullptr, shape("big", dim3(2), dim3(32), bytes, false, kernel), [&mismatches] {
        QRT_EMU_DYNAMIC_SHARED(int, staging);
        const unsigned t = threadIdx.x;
        const size_t per_thread = bytes / sizeof(int) / 32;
        for (size_t i = 0; i < per_thread; ++i)
            staging[static_cast<std::ptrdiff_t>(t * per_thread + i)] = static_cast<int>(i + t);
        for (size_t i = 0; i < per_thread; ++i) {
            if (staging[static_cast<std::ptrdiff_t>(t * per_thread + i)] != static_cast<int>(i + t)) ++mismatches;
        }
        if (qrt::emu::shared_dynamic_bytes() != bytes) ++mismatches;
    });
    QRT_CHECK(cudaGetLastError() == cudaSuccess);
    QRT_CHECK(mismatches == 0);
    // The opt-in is per kernel.
    QRT_CHECK(count_threads(nullptr, shape("other", dim3(1), dim3(32), bytes), threads) == cudaErrorInvalidValue);
    QRT_CHECK(count_threads(nullptr, shape("big", dim3(1), dim3(32), bytes + 1, false, kernel), threads) ==
              cudaErrorInvalidValue);
}

void test_co_residency() {
    // 100 KiB of shared memory per block (large_shared_kernel opted in above): two blocks per SM, 264 on an H100.
    const void* kernel = reinterpret_cast<const void*>(&large_shared_kernel);
    const size_t bytes = 100 * 1024;
    std::atomic<long> threads{0};
    QRT_CHECK(count_threads(nullptr, shape("resident", dim3(264), dim3(32), bytes, true, kernel), threads) ==
              cudaSuccess);
    QRT_CHECK(threads == 264 * 32);
    QRT_CHECK(count_threads(nullptr, shape("too_many", dim3(265), dim3(32), bytes, true, kernel), threads) ==
              cudaErrorCooperativeLaunchTooLarge);
    QRT_CHECK(mentions(cudaGetErrorString(cudaErrorCooperativeLaunchTooLarge), "at most 264"));
    // The same grid without co-residency is an ordinary launch.
    QRT_CHECK(count_threads(nullptr, shape("many", dim3(265), dim3(32), bytes, false, kernel), threads) == cudaSuccess);
}

void test_fault_is_sticky() {
    // Half the block waits at a barrier the other half never reaches.
    qrt::emu::launch_kernel(nullptr, shape("half_barrier", dim3(2), dim3(64)), [] {
        if (threadIdx.x < 32) __syncthreads();
    });
    QRT_CHECK(cudaGetLastError() == cudaErrorLaunchFailure);
    QRT_CHECK(cudaGetLastError() == cudaErrorLaunchFailure);  // sticky
    const char* message = cudaGetErrorString(cudaErrorLaunchFailure);
    std::printf("fault: %s\n", message);
    QRT_CHECK(mentions(message, "half_barrier") && mentions(message, "block") && mentions(message, "thread"));
    QRT_CHECK(qrt::emu::sticky_error_message() == message);
    void* memory = nullptr;
    QRT_CHECK(cudaMalloc(&memory, 16) == cudaErrorLaunchFailure);
    std::atomic<long> threads{0};
    QRT_CHECK(count_threads(nullptr, shape("after", dim3(1), dim3(32)), threads) == cudaErrorLaunchFailure);
    QRT_CHECK(threads == 0);  // nothing runs on a faulted device

    qrt::emu::clear_sticky_error();
    QRT_CHECK(cudaGetLastError() == cudaErrorLaunchFailure);  // the thread's last error, reset now
    QRT_CHECK(count_threads(nullptr, shape("after", dim3(1), dim3(32)), threads) == cudaSuccess);
    QRT_CHECK(threads == 32);
    QRT_CHECK(std::strcmp(cudaGetErrorString(cudaErrorLaunchFailure), "unspecified launch failure") == 0);
}

void test_capture_records_launches() {
    cudaStream_t stream = nullptr;
    QRT_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) == cudaSuccess);
    std::atomic<long> threads{0};
    QRT_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal) == cudaSuccess);
    QRT_CHECK(count_threads(stream, shape("captured", dim3(2), dim3(64)), threads) == cudaSuccess);
    // A launch CUDA refuses is refused at capture time, and stays out of the graph.
    QRT_CHECK(count_threads(stream, shape("refused", dim3(1), dim3(2048)), threads) == cudaErrorInvalidConfiguration);
    cudaGraph_t graph = nullptr;
    QRT_CHECK(cudaStreamEndCapture(stream, &graph) == cudaSuccess);
    QRT_CHECK(threads == 0);  // recorded, not run
    cudaGraphExec_t exec = nullptr;
    QRT_CHECK(cudaGraphInstantiate(&exec, graph) == cudaSuccess);
    QRT_CHECK(cudaGraphLaunch(exec, stream) == cudaSuccess);
    QRT_CHECK(cudaGraphLaunch(exec, stream) == cudaSuccess);
    QRT_CHECK(threads == 2 * 2 * 64);

    // A kernel that faults during a replay: the graph launch reports it, and it sticks.
    QRT_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal) == cudaSuccess);
    qrt::emu::launch_kernel(stream, shape("replayed_fault", dim3(1), dim3(64)), [] {
        if (threadIdx.x == 0) __syncthreads();
    });
    cudaGraph_t faulty = nullptr;
    QRT_CHECK(cudaStreamEndCapture(stream, &faulty) == cudaSuccess);
    cudaGraphExec_t faulty_exec = nullptr;
    QRT_CHECK(cudaGraphInstantiate(&faulty_exec, faulty) == cudaSuccess);
    QRT_CHECK(cudaGraphLaunch(faulty_exec, stream) == cudaErrorLaunchFailure);
    QRT_CHECK(mentions(cudaGetErrorString(cudaErrorLaunchFailure), "replayed_fault"));
    qrt::emu::clear_sticky_error();
    cudaGetLastError();

    QRT_CHECK(cudaGraphExecDestroy(exec) == cudaSuccess);
    QRT_CHECK(cudaGraphExecDestroy(faulty_exec) == cudaSuccess);
    QRT_CHECK(cudaGraphDestroy(graph) == cudaSuccess);
    QRT_CHECK(cudaGraphDestroy(faulty) == cudaSuccess);
    QRT_CHECK(cudaStreamDestroy(stream) == cudaSuccess);
}

// Run as a child: a kernel writes one element past a cudaMalloc allocation, which AddressSanitizer must report
// (device memory is a host allocation of exactly the bytes asked for).
int write_past_allocation() {
    int* data = nullptr;
    if (cudaMalloc(&data, 100 * sizeof(int)) != cudaSuccess) return 2;
    qrt::emu::launch_kernel(nullptr, shape("writes_past_the_end", dim3(1), dim3(128)), [data] {
        if (threadIdx.x <= 100) data[threadIdx.x] = 1;
    });
    return cudaGetLastError() == cudaSuccess ? 0 : 3;
}

void sanitizer_catches_device_out_of_bounds(const char* self) {
#if defined(__SANITIZE_ADDRESS__)
    const ChildRun child = run_child(self, "--write-past-allocation");
    const bool reported = child.status != 0 && child.output.find("heap-buffer-overflow") != std::string::npos &&
                          child.output.find("WRITE of size 4") != std::string::npos;
    std::printf("AddressSanitizer on a kernel's write past a cudaMalloc allocation: %s\n",
                reported ? "reported" : "NOT reported");
    QRT_CHECK(reported);
#else
    (void)self;
    std::printf("device out-of-bounds: not checked in this build (the AddressSanitizer build checks it)\n");
#endif
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "--write-past-allocation") return write_past_allocation();
    test_configuration_checks();
    test_dynamic_shared_memory();
    test_co_residency();
    test_fault_is_sticky();
    test_capture_records_launches();
    sanitizer_catches_device_out_of_bounds(argv[0]);
    return finish("test_emulator_launch");
}
