// Kernel launches in the CUDA emulator: what qrt::cuda::launch_kernel (native/src/cuda/launch.cuh) calls in place of
// `kernel<<<grid, block, shared, stream>>>`.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <functional>

namespace qrt::emu {

struct KernelLaunch {
    const char* name;    // for messages and launch statistics
    const void* kernel;  // the kernel's function pointer: the key of its cudaFuncSetAttribute settings
    dim3 grid;
    dim3 block;
    size_t dynamic_shared_bytes;
    bool co_resident;  // every block must run at the same time as every other
};

// Checks the launch as CUDA does, then runs `body` once per thread of the grid on `stream` (or records the launch
// into the stream's capture). Nothing is thrown: a launch CUDA would refuse leaves its error for cudaGetLastError
// (cudaErrorInvalidConfiguration for the grid or block, cudaErrorInvalidValue for shared memory beyond the kernel's
// limit, cudaErrorCooperativeLaunchTooLarge for a co-resident grid an H100 cannot hold), and a kernel fault becomes
// the sticky cudaErrorLaunchFailure, whose cudaGetErrorString is the fault's message.
void launch_kernel(cudaStream_t stream, const KernelLaunch& launch, std::function<void()> body);

}  // namespace qrt::emu
