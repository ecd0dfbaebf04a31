// Turning CUDA runtime errors into qrt::Error, for the .cu files of the CUDA backend.
#pragma once

#include <cuda_runtime.h>

#include "core/error.h"

namespace qrt::cuda {

// Out-of-memory keeps its own status so callers can react (e.g. shrink a KV cache); anything else is a
// device error. `what` names the operation, e.g. "qrt_malloc: cudaMalloc of 4096 bytes on cuda:0".
[[noreturn]] inline void throw_cuda_error(cudaError_t error, const std::string& what) {
    const qrt_status status = error == cudaErrorMemoryAllocation ? QRT_STATUS_OUT_OF_MEMORY : QRT_STATUS_DEVICE_ERROR;
    throw Error(status, concat(what, " failed: ", cudaGetErrorName(error), " (", cudaGetErrorString(error), ")"));
}

inline void check_cuda(cudaError_t error, const std::string& what) {
    if (error != cudaSuccess) throw_cuda_error(error, what);
}

// Makes `ordinal` the calling thread's current device for a scope and restores the previous one.
class DeviceScope {
public:
    explicit DeviceScope(int ordinal) {
        check_cuda(cudaGetDevice(&previous_), "cudaGetDevice");
        if (previous_ != ordinal) check_cuda(cudaSetDevice(ordinal), concat("cudaSetDevice(", ordinal, ")"));
    }
    ~DeviceScope() { cudaSetDevice(previous_); }
    DeviceScope(const DeviceScope&) = delete;
    DeviceScope& operator=(const DeviceScope&) = delete;

private:
    int previous_ = 0;
};

}  // namespace qrt::cuda
