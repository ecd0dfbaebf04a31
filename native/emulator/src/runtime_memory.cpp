// Device memory of the emulated runtime: host allocations under the memory limit, and the copies and memsets on
// them. Every device range a copy or memset names must lie inside one live allocation: the check a GPU would make
// only by faulting, made here before any byte moves (and again when a graph replays the copy).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>
#include <new>
#include <string>

#include "runtime_state.h"

namespace qrt::emu::runtime {
namespace {

constexpr size_t kAlignment = 256;
// Fresh device memory reads as NaN in every float format.
constexpr unsigned char kFreshByte = 0xFF;

std::mutex g_memory_mutex;
std::map<uintptr_t, size_t> g_allocations;  // start -> bytes
size_t g_used = 0;

std::string pointer_text(const void* pointer) {
    char text[32];
    std::snprintf(text, sizeof text, "%p", pointer);
    return text;
}

// Whether [pointer, pointer + bytes) lies inside one live allocation.
bool inside_allocation(const void* pointer, size_t bytes) {
    const auto address = reinterpret_cast<uintptr_t>(pointer);
    std::lock_guard<std::mutex> lock(g_memory_mutex);
    auto after = g_allocations.upper_bound(address);
    if (after == g_allocations.begin()) return false;
    const auto& [start, size] = *std::prev(after);
    return address - start <= size && bytes <= size - (address - start);
}

bool is_device_memory(const void* pointer) { return inside_allocation(pointer, 1); }

// Why a device range is refused, or "" when it lies inside one allocation.
std::string device_range_problem(const char* call, const char* role, const void* pointer, size_t bytes) {
    if (inside_allocation(pointer, bytes)) return {};
    return std::string(call) + ": " + role + " " + pointer_text(pointer) + " + " + std::to_string(bytes) +
           " bytes is not inside one live allocation of the emulated device";
}

// Checks a copy's pointers for its kind; returns the problem, or "".
std::string copy_problem(const char* call, void* destination, const void* source, size_t bytes, cudaMemcpyKind kind) {
    if (destination == nullptr || source == nullptr) return std::string(call) + ": a NULL pointer";
    const bool device_destination = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice ||
                                    (kind == cudaMemcpyDefault && is_device_memory(destination));
    const bool device_source = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice ||
                               (kind == cudaMemcpyDefault && is_device_memory(source));
    std::string problem;
    if (device_destination) problem = device_range_problem(call, "destination", destination, bytes);
    if (problem.empty() && device_source) problem = device_range_problem(call, "source", source, bytes);
    return problem;
}

cudaError_t copy(const char* call, void* destination, const void* source, size_t bytes, cudaMemcpyKind kind,
                 cudaStream_t stream) {
    if (kind < cudaMemcpyHostToHost || kind > cudaMemcpyDefault) {
        return fail(
            cudaErrorInvalidMemcpyDirection,
            std::string(call) + ": kind " + std::to_string(static_cast<int>(kind)) + " is not a cudaMemcpyKind");
    }
    if (bytes == 0) return submit(stream, call, [] { return cudaSuccess; });
    const std::string problem = copy_problem(call, destination, source, bytes, kind);
    if (!problem.empty()) return fail(cudaErrorInvalidValue, problem);
    return submit(stream, call, [call, destination, source, bytes, kind] {
        // A graph may replay the copy after its memory was freed: a GPU faults there, and so does the emulator.
        const std::string replay_problem = copy_problem(call, destination, source, bytes, kind);
        if (!replay_problem.empty()) {
            set_sticky_fault(cudaErrorIllegalAddress, replay_problem);
            return fail(cudaErrorIllegalAddress);
        }
        std::memmove(destination, source, bytes);
        return cudaSuccess;
    });
}

cudaError_t fill(const char* call, void* destination, int value, size_t bytes, cudaStream_t stream) {
    if (bytes == 0) return submit(stream, call, [] { return cudaSuccess; });
    const std::string problem = destination == nullptr ? std::string(call) + ": destination is NULL"
                                                       : device_range_problem(call, "destination", destination, bytes);
    if (!problem.empty()) return fail(cudaErrorInvalidValue, problem);
    return submit(stream, call, [call, destination, value, bytes] {
        const std::string replay_problem = device_range_problem(call, "destination", destination, bytes);
        if (!replay_problem.empty()) {
            set_sticky_fault(cudaErrorIllegalAddress, replay_problem);
            return fail(cudaErrorIllegalAddress);
        }
        std::memset(destination, value, bytes);
        return cudaSuccess;
    });
}

}  // namespace
}  // namespace qrt::emu::runtime

using namespace qrt::emu::runtime;

cudaError_t cudaMalloc(void** pointer, size_t bytes) {
    if (pointer == nullptr) return fail(cudaErrorInvalidValue, "cudaMalloc: pointer is NULL");
    *pointer = nullptr;
    if (const cudaError_t error = device_unusable()) return error;
    if (const cudaError_t error = check_unsafe_during_capture("cudaMalloc")) return error;
    if (bytes == 0) return cudaSuccess;
    const size_t limit = memory_setting().bytes;
    {
        std::lock_guard<std::mutex> lock(g_memory_mutex);
        if (bytes > limit - g_used) {
            return fail(cudaErrorMemoryAllocation,
                        "cudaMalloc of " + std::to_string(bytes) + " bytes: " + std::to_string(g_used) + " of the " +
                            std::to_string(limit) + " bytes of the emulated device are in use (QRT_EMULATOR_MEMORY)");
        }
        g_used += bytes;  // reserved now, so that concurrent allocations cannot overshoot the limit together
    }
    void* memory = ::operator new (bytes, std::align_val_t{kAlignment}, std::nothrow);
    if (memory == nullptr) {
        std::lock_guard<std::mutex> lock(g_memory_mutex);
        g_used -= bytes;
        return fail(cudaErrorMemoryAllocation,
                    "cudaMalloc of " + std::to_string(bytes) + " bytes: the host has no memory for it");
    }
    std::memset(memory, kFreshByte, bytes);
    {
        std::lock_guard<std::mutex> lock(g_memory_mutex);
        g_allocations.emplace(reinterpret_cast<uintptr_t>(memory), bytes);
    }
    *pointer = memory;
    return cudaSuccess;
}

cudaError_t cudaFree(void* pointer) {
    if (pointer == nullptr) return cudaSuccess;
    if (const cudaError_t error = check_unsafe_during_capture("cudaFree")) return error;
    {
        std::lock_guard<std::mutex> lock(g_memory_mutex);
        const auto found = g_allocations.find(reinterpret_cast<uintptr_t>(pointer));
        if (found == g_allocations.end()) {
            return fail(cudaErrorInvalidValue, "cudaFree(" + pointer_text(pointer) +
                                                   "): not a pointer that cudaMalloc returned, or already freed");
        }
        g_used -= found->second;
        g_allocations.erase(found);
    }
    ::operator delete (pointer, std::align_val_t{kAlignment});
    // Memory goes back even after a sticky fault, which is then reported.
    return device_unusable();
}

cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes) {
    if (const cudaError_t error = device_unusable()) return error;
    if (free_bytes == nullptr || total_bytes == nullptr) return fail(cudaErrorInvalidValue, "cudaMemGetInfo: NULL");
    const size_t limit = memory_setting().bytes;
    std::lock_guard<std::mutex> lock(g_memory_mutex);
    *free_bytes = limit - g_used;
    *total_bytes = limit;
    return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* destination, const void* source, size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t stream) {
    return copy("cudaMemcpyAsync", destination, source, bytes, kind, stream);
}

cudaError_t cudaMemcpy(void* destination, const void* source, size_t bytes, cudaMemcpyKind kind) {
    if (const cudaError_t error = device_unusable()) return error;
    if (const cudaError_t error = check_unsafe_during_capture("cudaMemcpy")) return error;
    return copy("cudaMemcpy", destination, source, bytes, kind, nullptr);
}

cudaError_t cudaMemsetAsync(void* destination, int value, size_t bytes, cudaStream_t stream) {
    return fill("cudaMemsetAsync", destination, value, bytes, stream);
}

cudaError_t cudaMemset(void* destination, int value, size_t bytes) {
    if (const cudaError_t error = device_unusable()) return error;
    if (const cudaError_t error = check_unsafe_during_capture("cudaMemset")) return error;
    return fill("cudaMemset", destination, value, bytes, nullptr);
}
