// Kernel launches that compile both with nvcc and in the CUDA emulator: `kernel<<<grid, block, shared, stream>>>`
// under nvcc, the emulator's scheduler on the CPU otherwise. Every launch goes through QRT_LAUNCH, so the emulator
// knows each kernel's name for its messages and statistics.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <utility>

#if defined(QRT_CUDA_EMULATOR)
#  include "qrt_emulator/launch.h"
#endif

namespace qrt::cuda {

// The grid, block and dynamic shared memory of a launch. co_resident: every block waits on others (cross-block
// locks); the emulator then runs all blocks at once, and refuses a grid an H100 could not hold resident. Under nvcc
// such a kernel must size its grid itself (cudaOccupancyMaxActiveBlocksPerMultiprocessor).
struct LaunchShape {
    dim3 grid;
    dim3 block;
    size_t dynamic_shared_bytes = 0;
    bool co_resident = false;
};

template <class... Params, class... Args>
void launch_kernel(const char* name, void (*kernel)(Params...), const LaunchShape& shape, cudaStream_t stream,
                   Args&&... args) {
#if defined(QRT_CUDA_EMULATOR)
    ::qrt::emu::launch_kernel(stream,
                              ::qrt::emu::KernelLaunch{name, reinterpret_cast<const void*>(kernel), shape.grid,
                                                       shape.block, shape.dynamic_shared_bytes, shape.co_resident},
                              [kernel, args...]() { kernel(static_cast<Params>(args)...); });
#else
    (void)name;
    kernel<<<shape.grid, shape.block, shape.dynamic_shared_bytes, stream>>>(std::forward<Args>(args)...);
#endif
}

}  // namespace qrt::cuda

// QRT_LAUNCH(kernel, shape, stream, args...); a template kernel goes in parentheses: QRT_LAUNCH((k<T>), ...).
#define QRT_LAUNCH(kernel, shape, stream, ...) ::qrt::cuda::launch_kernel(#kernel, kernel, shape, stream, __VA_ARGS__)

// QRT_UNROLL before a loop with a constant trip count: nvcc unrolls it completely, so that arrays indexed by its
// counter (accumulator fragments) stay in registers instead of local memory. The emulator's host compiler needs
// no such hint.
#if defined(QRT_CUDA_EMULATOR)
#  define QRT_UNROLL
#else
#  define QRT_UNROLL _Pragma("unroll")
#endif
