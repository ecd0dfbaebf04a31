// Streams of the emulated runtime. Work runs on the calling thread when it is submitted, in submission order, so a
// stream is always idle between calls: synchronising only waits for work another thread is running on it.
#include <string>

#include "runtime_streams.h"

namespace qrt::emu::runtime {
namespace {

LiveStreams g_streams;
// Held while the legacy default stream runs an item.
std::mutex g_legacy_execution;

std::string not_a_stream(const char* call) {
    return std::string(call) + ": the stream is not one that cudaStreamCreate made, or it was destroyed";
}

}  // namespace

std::mutex& streams_mutex() {
    static std::mutex mutex;
    return mutex;
}

LiveStreams& live_streams_locked() { return g_streams; }

std::shared_ptr<CUstream_st> find_stream_locked(cudaStream_t stream) {
    const auto found = g_streams.find(stream);
    return found != g_streams.end() ? found->second : nullptr;
}

cudaError_t run_nodes(const GraphNodes& nodes) {
    for (const GraphNode& node : nodes) {
        if (const cudaError_t error = node.work()) return error;
    }
    return cudaSuccess;
}

cudaError_t submit(cudaStream_t stream, const char* call, Work work) {
    if (const cudaError_t error = device_unusable()) return error;
    if (stream == nullptr) {
        if (const cudaError_t error = check_legacy_stream_use(call)) return error;
        std::lock_guard<std::mutex> execution(g_legacy_execution);
        return fail(work());
    }
    std::shared_ptr<CUstream_st> live;
    {
        std::lock_guard<std::mutex> lock(streams_mutex());
        live = find_stream_locked(stream);
        if (live == nullptr) return fail(cudaErrorInvalidResourceHandle, not_a_stream(call));
        if (live->capture != nullptr) {
            if (live->capture->invalidated) {
                return fail(
                    cudaErrorStreamCaptureInvalidated,
                    std::string(call) + ": the stream's capture was invalidated by " + live->capture->invalidated_by);
            }
            live->capture->nodes.push_back(GraphNode{call, std::move(work)});
            return cudaSuccess;
        }
    }
    std::lock_guard<std::mutex> execution(live->execution);
    return fail(work());
}

}  // namespace qrt::emu::runtime

using namespace qrt::emu::runtime;

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int flags) {
    if (const cudaError_t error = device_unusable()) return error;
    if (stream == nullptr) return fail(cudaErrorInvalidValue, "cudaStreamCreateWithFlags: stream is NULL");
    if ((flags & ~static_cast<unsigned>(cudaStreamNonBlocking)) != 0) {
        return fail(cudaErrorInvalidValue, "cudaStreamCreateWithFlags: flags " + std::to_string(flags) +
                                               " are not cudaStreamDefault or cudaStreamNonBlocking");
    }
    auto created = std::make_shared<CUstream_st>();
    created->flags = flags;
    std::lock_guard<std::mutex> lock(streams_mutex());
    live_streams_locked().emplace(created.get(), created);
    *stream = created.get();
    return cudaSuccess;
}

cudaError_t cudaStreamCreate(cudaStream_t* stream) { return cudaStreamCreateWithFlags(stream, cudaStreamDefault); }

cudaError_t cudaStreamDestroy(cudaStream_t stream) {
    std::shared_ptr<CUstream_st> live;
    {
        std::lock_guard<std::mutex> lock(streams_mutex());
        live = find_stream_locked(stream);
        if (live == nullptr) return fail(cudaErrorInvalidResourceHandle, not_a_stream("cudaStreamDestroy"));
        // A capture in progress is abandoned with its stream.
        live_streams_locked().erase(stream);
    }
    // Work another thread runs on it finishes first; the stream is freed with the last reference. Its resources go
    // even after a sticky fault, which is then reported.
    { std::lock_guard<std::mutex> execution(live->execution); }
    return device_unusable();
}

// Synchronising or querying a capturing stream would wait on work that has not run: CUDA refuses it and
// invalidates the capture.
static cudaError_t wait_for_stream(cudaStream_t stream, const char* call) {
    if (const cudaError_t error = device_unusable()) return error;
    if (stream == nullptr) {
        if (const cudaError_t error = check_legacy_stream_use(call)) return error;
        std::lock_guard<std::mutex> execution(g_legacy_execution);
        return cudaSuccess;
    }
    std::shared_ptr<CUstream_st> live;
    {
        std::lock_guard<std::mutex> lock(streams_mutex());
        live = find_stream_locked(stream);
        if (live == nullptr) return fail(cudaErrorInvalidResourceHandle, not_a_stream(call));
        if (live->capture != nullptr) {
            invalidate_locked(*live->capture, call);
            return fail(cudaErrorStreamCaptureUnsupported,
                        std::string(call) + ": the stream is capturing (the capture is now invalidated)");
        }
    }
    std::lock_guard<std::mutex> execution(live->execution);
    return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t stream) { return wait_for_stream(stream, "cudaStreamSynchronize"); }

cudaError_t cudaStreamQuery(cudaStream_t stream) { return wait_for_stream(stream, "cudaStreamQuery"); }

cudaError_t cudaDeviceSynchronize() {
    if (const cudaError_t error = device_unusable()) return error;
    std::vector<std::shared_ptr<CUstream_st>> streams;
    {
        std::lock_guard<std::mutex> lock(streams_mutex());
        bool capturing = false;
        for (auto& [handle, live] : live_streams_locked()) {
            if (live->capture != nullptr) {
                invalidate_locked(*live->capture, "cudaDeviceSynchronize");
                capturing = true;
            }
            streams.push_back(live);
        }
        if (capturing) {
            return fail(cudaErrorStreamCaptureUnsupported,
                        "cudaDeviceSynchronize: a stream is capturing (its capture is now invalidated)");
        }
    }
    for (const auto& live : streams) {
        std::lock_guard<std::mutex> execution(live->execution);
    }
    std::lock_guard<std::mutex> execution(g_legacy_execution);
    return cudaSuccess;
}
