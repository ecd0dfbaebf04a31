// Kernel launches through QRT_LAUNCH and shared memory through QRT_SHARED / QRT_DYNAMIC_SHARED (the kernels are in
// test_cuda_launch_kernels.cu), on whatever runs CUDA here: a GPU when nvcc built them, the emulator under
// QRT_CUDA=EMULATE. The same checks hold on both: results, the dynamic shared-memory opt-in, a refused block size,
// occupancy, and a launch recorded by a stream capture and replayed from the graph. Exits 77 (skipped) without a
// device.
#include <cstdio>
#include <vector>

#include "cuda_runtime_test_util.h"
#include "cuda_test_util.h"
#include "test_cuda_launch_kernels.h"

using namespace qrt_test;
using namespace launch_test;

namespace {

void test_results() {
    const int n = 1000;
    std::vector<float> x(n);
    for (int i = 0; i < n; ++i) x[i] = 0.5f * static_cast<float>(i);
    float* x_device = device_copy(x);
    float* y_device = device_copy(std::vector<float>(n, 0.0f));
    CHECK_CUDA(launch_scale_and_offset(nullptr, x_device, 3.0f, y_device, n, 4, 256));
    const std::vector<float> y = host_copy(y_device, n);
    int wrong = 0;
    for (int i = 0; i < n; ++i) wrong += y[i] != 3.0f * x[i] + static_cast<float>(i);
    QRT_CHECK(wrong == 0);

    std::vector<int> values(4 * 256);
    for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int>(i % 7) - 3;
    int* values_device = device_copy(values);
    int* totals_device = device_copy(std::vector<int>(4, 0));
    CHECK_CUDA(launch_block_totals(values_device, totals_device, 4));
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
    QRT_CHECK(launch_reverse_in_blocks(x_device, y_device, 2, 1024, opt_in) != cudaSuccess);
    CHECK_CUDA(allow_reverse_in_blocks_shared(opt_in));
    CHECK_CUDA(launch_reverse_in_blocks(x_device, y_device, 2, 1024, opt_in));
    const std::vector<int> y = host_copy(y_device, x.size());
    QRT_CHECK(y[0] == 1023 && y[1023] == 0 && y[1024] == 2047 && y[2047] == 1024);

    // A block of 1025 threads is refused.
    QRT_CHECK(launch_reverse_in_blocks(x_device, y_device, 1, 1025, 1025 * sizeof(int)) ==
              cudaErrorInvalidConfiguration);

    int blocks = 0;
    CHECK_CUDA(scale_and_offset_blocks_per_multiprocessor(&blocks, 256));
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
    CHECK_CUDA(launch_scale_and_offset(stream, x_device, 2.0f, y_device, n, 2, 256));
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
