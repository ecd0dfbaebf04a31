// The CUDA emulator's cuda_runtime.h: the part of the CUDA runtime API that Qrt uses, on host memory, with one
// emulated device (an H100, sm_90). A .cu file compiled as C++ against this header sees the same names nvcc gives
// it: the dialect (qrt_emulator/dialect.h), the vector types and these runtime calls.
//
// Only what is implemented is declared: a call the emulator does not provide fails to compile, rather than doing
// nothing. Names and numeric values are CUDA's. How the emulation differs from a GPU:
//   - work on a stream runs when it is enqueued, in order, and is finished when the call returns; so streams never
//     report cudaErrorNotReady, and events record the host time at which they were reached;
//   - device memory is host memory under a limit (QRT_EMULATOR_MEMORY, default 8 GiB), filled with 0xFF bytes when
//     allocated so that a kernel reading memory nobody wrote sees NaNs, not zeros; a copy or memset whose device
//     range is not inside one live allocation is refused with cudaErrorInvalidValue;
//   - a kernel fault (see qrt_emulator/execution.h) is sticky, like a GPU's context error: every later call that
//     needs the device returns cudaErrorLaunchFailure, and cudaGetErrorString(cudaErrorLaunchFailure) gives the
//     fault's message (kernel, block, thread, address). A graph replaying a copy into memory freed since its
//     capture faults the same way, with cudaErrorIllegalAddress. qrt::emu::clear_sticky_error()
//     (qrt_emulator/runtime.h) lets tests go on after a fault they provoked;
//   - cudaGetErrorString of an error this thread received last gives the emulator's explanation when it has one
//     (which limit a launch broke, which capture rule a call broke), and CUDA's description otherwise.
#pragma once

#include <cstddef>
#include <memory>

#include "qrt_emulator/dialect.h"
#include "qrt_emulator/vector_types.h"

// The CUDA version whose runtime API the emulator models (12.4).
#define CUDART_VERSION 12040

// ---- Errors -----------------------------------------------------------------------------------------------------

enum cudaError {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorInitializationError = 3,
    cudaErrorInvalidConfiguration = 9,
    cudaErrorInvalidMemcpyDirection = 21,
    cudaErrorInvalidDeviceFunction = 98,
    cudaErrorNoDevice = 100,
    cudaErrorInvalidDevice = 101,
    cudaErrorInvalidResourceHandle = 400,
    cudaErrorIllegalState = 401,
    cudaErrorNotReady = 600,
    cudaErrorIllegalAddress = 700,
    cudaErrorLaunchOutOfResources = 701,
    cudaErrorLaunchFailure = 719,
    cudaErrorCooperativeLaunchTooLarge = 720,
    cudaErrorNotSupported = 801,
    cudaErrorStreamCaptureUnsupported = 900,
    cudaErrorStreamCaptureInvalidated = 901,
    cudaErrorStreamCaptureImplicit = 906,
    cudaErrorStreamCaptureWrongThread = 908,
    cudaErrorUnknown = 999,
};
typedef enum cudaError cudaError_t;

// "cudaErrorInvalidValue"; "cudaErrorUnknown" for a value that is not an error code.
const char* cudaGetErrorName(cudaError_t error);
// CUDA's description of `error`, or the emulator's message for it (see above).
const char* cudaGetErrorString(cudaError_t error);
// The calling thread's last error, reset to cudaSuccess (a sticky fault is returned and stays).
cudaError_t cudaGetLastError();
// The calling thread's last error, left as it is.
cudaError_t cudaPeekAtLastError();

// ---- Device -----------------------------------------------------------------------------------------------------

// The fields of CUDA's cudaDeviceProp that the emulated device fills in (an H100 SXM's figures, memory excepted).
struct cudaDeviceProp {
    char name[256];
    size_t totalGlobalMem;              // the emulated memory limit
    size_t sharedMemPerBlock;           // 48 KiB without opting in
    size_t sharedMemPerBlockOptin;      // 227 KiB with cudaFuncAttributeMaxDynamicSharedMemorySize
    size_t sharedMemPerMultiprocessor;  // 228 KiB
    size_t reservedSharedMemPerBlock;   // 1 KiB the hardware keeps per resident block
    size_t totalConstMem;
    int regsPerBlock;
    int regsPerMultiprocessor;
    int warpSize;
    int maxThreadsPerBlock;
    int maxThreadsDim[3];
    int maxGridSize[3];
    int maxThreadsPerMultiProcessor;
    int maxBlocksPerMultiProcessor;
    int multiProcessorCount;
    int major;
    int minor;
    int l2CacheSize;
    int memoryBusWidth;
    int concurrentKernels;
    int cooperativeLaunch;
    int unifiedAddressing;
    int integrated;
};

// 1: the emulated device.
cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* properties, int device);
// Both report CUDART_VERSION: the emulator is its own driver.
cudaError_t cudaDriverGetVersion(int* version);
cudaError_t cudaRuntimeGetVersion(int* version);
// Work is finished when it is enqueued, so this only checks for a sticky fault and an active capture.
cudaError_t cudaDeviceSynchronize();

// ---- Memory -----------------------------------------------------------------------------------------------------

enum cudaMemcpyKind {
    cudaMemcpyHostToHost = 0,
    cudaMemcpyHostToDevice = 1,
    cudaMemcpyDeviceToHost = 2,
    cudaMemcpyDeviceToDevice = 3,
    cudaMemcpyDefault = 4,
};

// 256-byte aligned; 0 bytes gives NULL. Over the memory limit: cudaErrorMemoryAllocation.
cudaError_t cudaMalloc(void** pointer, size_t bytes);
template <class T>
cudaError_t cudaMalloc(T** pointer, size_t bytes) {
    return cudaMalloc(reinterpret_cast<void**>(pointer), bytes);
}
cudaError_t cudaFree(void* pointer);
// Free and total bytes against the memory limit.
cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes);

typedef struct CUstream_st* cudaStream_t;

cudaError_t cudaMemcpy(void* destination, const void* source, size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void* destination, const void* source, size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t stream = 0);
cudaError_t cudaMemset(void* destination, int value, size_t bytes);
cudaError_t cudaMemsetAsync(void* destination, int value, size_t bytes, cudaStream_t stream = 0);

// ---- Streams and events -------------------------------------------------------------------------------------------

#define cudaStreamDefault 0x00
#define cudaStreamNonBlocking 0x01

cudaError_t cudaStreamCreate(cudaStream_t* stream);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int flags);
cudaError_t cudaStreamDestroy(cudaStream_t stream);
cudaError_t cudaStreamSynchronize(cudaStream_t stream);
// cudaSuccess: an emulated stream has no work outstanding.
cudaError_t cudaStreamQuery(cudaStream_t stream);

typedef struct CUevent_st* cudaEvent_t;

#define cudaEventDefault 0x00
#define cudaEventBlockingSync 0x01
#define cudaEventDisableTiming 0x02

cudaError_t cudaEventCreate(cudaEvent_t* event);
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int flags);
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream = 0);
cudaError_t cudaEventSynchronize(cudaEvent_t event);
cudaError_t cudaEventQuery(cudaEvent_t event);
// Milliseconds between two recorded events (host time at which the stream reached each).
cudaError_t cudaEventElapsedTime(float* milliseconds, cudaEvent_t start, cudaEvent_t end);
cudaError_t cudaEventDestroy(cudaEvent_t event);

// ---- Kernels ------------------------------------------------------------------------------------------------------

enum cudaFuncAttribute {
    cudaFuncAttributeMaxDynamicSharedMemorySize = 8,
};

// Keyed by the kernel's function pointer; launches of that kernel read it (up to 227 KiB of dynamic shared memory).
cudaError_t cudaFuncSetAttribute(const void* kernel, cudaFuncAttribute attribute, int value);
template <class T>
cudaError_t cudaFuncSetAttribute(T* kernel, cudaFuncAttribute attribute, int value) {
    return cudaFuncSetAttribute(reinterpret_cast<const void*>(kernel), attribute, value);
}

// Blocks of `block_size` threads with `dynamic_shared_bytes` that fit on one SM of an H100, from its limits on
// threads (2048), blocks (32) and shared memory (228 KiB, 1 KiB reserved per block). The emulator does not know a
// kernel's registers or static shared memory before it runs, so it counts neither: a GPU may fit fewer.
cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int* blocks, const void* kernel, int block_size,
                                                          size_t dynamic_shared_bytes);
template <class T>
cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int* blocks, T* kernel, int block_size,
                                                          size_t dynamic_shared_bytes) {
    return cudaOccupancyMaxActiveBlocksPerMultiprocessor(blocks, reinterpret_cast<const void*>(kernel), block_size,
                                                         dynamic_shared_bytes);
}

// ---- Stream capture and graphs ------------------------------------------------------------------------------------
//
// While a stream captures, the copies, memsets, kernel launches and event records enqueued on it are recorded, not
// run; cudaGraphLaunch replays them in order on its stream. Kernel arguments are taken when the launch is captured,
// as a graph's kernel node takes them. Calls that would break a capture fail as on CUDA and invalidate it:
//   - synchronizing or querying the capturing stream, or the whole device: cudaErrorStreamCaptureUnsupported;
//   - in the Global and ThreadLocal modes, cudaMalloc, cudaFree, cudaMemcpy and cudaMemset (synchronous) from a
//     thread the capture restricts: cudaErrorStreamCaptureUnsupported;
//   - work on the legacy default stream while a stream created without cudaStreamNonBlocking captures:
//     cudaErrorStreamCaptureImplicit;
// and work enqueued on an invalidated capture returns cudaErrorStreamCaptureInvalidated, as does its EndCapture.

enum cudaStreamCaptureMode {
    cudaStreamCaptureModeGlobal = 0,
    cudaStreamCaptureModeThreadLocal = 1,
    cudaStreamCaptureModeRelaxed = 2,
};

enum cudaStreamCaptureStatus {
    cudaStreamCaptureStatusNone = 0,
    cudaStreamCaptureStatusActive = 1,
    cudaStreamCaptureStatusInvalidated = 2,
};

typedef struct CUgraph_st* cudaGraph_t;
typedef struct CUgraphExec_st* cudaGraphExec_t;

cudaError_t cudaStreamBeginCapture(cudaStream_t stream, cudaStreamCaptureMode mode);
cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* graph);
cudaError_t cudaStreamIsCapturing(cudaStream_t stream, cudaStreamCaptureStatus* status);
// CUDA 12's signature. CUDA 11 took (exec, graph, error node, log, log size): code that must build with both uses
// cudaGraphInstantiateWithFlags. No flag is supported: any non-zero flags give cudaErrorInvalidValue.
cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long flags = 0);
cudaError_t cudaGraphInstantiateWithFlags(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long flags);
cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t stream);
cudaError_t cudaGraphDestroy(cudaGraph_t graph);
cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec);
