// Helpers for the CUDA tests that call the CUDA runtime themselves (those built by qrt_add_cuda_test, whose kernels
// live in .cu files beside them): a checked call, and device copies of host vectors.
#pragma once

#include <cuda_runtime.h>

#include <vector>

#include "test_util.h"

// Checks that a CUDA runtime call returned cudaSuccess.
#define CHECK_CUDA(call) QRT_CHECK((call) == cudaSuccess)

namespace qrt_test {

// Device memory holding a copy of `host` (the caller frees it with cudaFree).
template <class T>
T* device_copy(const std::vector<T>& host) {
    T* device = nullptr;
    CHECK_CUDA(cudaMalloc(&device, host.size() * sizeof(T)));
    CHECK_CUDA(cudaMemcpy(device, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
    return device;
}

// The first `count` elements of device memory, copied back.
template <class T>
std::vector<T> host_copy(const T* device, size_t count) {
    std::vector<T> host(count);
    CHECK_CUDA(cudaMemcpy(host.data(), device, count * sizeof(T), cudaMemcpyDeviceToHost));
    return host;
}

}  // namespace qrt_test
