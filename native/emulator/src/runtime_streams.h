// Streams, captures and graphs of the emulated runtime, shared by runtime_streams.cpp (streams and the submission of
// work), runtime_capture.cpp (capture rules, captures and graphs) and runtime_events.cpp.
#pragma once

#include <cuda_runtime.h>

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "runtime_state.h"

namespace qrt::emu::runtime {

// One recorded item of a capture or graph: the call that enqueued it, for messages, and its work.
struct GraphNode {
    std::string call;
    Work work;
};

using GraphNodes = std::vector<GraphNode>;

// A capture in progress on one stream.
struct Capture {
    cudaStreamCaptureMode mode = cudaStreamCaptureModeGlobal;
    std::thread::id thread;  // the thread that began it
    bool invalidated = false;
    std::string invalidated_by;  // the call that invalidated it
    GraphNodes nodes;
};

// Guards the set of live streams and every stream's capture.
std::mutex& streams_mutex();

// Runs `nodes` in order on the calling thread, stopping at the first error (which it returns).
cudaError_t run_nodes(const GraphNodes& nodes);

}  // namespace qrt::emu::runtime

struct CUstream_st {
    unsigned flags = cudaStreamDefault;
    // Held while the stream runs an item, so that items submitted from several threads run one at a time.
    std::mutex execution;
    // Non-null while the stream captures; guarded by streams_mutex().
    std::unique_ptr<qrt::emu::runtime::Capture> capture;
};

namespace qrt::emu::runtime {

// Every live stream, by handle. The map owns them; work in flight holds a reference too, so a stream destroyed by
// one thread while another runs work on it lives until that work is done. Call with streams_mutex() held.
using LiveStreams = std::unordered_map<CUstream_st*, std::shared_ptr<CUstream_st>>;
LiveStreams& live_streams_locked();

// The live stream `stream` names, or null (the legacy default stream, or a handle that is not live); call with
// streams_mutex() held.
std::shared_ptr<CUstream_st> find_stream_locked(cudaStream_t stream);

// Marks a capture invalidated by `call`; call with streams_mutex() held.
void invalidate_locked(Capture& capture, const std::string& call);

}  // namespace qrt::emu::runtime
