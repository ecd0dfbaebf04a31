// Devices, memory and streams of the CUDA backend.
#include <cstdio>
#include <cstring>
#include <string>

#include "cuda/cuda_backend.h"
#include "cuda/cuda_check.h"

#if defined(QRT_CUDA_EMULATOR)
#  include "qrt_emulator/runtime.h"
#endif

namespace qrt::cuda {
namespace {

// "12.4" from 12040. (The emulator describes itself and has no use for it.)
[[maybe_unused]] std::string version_string(int version) { return concat(version / 1000, ".", (version % 1000) / 10); }

// What the driver reports, asked once per process: devices do not come and go under a running process.
struct DeviceScan {
    int count = 0;
    std::string detail;
};

// What runs the CUDA code: the toolkit's runtime on the driver, or the emulator on the CPU.
std::string runtime_name() {
#if defined(QRT_CUDA_EMULATOR)
    return ::qrt::emu::runtime_description();
#else
    // The runtime is linked statically, so its version is the one this file was compiled against.
    const int runtime = CUDART_VERSION;
    int driver = 0;
    cudaDriverGetVersion(&driver);  // leaves 0 when no driver is installed
    return concat("CUDA runtime ", version_string(runtime), ", ",
                  driver == 0 ? std::string("no driver") : concat("driver ", version_string(driver)));
#endif
}

DeviceScan scan_devices() {
    DeviceScan scan;
    const std::string runtime = runtime_name();
    const cudaError_t error = cudaGetDeviceCount(&scan.count);
    if (error != cudaSuccess) {
        cudaGetLastError();  // clear the (non-sticky) error so later calls start clean
        scan.count = 0;
        scan.detail =
            concat(runtime, "; no usable device: ", cudaGetErrorName(error), " (", cudaGetErrorString(error), ")");
        return scan;
    }
    scan.detail = concat(runtime, ", ", scan.count, " device(s)");
    return scan;
}

const DeviceScan& devices() {
    static const DeviceScan scan = scan_devices();
    return scan;
}

}  // namespace

void fill_backend_info(qrt_backend_info* info) {
    std::memset(info, 0, sizeof *info);
    info->compiled = 1;
    info->device_count = devices().count;
    std::snprintf(info->detail, sizeof info->detail, "%s", devices().detail.c_str());
}

int device_count() { return devices().count; }

void fill_device_info(int ordinal, qrt_device_info* info) {
    cudaDeviceProp properties;
    check_cuda(cudaGetDeviceProperties(&properties, ordinal), concat("cudaGetDeviceProperties(", ordinal, ")"));
    DeviceScope scope(ordinal);
    size_t free_bytes = 0;
    size_t total_bytes = 0;
    check_cuda(cudaMemGetInfo(&free_bytes, &total_bytes), concat("cudaMemGetInfo on cuda:", ordinal));
    std::memset(info, 0, sizeof *info);
    info->device.backend = QRT_BACKEND_CUDA;
    info->device.ordinal = ordinal;
    std::snprintf(info->name, sizeof info->name, "%s", properties.name);
    info->compute_capability_major = properties.major;
    info->compute_capability_minor = properties.minor;
    info->multiprocessor_count = properties.multiProcessorCount;
    info->total_memory_bytes = total_bytes;
    info->free_memory_bytes = free_bytes;
}

void* allocate(int ordinal, size_t bytes) {
    DeviceScope scope(ordinal);
    void* ptr = nullptr;
    // cudaMalloc(0) succeeds with NULL; the ABI promises a valid pointer, so take one allocation unit.
    const cudaError_t error = cudaMalloc(&ptr, bytes == 0 ? 256 : bytes);
    if (error != cudaSuccess) {
        cudaGetLastError();
        size_t free_bytes = 0;
        size_t total_bytes = 0;
        cudaMemGetInfo(&free_bytes, &total_bytes);
        throw_cuda_error(error, concat("qrt_malloc: cudaMalloc of ", bytes, " bytes on cuda:", ordinal, " (",
                                       free_bytes, " of ", total_bytes, " bytes free)"));
    }
    return ptr;
}

void release(int ordinal, void* ptr) {
    DeviceScope scope(ordinal);
    check_cuda(cudaFree(ptr), concat("qrt_free: cudaFree on cuda:", ordinal));
}

void* stream_create(int ordinal) {
    DeviceScope scope(ordinal);
    cudaStream_t stream = nullptr;
    // Non-blocking: the stream does not serialise with the legacy default stream other libraries may use.
    check_cuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking),
               concat("qrt_stream_create: cudaStreamCreateWithFlags on cuda:", ordinal));
    return stream;
}

void stream_destroy(int ordinal, void* stream) {
    DeviceScope scope(ordinal);
    const cudaError_t pending = cudaStreamSynchronize(static_cast<cudaStream_t>(stream));
    const cudaError_t destroyed = cudaStreamDestroy(static_cast<cudaStream_t>(stream));
    check_cuda(pending, "qrt_stream_destroy: waiting for outstanding work");
    check_cuda(destroyed, "qrt_stream_destroy: cudaStreamDestroy");
}

void stream_synchronize(int ordinal, void* stream) {
    DeviceScope scope(ordinal);
    check_cuda(cudaStreamSynchronize(static_cast<cudaStream_t>(stream)),
               concat("qrt_stream_synchronize on cuda:", ordinal));
}

void copy_async(int ordinal, void* stream, void* dst, const void* src, size_t bytes, CopyDirection direction) {
    DeviceScope scope(ordinal);
    const cudaMemcpyKind kind = direction == CopyDirection::HostToDevice   ? cudaMemcpyHostToDevice
                                : direction == CopyDirection::DeviceToHost ? cudaMemcpyDeviceToHost
                                                                           : cudaMemcpyDeviceToDevice;
    check_cuda(cudaMemcpyAsync(dst, src, bytes, kind, static_cast<cudaStream_t>(stream)),
               concat("qrt_memcpy: cudaMemcpyAsync of ", bytes, " bytes on cuda:", ordinal));
}

void fill_async(int ordinal, void* stream, void* dst, unsigned char value, size_t bytes) {
    DeviceScope scope(ordinal);
    check_cuda(cudaMemsetAsync(dst, value, bytes, static_cast<cudaStream_t>(stream)),
               concat("qrt_memset: cudaMemsetAsync of ", bytes, " bytes on cuda:", ordinal));
}

// Thread-local rather than global or relaxed: only calls made by the capturing thread are checked, so other threads
// (a loader allocating another model's weights, another stream's eager work) keep working while a decode step is
// captured; and unlike relaxed mode, a cudaMalloc or cudaFree on the capturing thread is refused instead of running
// once at capture time while the graph replays without it.
void stream_begin_capture(int ordinal, void* stream) {
    DeviceScope scope(ordinal);
    check_cuda(cudaStreamBeginCapture(static_cast<cudaStream_t>(stream), cudaStreamCaptureModeThreadLocal),
               concat("qrt_stream_begin_capture: cudaStreamBeginCapture on cuda:", ordinal));
}

void* stream_end_capture(int ordinal, void* stream) {
    DeviceScope scope(ordinal);
    cudaGraph_t graph = nullptr;
    const cudaError_t ended = cudaStreamEndCapture(static_cast<cudaStream_t>(stream), &graph);
    if (ended != cudaSuccess) {
        cudaGetLastError();  // the capture's error is not sticky: leave the stream clean for eager work
        if (graph != nullptr) cudaGraphDestroy(graph);
        throw_cuda_error(ended, concat("qrt_stream_end_capture: cudaStreamEndCapture on cuda:", ordinal,
                                       " (an op or call during the capture broke it)"));
    }
    cudaGraphExec_t exec = nullptr;
    // WithFlags: the one spelling CUDA 11.8 and 12+ share (cudaGraphInstantiate changed its parameters in 12.0).
    const cudaError_t instantiated = cudaGraphInstantiateWithFlags(&exec, graph, 0);
    // The executable graph is a copy; the graph itself is no longer needed.
    cudaGraphDestroy(graph);
    if (instantiated != cudaSuccess) {
        cudaGetLastError();
        throw_cuda_error(instantiated, concat("qrt_stream_end_capture: cudaGraphInstantiateWithFlags on cuda:", ordinal));
    }
    return exec;
}

void stream_abandon_capture(int ordinal, void* stream) noexcept {
    int previous = 0;
    cudaGetDevice(&previous);
    cudaSetDevice(ordinal);
    cudaGraph_t graph = nullptr;
    if (cudaStreamEndCapture(static_cast<cudaStream_t>(stream), &graph) == cudaSuccess && graph != nullptr) {
        cudaGraphDestroy(graph);
    }
    cudaGetLastError();
    cudaSetDevice(previous);
}

void graph_launch(int ordinal, void* stream, void* graph) {
    DeviceScope scope(ordinal);
    check_cuda(cudaGraphLaunch(static_cast<cudaGraphExec_t>(graph), static_cast<cudaStream_t>(stream)),
               concat("qrt_graph_launch: cudaGraphLaunch on cuda:", ordinal));
}

void graph_destroy(int ordinal, void* graph) {
    DeviceScope scope(ordinal);
    // A graph still running finishes first: CUDA frees an executable graph in flight when it completes.
    check_cuda(cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(graph)),
               concat("qrt_graph_destroy: cudaGraphExecDestroy on cuda:", ordinal));
}

}  // namespace qrt::cuda
