// Kernel launches through QRT_LAUNCH and shared memory through QRT_SHARED / QRT_DYNAMIC_SHARED, on whatever runs
// CUDA here: a GPU when nvcc built this, the emulator under QRT_CUDA=EMULATE. The same checks hold on both: results,
// the dynamic shared-memory opt-in, a refused block size, occupancy, and a launch recorded by a stream capture and
// replayed from the graph with the arguments it was captured with. Exits 77 (skipped) without a device.
#include <cuda_runtime.h>

#include <cstdio>
#include <vector>

#include "cuda/launch.cuh"
#include "cuda/shared.cuh"
#include "cuda_test_util.h"

using namespace qrt_test;

namespace {

__global__ void scale_and_offset(const float* x, float a, float* y, int n) {
    const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
    if (i < n) y[i] = a * x[i] + static_cast<float>(i);
}

// Reverses each block's slice of x through dynamic shared memory, one element per thread.
__global__ void reverse_in_blocks(const int* x, int* y) {
    QRT_DYNAMIC_SHARED(int, staging);
    const unsigned t = threadIdx.x;
    const unsigned base = blockIdx.x * blockDim.x;
    staging[t] = x[base + t];
    __syncthreads();
    y[base + t] = staging[blockDim.x - 1 - t];
}

// Sums each block's slice through a static shared array and the block reduction pattern the kernels use.
__global__ void block_totals(const int* x, int* totals) {
    QRT_SHARED(int, partial, 256);
    const unsigned t = threadIdx.x;
    partial[t] = x[blockIdx.x * blockDim.x + t];
    __syncthreads();
    for (unsigned stride = blockDim.x / 2; stride > 0; stride /= 2) {
        if (t < stride) partial[t] = partial[t] + partial[t + stride];
        __syncthreads();
    }
    if (t == 0) totals[blockIdx.x] = partial[0];
}

#define CHECK_CUDA(call) QRT_CHECK((call) == cudaSuccess)

template <class T>
T* device_copy(const std::vector<T>& host) {
    T* device = nullptr;
    CHECK_CUDA(cudaMalloc(&device, host.size() * sizeof(T)));
    CHECK_CUDA(cudaMemcpy(device, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
    return device;
}

template <class T>
std::vector<T> host_copy(const T* device, size_t count) {
    std::vector<T> host(count);
    CHECK_CUDA(cudaMemcpy(host.data(), device, count * sizeof(T), cudaMemcpyDeviceToHost));
    return host;
}

qrt::cuda::LaunchShape shape(unsigned blocks, unsigned threads, size_t dynamic_shared = 0) {
    qrt::cuda::LaunchShape result;
    result.grid = dim3(blocks);
    result.block = dim3(threads);
    result.dynamic_shared_bytes = dynamic_shared;
    return result;
}

void test_results() {
    const int n = 1000;
    std::vector<float> x(n);
    for (int i = 0; i < n; ++i) x[i] = 0.5f * static_cast<float>(i);
    float* x_device = device_copy(x);
    float* y_device = device_copy(std::vector<float>(n, 0.0f));
    QRT_LAUNCH(scale_and_offset, shape(4, 256), nullptr, x_device, 3.0f, y_device, n);
    CHECK_CUDA(cudaGetLastError());
    const std::vector<float> y = host_copy(y_device, n);
    int wrong = 0;
    for (int i = 0; i < n; ++i) wrong += y[i] != 3.0f * x[i] + static_cast<float>(i);
    QRT_CHECK(wrong == 0);

    std::vector<int> values(4 * 256);
    for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int>(i % 7) - 3;
    int* values_device = device_copy(values);
    int* totals_device = device_copy(std::vector<int>(4, 0));
    QRT_LAUNCH(block_totals, shape(4, 256), nullptr, values_device, totals_device);
    CHECK_CUDA(cudaGetLastError());
    const std::vector<int> totals = host_copy(totals_device, 4);
    for (int b = 0; b < 4; ++b) {
        int expected = 0;
        for (int i = 0; i < 256; ++i) expected += values[static_cast<size_t>(b * 256 + i)];
        QRT_CHECK(totals[static_cast<size_t>(b)] == expected);
    }
    CHECK_CUDA(cudaFree(x_device));
    CHECK_CUDA(cudaFree(y_device));
    CHECK_CUDA(cudaFree(values_device));
    CHECK_CUDA(cudaFree(totals_device));
}

void test_dynamic_shared_and_limits() {
    std::vector<int> x(2 * 1024);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<int>(i);
    int* x_device = device_copy(x);
    int* y_device = device_copy(std::vector<int>(x.size(), 0));
    const size_t opt_in = 64 * 1024;
    // More than 48 KiB of dynamic shared memory needs the kernel's opt-in first.
    QRT_LAUNCH(reverse_in_blocks, shape(2, 1024, opt_in), nullptr, x_device, y_device);
    QRT_CHECK(cudaGetLastError() != cudaSuccess);
    CHECK_CUDA(
        cudaFuncSetAttribute(reverse_in_blocks, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(opt_in)));
    QRT_LAUNCH(reverse_in_blocks, shape(2, 1024, opt_in), nullptr, x_device, y_device);
    CHECK_CUDA(cudaGetLastError());
    const std::vector<int> y = host_copy(y_device, x.size());
    QRT_CHECK(y[0] == 1023 && y[1023] == 0 && y[1024] == 2047 && y[2047] == 1024);

    // A block of 1025 threads is refused.
    QRT_LAUNCH(reverse_in_blocks, shape(1, 1025, 1025 * sizeof(int)), nullptr, x_device, y_device);
    QRT_CHECK(cudaGetLastError() == cudaErrorInvalidConfiguration);

    int blocks = 0;
    CHECK_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, scale_and_offset, 256, 0));
    QRT_CHECK(blocks == 8);  // 2048 threads per SM
    CHECK_CUDA(cudaFree(x_device));
    CHECK_CUDA(cudaFree(y_device));
}

void test_graph_replay() {
    const int n = 300;
    float* x_device = device_copy(std::vector<float>(n, 1.0f));
    float* y_device = device_copy(std::vector<float>(n, 0.0f));
    cudaStream_t stream = nullptr;
    CHECK_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    CHECK_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal));
    float a = 2.0f;
    QRT_LAUNCH(scale_and_offset, shape(2, 256), stream, x_device, a, y_device, n);
    a = 5.0f;  // the graph keeps the value captured
    cudaGraph_t graph = nullptr;
    CHECK_CUDA(cudaStreamEndCapture(stream, &graph));
    cudaGraphExec_t exec = nullptr;
    CHECK_CUDA(cudaGraphInstantiateWithFlags(&exec, graph, 0));
    QRT_CHECK(host_copy(y_device, n)[10] == 0.0f);  // captured, not run
    CHECK_CUDA(cudaGraphLaunch(exec, stream));
    CHECK_CUDA(cudaStreamSynchronize(stream));
    QRT_CHECK(host_copy(y_device, n)[10] == 2.0f * 1.0f + 10.0f);
    // The graph reads x where it lies when it runs.
    CHECK_CUDA(cudaMemcpy(x_device, std::vector<float>(n, 4.0f).data(), n * sizeof(float), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaGraphLaunch(exec, stream));
    CHECK_CUDA(cudaStreamSynchronize(stream));
    QRT_CHECK(host_copy(y_device, n)[299] == 2.0f * 4.0f + 299.0f);
    CHECK_CUDA(cudaGraphExecDestroy(exec));
    CHECK_CUDA(cudaGraphDestroy(graph));
    CHECK_CUDA(cudaStreamDestroy(stream));
    CHECK_CUDA(cudaFree(x_device));
    CHECK_CUDA(cudaFree(y_device));
}

}  // namespace

int main() {
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
        return skip_without_cuda("test_cuda_launch",
                                 std::string("no CUDA device: ") + cudaGetErrorString(cudaGetLastError()));
    }
    test_results();
    test_dynamic_shared_and_limits();
    test_graph_replay();
    return finish("test_cuda_launch");
}
