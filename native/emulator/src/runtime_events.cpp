// Events of the emulated runtime. Work is done when it is enqueued, so an event records the host time at which its
// stream reached it; elapsed times are host times between two records, which is what the emulator's work took.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "runtime_streams.h"

struct CUevent_st {
    unsigned flags = cudaEventDefault;
    bool recorded = false;
    std::chrono::steady_clock::time_point time;
};

namespace qrt::emu::runtime {
namespace {

std::mutex g_events_mutex;
std::unordered_map<CUevent_st*, std::unique_ptr<CUevent_st>> g_events;

std::string not_an_event(const char* call) {
    return std::string(call) + ": the event is not one that cudaEventCreate made, or it was destroyed";
}

}  // namespace
}  // namespace qrt::emu::runtime

using namespace qrt::emu::runtime;

cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int flags) {
    if (const cudaError_t error = device_unusable()) return error;
    if (event == nullptr) return fail(cudaErrorInvalidValue, "cudaEventCreateWithFlags: event is NULL");
    if ((flags & ~static_cast<unsigned>(cudaEventBlockingSync | cudaEventDisableTiming)) != 0) {
        return fail(cudaErrorInvalidValue,
                    "cudaEventCreateWithFlags: flags " + std::to_string(flags) +
                        " are not a combination of cudaEventBlockingSync and cudaEventDisableTiming");
    }
    auto made = std::make_unique<CUevent_st>();
    made->flags = flags;
    std::lock_guard<std::mutex> lock(g_events_mutex);
    *event = made.get();
    g_events.emplace(made.get(), std::move(made));
    return cudaSuccess;
}

cudaError_t cudaEventCreate(cudaEvent_t* event) { return cudaEventCreateWithFlags(event, cudaEventDefault); }

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
    {
        std::lock_guard<std::mutex> lock(g_events_mutex);
        if (g_events.count(event) == 0) return fail(cudaErrorInvalidResourceHandle, not_an_event("cudaEventRecord"));
    }
    // Recorded into a capture, the record happens at each replay; an event destroyed by then is left alone.
    return submit(stream, "cudaEventRecord", [event] {
        std::lock_guard<std::mutex> lock(g_events_mutex);
        const auto found = g_events.find(event);
        if (found != g_events.end()) {
            found->second->recorded = true;
            found->second->time = std::chrono::steady_clock::now();
        }
        return cudaSuccess;
    });
}

// An event's work is always complete: waiting on it only checks the handle and the device.
static cudaError_t check_event(cudaEvent_t event, const char* call) {
    if (const cudaError_t error = device_unusable()) return error;
    std::lock_guard<std::mutex> lock(g_events_mutex);
    if (g_events.count(event) == 0) return fail(cudaErrorInvalidResourceHandle, not_an_event(call));
    return cudaSuccess;
}

cudaError_t cudaEventSynchronize(cudaEvent_t event) { return check_event(event, "cudaEventSynchronize"); }

cudaError_t cudaEventQuery(cudaEvent_t event) { return check_event(event, "cudaEventQuery"); }

cudaError_t cudaEventElapsedTime(float* milliseconds, cudaEvent_t start, cudaEvent_t end) {
    if (const cudaError_t error = device_unusable()) return error;
    if (milliseconds == nullptr) return fail(cudaErrorInvalidValue, "cudaEventElapsedTime: milliseconds is NULL");
    std::lock_guard<std::mutex> lock(g_events_mutex);
    const auto first = g_events.find(start);
    const auto last = g_events.find(end);
    if (first == g_events.end() || last == g_events.end()) {
        return fail(cudaErrorInvalidResourceHandle, not_an_event("cudaEventElapsedTime"));
    }
    if (((first->second->flags | last->second->flags) & cudaEventDisableTiming) != 0) {
        return fail(cudaErrorInvalidResourceHandle,
                    "cudaEventElapsedTime: an event was created with cudaEventDisableTiming");
    }
    if (!first->second->recorded || !last->second->recorded) {
        return fail(cudaErrorInvalidResourceHandle, "cudaEventElapsedTime: an event has not been recorded");
    }
    const std::chrono::duration<float, std::milli> elapsed = last->second->time - first->second->time;
    *milliseconds = elapsed.count();
    return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t event) {
    {
        std::lock_guard<std::mutex> lock(g_events_mutex);
        if (g_events.erase(event) == 0) return fail(cudaErrorInvalidResourceHandle, not_an_event("cudaEventDestroy"));
    }
    return device_unusable();
}
