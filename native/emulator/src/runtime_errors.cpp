// Errors of the emulated CUDA runtime: names and descriptions, the calling thread's last error, and the sticky fault
// a kernel fault leaves behind.
#include <deque>
#include <mutex>
#include <string>

#include "qrt_emulator/runtime.h"
#include "runtime_state.h"

namespace qrt::emu::runtime {
namespace {

struct ErrorText {
    cudaError_t error;
    const char* name;
    const char* description;
};

// CUDA's names; the descriptions say what the error means here.
constexpr ErrorText kErrors[] = {
    {cudaSuccess, "cudaSuccess", "no error"},
    {cudaErrorInvalidValue, "cudaErrorInvalidValue", "invalid argument"},
    {cudaErrorMemoryAllocation, "cudaErrorMemoryAllocation", "out of memory"},
    {cudaErrorInitializationError, "cudaErrorInitializationError", "initialization error"},
    {cudaErrorInvalidConfiguration, "cudaErrorInvalidConfiguration", "invalid configuration argument"},
    {cudaErrorInvalidMemcpyDirection, "cudaErrorInvalidMemcpyDirection", "invalid copy direction for memcpy"},
    {cudaErrorInvalidDeviceFunction, "cudaErrorInvalidDeviceFunction", "invalid device function"},
    {cudaErrorNoDevice, "cudaErrorNoDevice", "no CUDA-capable device is detected"},
    {cudaErrorInvalidDevice, "cudaErrorInvalidDevice", "invalid device ordinal"},
    {cudaErrorInvalidResourceHandle, "cudaErrorInvalidResourceHandle", "invalid resource handle"},
    {cudaErrorIllegalState, "cudaErrorIllegalState", "the operation cannot be performed in the present state"},
    {cudaErrorNotReady, "cudaErrorNotReady", "device not ready"},
    {cudaErrorIllegalAddress, "cudaErrorIllegalAddress", "an illegal memory access was encountered"},
    {cudaErrorLaunchOutOfResources, "cudaErrorLaunchOutOfResources", "too many resources requested for launch"},
    {cudaErrorLaunchFailure, "cudaErrorLaunchFailure", "unspecified launch failure"},
    {cudaErrorCooperativeLaunchTooLarge, "cudaErrorCooperativeLaunchTooLarge", "too many blocks in cooperative launch"},
    {cudaErrorNotSupported, "cudaErrorNotSupported", "operation not supported"},
    {cudaErrorStreamCaptureUnsupported, "cudaErrorStreamCaptureUnsupported",
     "operation not permitted when stream is capturing"},
    {cudaErrorStreamCaptureInvalidated, "cudaErrorStreamCaptureInvalidated",
     "operation failed due to a previous error during capture"},
    {cudaErrorStreamCaptureImplicit, "cudaErrorStreamCaptureImplicit",
     "operation would make the legacy stream depend on a capturing blocking stream"},
    {cudaErrorStreamCaptureWrongThread, "cudaErrorStreamCaptureWrongThread",
     "attempt to terminate a thread-local capture sequence from another thread"},
    {cudaErrorUnknown, "cudaErrorUnknown", "unknown error"},
};

const ErrorText* find_error_text(cudaError_t error) {
    for (const ErrorText& text : kErrors) {
        if (text.error == error) return &text;
    }
    return nullptr;
}

// The calling thread's last error and the explanation of the last error it received that had one. The
// explanation outlives cudaGetLastError's reset, because callers ask for the string after taking the code.
thread_local cudaError_t t_last_error = cudaSuccess;
thread_local cudaError_t t_explained_error = cudaSuccess;
thread_local std::string t_explanation;

// The sticky fault. Its messages are kept for the life of the process: cudaGetErrorString hands out pointers
// into them, which must stay valid after a reset.
std::mutex g_sticky_mutex;
cudaError_t g_sticky = cudaSuccess;
std::deque<std::string> g_fault_messages;

}  // namespace

cudaError_t fail(cudaError_t error, const std::string& detail) {
    if (error == cudaSuccess) return error;
    t_last_error = error;
    if (!detail.empty()) {
        t_explained_error = error;
        t_explanation = detail;
    }
    return error;
}

void set_sticky_fault(cudaError_t error, const std::string& message) {
    std::lock_guard<std::mutex> lock(g_sticky_mutex);
    if (g_sticky != cudaSuccess) return;  // the first fault is the one to explain
    g_sticky = error;
    g_fault_messages.push_back(message);
}

cudaError_t device_unusable() {
    {
        std::lock_guard<std::mutex> lock(g_sticky_mutex);
        if (g_sticky != cudaSuccess) return fail(g_sticky);
    }
    const std::string& problem = memory_setting().problem;
    if (!problem.empty()) return fail(cudaErrorInitializationError, problem);
    return cudaSuccess;
}

}  // namespace qrt::emu::runtime

namespace qrt::emu {

void clear_sticky_error() {
    std::lock_guard<std::mutex> lock(runtime::g_sticky_mutex);
    runtime::g_sticky = cudaSuccess;
}

std::string sticky_error_message() {
    std::lock_guard<std::mutex> lock(runtime::g_sticky_mutex);
    return runtime::g_sticky != cudaSuccess ? runtime::g_fault_messages.back() : std::string();
}

}  // namespace qrt::emu

using namespace qrt::emu::runtime;

const char* cudaGetErrorName(cudaError_t error) {
    const ErrorText* text = find_error_text(error);
    return text != nullptr ? text->name : "cudaErrorUnknown";
}

const char* cudaGetErrorString(cudaError_t error) {
    {
        std::lock_guard<std::mutex> lock(g_sticky_mutex);
        if (g_sticky != cudaSuccess && error == g_sticky) return g_fault_messages.back().c_str();
    }
    if (error == t_explained_error && !t_explanation.empty()) return t_explanation.c_str();
    const ErrorText* text = find_error_text(error);
    return text != nullptr ? text->description : "unrecognized error code";
}

cudaError_t cudaGetLastError() {
    {
        std::lock_guard<std::mutex> lock(g_sticky_mutex);
        if (g_sticky != cudaSuccess) return g_sticky;
    }
    const cudaError_t error = t_last_error;
    t_last_error = cudaSuccess;
    return error;
}

cudaError_t cudaPeekAtLastError() {
    {
        std::lock_guard<std::mutex> lock(g_sticky_mutex);
        if (g_sticky != cudaSuccess) return g_sticky;
    }
    return t_last_error;
}
