// The definition behind the opaque qrt_stream handle.
#pragma once

#include "qrt.h"

struct qrt_stream {
    // The device every op on this stream runs on.
    qrt_device device;
    // The backend's own queue: a cudaStream_t on CUDA, unused on the CPU (CPU ops run synchronously).
    void* native_handle;
};
