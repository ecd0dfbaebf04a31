// State the emulated CUDA runtime's files share: the calling thread's last error, the sticky fault, the device's
// settings, kernel attributes, and the submission of work to streams (which runs it, or records it into a capture).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <functional>
#include <string>

namespace qrt::emu::runtime {

// ---- Errors (runtime_errors.cpp) ------------------------------------------------------------------------------------

// Records `error` as the calling thread's last error, with the emulator's explanation when `detail` is not empty,
// and returns it. cudaSuccess is returned as it is.
cudaError_t fail(cudaError_t error, const std::string& detail = {});

// Makes a fault sticky, as a GPU's context error is: from now on, calls that need the device return `error`
// (cudaErrorLaunchFailure for a kernel fault, cudaErrorIllegalAddress for a copy into freed memory), and
// cudaGetErrorString(error) returns `message`.
void set_sticky_fault(cudaError_t error, const std::string& message);

// What a call that needs the device must return first: the sticky fault, the device's initialisation error, or
// cudaSuccess. A non-success value is also recorded as the thread's last error.
cudaError_t device_unusable();

// ---- Device (runtime_device.cpp) ---------------------------------------------------------------------------------

// QRT_EMULATOR_MEMORY, read once; `problem` explains a value that is not a size (then `bytes` is 0).
struct MemorySetting {
    size_t bytes = 0;
    std::string problem;
};
const MemorySetting& memory_setting();

// The dynamic shared memory a kernel may use: cudaFuncSetAttribute's value, or the 48 KiB default.
size_t max_dynamic_shared_bytes(const void* kernel);

// Blocks per SM for blocks of `threads` threads using `shared_bytes` of shared memory (the occupancy rule).
int resident_blocks_per_multiprocessor(unsigned threads, size_t shared_bytes);

// ---- Streams (runtime_streams.cpp) ---------------------------------------------------------------------------------

// One item of work on a stream: a copy, a memset, a kernel grid or an event record. It returns its error; it may be
// run now or, when its stream captures, later by cudaGraphLaunch (any number of times).
using Work = std::function<cudaError_t()>;

// Runs `work` on `stream` (0: the legacy default stream), or records it when the stream captures. `call` names the
// API call for messages. Checks the handle, the sticky fault and the capture rules first.
cudaError_t submit(cudaStream_t stream, const char* call, Work work);

// The capture rules for a call that is unsafe during capture (cudaMalloc, cudaFree, synchronous copies): returns
// cudaErrorStreamCaptureUnsupported (and invalidates the captures that forbid it) when the calling thread may not
// make it now, else cudaSuccess.
cudaError_t check_unsafe_during_capture(const char* call);

// The capture rule for work on the legacy default stream: cudaErrorStreamCaptureImplicit (invalidating the
// captures concerned) while a blocking stream captures, else cudaSuccess.
cudaError_t check_legacy_stream_use(const char* call);

}  // namespace qrt::emu::runtime
