// Stream capture and graphs. A capture records what is enqueued on its stream as graph nodes; a graph is
// instantiated into an executable copy; launching it replays the nodes in order on a stream (or, when that stream
// captures too, records them there). The rules that make other calls fail during a capture live here as well.
#include <string>
#include <unordered_map>

#include "runtime_streams.h"

struct CUgraph_st {
    qrt::emu::runtime::GraphNodes nodes;
};

// Executable graphs share their nodes with every launch recorded from them into another capture.
struct CUgraphExec_st {
    std::shared_ptr<const qrt::emu::runtime::GraphNodes> nodes;
};

namespace qrt::emu::runtime {
namespace {

// Live graphs and executable graphs, guarded by streams_mutex(); a handle not here is refused.
std::unordered_map<CUgraph_st*, std::unique_ptr<CUgraph_st>> g_graphs;
std::unordered_map<CUgraphExec_st*, std::unique_ptr<CUgraphExec_st>> g_executables;

const char* mode_name(cudaStreamCaptureMode mode) {
    switch (mode) {
        case cudaStreamCaptureModeGlobal: return "Global";
        case cudaStreamCaptureModeThreadLocal: return "ThreadLocal";
        case cudaStreamCaptureModeRelaxed: return "Relaxed";
    }
    return "unknown";
}

// Whether a capture forbids the calling thread the calls that are unsafe during capture (CUDA's rule: its own
// captures unless Relaxed, and other threads' Global captures).
bool forbids_unsafe_calls(const Capture& capture) {
    const bool own = capture.thread == std::this_thread::get_id();
    return own ? capture.mode != cudaStreamCaptureModeRelaxed : capture.mode == cudaStreamCaptureModeGlobal;
}

}  // namespace

void invalidate_locked(Capture& capture, const std::string& call) {
    if (capture.invalidated) return;
    capture.invalidated = true;
    capture.invalidated_by = call;
    capture.nodes.clear();
}

cudaError_t check_unsafe_during_capture(const char* call) {
    std::lock_guard<std::mutex> lock(streams_mutex());
    std::string modes;
    for (auto& [handle, live] : live_streams_locked()) {
        if (live->capture == nullptr || !forbids_unsafe_calls(*live->capture)) continue;
        if (modes.find(mode_name(live->capture->mode)) == std::string::npos) {
            modes += modes.empty() ? "" : ", ";
            modes += mode_name(live->capture->mode);
        }
        invalidate_locked(*live->capture, call);
    }
    if (modes.empty()) return cudaSuccess;
    return fail(cudaErrorStreamCaptureUnsupported, std::string(call) + " is not permitted while a stream captures in " +
                                                       modes + " mode (the capture is now invalidated)");
}

cudaError_t check_legacy_stream_use(const char* call) {
    std::lock_guard<std::mutex> lock(streams_mutex());
    bool implicit = false;
    for (auto& [handle, live] : live_streams_locked()) {
        if (live->capture == nullptr || (live->flags & cudaStreamNonBlocking) != 0) continue;
        invalidate_locked(*live->capture, call);
        implicit = true;
    }
    if (!implicit) return cudaSuccess;
    return fail(cudaErrorStreamCaptureImplicit,
                std::string(call) +
                    " on the legacy default stream would wait for a capturing stream created "
                    "without cudaStreamNonBlocking (the capture is now invalidated)");
}

}  // namespace qrt::emu::runtime

using namespace qrt::emu::runtime;

cudaError_t cudaStreamBeginCapture(cudaStream_t stream, cudaStreamCaptureMode mode) {
    if (const cudaError_t error = device_unusable()) return error;
    if (mode != cudaStreamCaptureModeGlobal && mode != cudaStreamCaptureModeThreadLocal &&
        mode != cudaStreamCaptureModeRelaxed) {
        return fail(cudaErrorInvalidValue,
                    "cudaStreamBeginCapture: unknown capture mode " + std::to_string(static_cast<int>(mode)));
    }
    if (stream == nullptr) {
        return fail(cudaErrorStreamCaptureUnsupported,
                    "cudaStreamBeginCapture: the legacy default stream cannot capture");
    }
    std::lock_guard<std::mutex> lock(streams_mutex());
    const std::shared_ptr<CUstream_st> live = find_stream_locked(stream);
    if (live == nullptr) {
        return fail(cudaErrorInvalidResourceHandle, "cudaStreamBeginCapture: the stream is not live");
    }
    if (live->capture != nullptr) {
        return fail(cudaErrorIllegalState, "cudaStreamBeginCapture: the stream is already capturing");
    }
    live->capture = std::make_unique<Capture>();
    live->capture->mode = mode;
    live->capture->thread = std::this_thread::get_id();
    return cudaSuccess;
}

cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* graph) {
    if (graph == nullptr) return fail(cudaErrorInvalidValue, "cudaStreamEndCapture: graph is NULL");
    *graph = nullptr;
    std::lock_guard<std::mutex> lock(streams_mutex());
    const std::shared_ptr<CUstream_st> live = find_stream_locked(stream);
    if (live == nullptr) return fail(cudaErrorIllegalState, "cudaStreamEndCapture: the stream is not capturing");
    if (live->capture == nullptr)
        return fail(cudaErrorIllegalState, "cudaStreamEndCapture: the stream is not capturing");
    Capture& capture = *live->capture;
    if (capture.mode != cudaStreamCaptureModeRelaxed && capture.thread != std::this_thread::get_id()) {
        return fail(cudaErrorStreamCaptureWrongThread, std::string("cudaStreamEndCapture: a ") +
                                                           mode_name(capture.mode) +
                                                           " capture must be ended by the thread that began it");
    }
    if (capture.invalidated) {
        const std::string cause = capture.invalidated_by;
        live->capture.reset();
        return fail(cudaErrorStreamCaptureInvalidated, "cudaStreamEndCapture: the capture was invalidated by " + cause);
    }
    auto made = std::make_unique<CUgraph_st>();
    made->nodes = std::move(capture.nodes);
    live->capture.reset();
    *graph = made.get();
    g_graphs.emplace(made.get(), std::move(made));
    return cudaSuccess;
}

cudaError_t cudaStreamIsCapturing(cudaStream_t stream, cudaStreamCaptureStatus* status) {
    if (status == nullptr) return fail(cudaErrorInvalidValue, "cudaStreamIsCapturing: status is NULL");
    *status = cudaStreamCaptureStatusNone;
    if (stream == nullptr) return check_legacy_stream_use("cudaStreamIsCapturing");
    std::lock_guard<std::mutex> lock(streams_mutex());
    const std::shared_ptr<CUstream_st> live = find_stream_locked(stream);
    if (live == nullptr) return fail(cudaErrorInvalidResourceHandle, "cudaStreamIsCapturing: the stream is not live");
    if (live->capture != nullptr) {
        *status = live->capture->invalidated ? cudaStreamCaptureStatusInvalidated : cudaStreamCaptureStatusActive;
    }
    return cudaSuccess;
}

cudaError_t cudaGraphInstantiateWithFlags(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long flags) {
    if (const cudaError_t error = device_unusable()) return error;
    if (exec == nullptr) return fail(cudaErrorInvalidValue, "cudaGraphInstantiate: exec is NULL");
    *exec = nullptr;
    if (flags != 0) {
        return fail(cudaErrorInvalidValue,
                    "cudaGraphInstantiate: flags " + std::to_string(flags) + " (the emulator implements none)");
    }
    std::lock_guard<std::mutex> lock(streams_mutex());
    const auto found = g_graphs.find(graph);
    if (found == g_graphs.end()) return fail(cudaErrorInvalidValue, "cudaGraphInstantiate: the graph is not live");
    auto made = std::make_unique<CUgraphExec_st>();
    made->nodes = std::make_shared<const GraphNodes>(found->second->nodes);
    *exec = made.get();
    g_executables.emplace(made.get(), std::move(made));
    return cudaSuccess;
}

cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long flags) {
    return cudaGraphInstantiateWithFlags(exec, graph, flags);
}

cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t stream) {
    std::shared_ptr<const GraphNodes> nodes;
    {
        std::lock_guard<std::mutex> lock(streams_mutex());
        const auto found = g_executables.find(exec);
        if (found == g_executables.end()) {
            return fail(cudaErrorInvalidValue, "cudaGraphLaunch: the executable graph is not live");
        }
        nodes = found->second->nodes;
    }
    return submit(stream, "cudaGraphLaunch", [nodes] { return run_nodes(*nodes); });
}

cudaError_t cudaGraphDestroy(cudaGraph_t graph) {
    std::lock_guard<std::mutex> lock(streams_mutex());
    if (g_graphs.erase(graph) == 0) return fail(cudaErrorInvalidValue, "cudaGraphDestroy: the graph is not live");
    return cudaSuccess;
}

cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec) {
    std::lock_guard<std::mutex> lock(streams_mutex());
    if (g_executables.erase(exec) == 0) {
        return fail(cudaErrorInvalidValue, "cudaGraphExecDestroy: the executable graph is not live");
    }
    return cudaSuccess;
}
