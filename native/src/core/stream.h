// The definitions behind the opaque qrt_stream and qrt_graph handles, and the bookkeeping of a stream's capture.
#pragma once

#include <string>
#include <thread>

#include "qrt.h"

struct qrt_stream {
    // The device every op on this stream runs on.
    qrt_device device;
    // The backend's own queue: a cudaStream_t on CUDA, unused on the CPU (CPU ops run synchronously).
    void* native_handle;
    // True between qrt_stream_begin_capture and qrt_stream_end_capture (CUDA streams only).
    bool capturing = false;
    // The thread that began the capture: a thread-local capture must be ended by it.
    std::thread::id capture_thread;
    // The first call that failed on this stream while it captured, with its message; "" if none. The graph would
    // lack the work that call was meant to enqueue, so qrt_stream_end_capture refuses to instantiate it. Mutable:
    // ops see a const stream, yet their failure spoils its capture.
    mutable std::string capture_failure;
};

struct qrt_graph {
    // The device the graph was captured on; it replays on streams of that device only.
    qrt_device device;
    // The backend's executable graph: a cudaGraphExec_t.
    void* native_handle;
};

namespace qrt {

// Remembers that a call failed on `stream` while it captured (the first failure is kept; no-op otherwise).
inline void note_failure_during_capture(const qrt_stream* stream, const std::string& what) noexcept {
    if (stream == nullptr || !stream->capturing || !stream->capture_failure.empty()) return;
    try {
        stream->capture_failure = what;
    } catch (...) {
        // Out of memory while recording the message: a placeholder still marks the capture as failed.
        stream->capture_failure.assign(1, '?');
    }
}

}  // namespace qrt
