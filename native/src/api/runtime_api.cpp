// Entry points for versions, errors, backends, devices, streams and memory.
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"
#include "core/stream.h"
#include "cpu/cpu_device.h"
#include "cpu/thread_pool.h"
#include "qrt.h"

#if defined(QRT_WITH_CUDA)
#  include "cuda/cuda_backend.h"
#endif

#ifndef QRT_VERSION
#  error "QRT_VERSION must be defined by the build"
#endif
#ifndef QRT_BUILD_DESCRIPTION
#  error "QRT_BUILD_DESCRIPTION must be defined by the build"
#endif

namespace {

using qrt::concat;
using qrt::Error;

[[noreturn]] void fail(qrt_status status, const char* function, const std::string& message) {
    throw Error(status, concat(function, ": ", message));
}

void require_argument(bool condition, const char* function, const char* name, const std::string& message) {
    if (!condition) fail(QRT_STATUS_INVALID_ARGUMENT, function, concat("argument '", name, "': ", message));
}

// Checks that a device names an existing device; reports why not otherwise.
void require_device(const char* function, const char* name, qrt_device device) {
    require_argument(device.backend == QRT_BACKEND_CPU || device.backend == QRT_BACKEND_CUDA, function, name,
                     concat("unknown backend value ", device.backend));
    require_argument(device.ordinal >= 0, function, name, concat("ordinal ", device.ordinal, " is negative"));
    if (device.backend == QRT_BACKEND_CPU) {
        if (device.ordinal != 0) {
            fail(QRT_STATUS_BACKEND_UNAVAILABLE, function,
                 concat("argument '", name, "': cpu:", device.ordinal, " does not exist (the CPU is device 0)"));
        }
        return;
    }
#if defined(QRT_WITH_CUDA)
    const int count = qrt::cuda::device_count();
    if (device.ordinal >= count) {
        qrt_backend_info info;
        qrt::cuda::fill_backend_info(&info);
        fail(QRT_STATUS_BACKEND_UNAVAILABLE, function,
             concat("argument '", name, "': cuda:", device.ordinal, " does not exist (", count, " CUDA device(s); ",
                    info.detail, ")"));
    }
#else
    fail(QRT_STATUS_BACKEND_UNAVAILABLE, function,
         concat("argument '", name, "': cuda:", device.ordinal,
                " is unavailable: this libqrt was built without the CUDA backend"));
#endif
}

// Every stream with an open capture. A capture is thread-local (qrt.h), so the calls it forbids (qrt_malloc, qrt_free
// of CUDA memory) are forbidden on the thread that began it only (each stream's capture_thread). One list for all
// threads, so that a stream destroyed by another thread than the one capturing on it leaves no dangling entry.
std::mutex g_open_captures_mutex;
std::vector<qrt_stream*> g_open_captures;

[[maybe_unused]] void remember_capture(qrt_stream* stream) {
    std::lock_guard<std::mutex> lock(g_open_captures_mutex);
    g_open_captures.push_back(stream);
}

[[maybe_unused]] void forget_capture(qrt_stream* stream) {
    std::lock_guard<std::mutex> lock(g_open_captures_mutex);
    for (auto it = g_open_captures.begin(); it != g_open_captures.end(); ++it) {
        if (*it == stream) {
            g_open_captures.erase(it);
            return;
        }
    }
}

// Fails with QRT_STATUS_UNSUPPORTED: `function` cannot be captured. The caller's guarded_on() marks the capture.
[[noreturn]] void refuse_during_capture(const char* function, const std::string& message) {
    fail(QRT_STATUS_UNSUPPORTED, function, concat(message, " (the capture is now invalid)"));
}

// qrt::guarded for calls on a stream: a failure while the stream captures also spoils its capture (qrt.h, Graphs).
template <class Body>
qrt_status guarded_on(const char* function, const qrt_stream* stream, Body&& body) noexcept {
    return qrt::guarded(function, [&] {
        try {
            body();
        } catch (const std::exception& error) {
            qrt::note_failure_during_capture(stream, error.what());
            throw;
        }
    });
}

// Refuses CUDA allocations on a thread with an open capture, and marks its captures invalid: CUDA forbids them in a
// thread-local capture, and an allocation meant for the graph would happen now, never on replay.
void refuse_cuda_memory_calls_while_capturing(const char* function, qrt_device device) {
    if (device.backend != QRT_BACKEND_CUDA) return;
    const std::thread::id self = std::this_thread::get_id();
    std::lock_guard<std::mutex> lock(g_open_captures_mutex);
    bool capturing = false;
    for (qrt_stream* stream : g_open_captures) capturing = capturing || stream->capture_thread == self;
    if (!capturing) return;
    const std::string message = concat(function, ": CUDA memory cannot be allocated or freed while this thread "
                                                 "captures a stream (allocate before qrt_stream_begin_capture)");
    for (qrt_stream* stream : g_open_captures) {
        if (stream->capture_thread == self) qrt::note_failure_during_capture(stream, message);
    }
    throw Error(QRT_STATUS_UNSUPPORTED, concat(message, "; the capture is now invalid"));
}

}  // namespace

extern "C" {

QRT_API uint32_t qrt_abi_version(void) { return QRT_ABI_VERSION; }

QRT_API const char* qrt_version_string(void) { return QRT_VERSION " (" QRT_BUILD_DESCRIPTION ")"; }

QRT_API const char* qrt_last_error(void) { return qrt::last_error(); }

QRT_API const char* qrt_status_name(qrt_status status) {
    switch (status) {
        case QRT_STATUS_OK: return "QRT_STATUS_OK";
        case QRT_STATUS_INVALID_ARGUMENT: return "QRT_STATUS_INVALID_ARGUMENT";
        case QRT_STATUS_UNSUPPORTED: return "QRT_STATUS_UNSUPPORTED";
        case QRT_STATUS_OUT_OF_MEMORY: return "QRT_STATUS_OUT_OF_MEMORY";
        case QRT_STATUS_BACKEND_UNAVAILABLE: return "QRT_STATUS_BACKEND_UNAVAILABLE";
        case QRT_STATUS_DEVICE_ERROR: return "QRT_STATUS_DEVICE_ERROR";
        case QRT_STATUS_INTERNAL_ERROR: return "QRT_STATUS_INTERNAL_ERROR";
    }
    return "QRT_STATUS_UNKNOWN";
}

QRT_API size_t qrt_dtype_size(qrt_dtype dtype) { return qrt::is_known_dtype(dtype) ? qrt::dtype_size(dtype) : 0; }

QRT_API const char* qrt_dtype_name(qrt_dtype dtype) { return qrt::dtype_name(dtype); }

QRT_API qrt_status qrt_backend_get_info(qrt_backend backend, qrt_backend_info* info) {
    constexpr const char* function = "qrt_backend_get_info";
    return qrt::guarded(function, [&] {
        require_argument(info != nullptr, function, "info", "is NULL");
        require_argument(backend == QRT_BACKEND_CPU || backend == QRT_BACKEND_CUDA, function, "backend",
                         concat("unknown backend value ", static_cast<int>(backend)));
        std::memset(info, 0, sizeof *info);
        if (backend == QRT_BACKEND_CPU) {
            info->compiled = 1;
            info->device_count = 1;
            std::snprintf(info->detail, sizeof info->detail, "%d thread(s)", qrt::cpu::thread_count());
            return;
        }
#if defined(QRT_WITH_CUDA)
        qrt::cuda::fill_backend_info(info);
#else
        std::snprintf(info->detail, sizeof info->detail,
                      "built without CUDA (configure with -DQRT_CUDA=ON where nvcc is installed)");
#endif
    });
}

QRT_API qrt_status qrt_device_count(qrt_backend backend, int32_t* count) {
    constexpr const char* function = "qrt_device_count";
    return qrt::guarded(function, [&] {
        require_argument(count != nullptr, function, "count", "is NULL");
        require_argument(backend == QRT_BACKEND_CPU || backend == QRT_BACKEND_CUDA, function, "backend",
                         concat("unknown backend value ", static_cast<int>(backend)));
        *count = 0;
        if (backend == QRT_BACKEND_CPU) *count = 1;
#if defined(QRT_WITH_CUDA)
        if (backend == QRT_BACKEND_CUDA) *count = qrt::cuda::device_count();
#endif
    });
}

QRT_API qrt_status qrt_device_get_info(qrt_device device, qrt_device_info* info) {
    constexpr const char* function = "qrt_device_get_info";
    return qrt::guarded(function, [&] {
        require_argument(info != nullptr, function, "info", "is NULL");
        require_device(function, "device", device);
        if (device.backend == QRT_BACKEND_CPU) {
            qrt::cpu::fill_device_info(info);
            return;
        }
#if defined(QRT_WITH_CUDA)
        qrt::cuda::fill_device_info(device.ordinal, info);
#endif
    });
}

QRT_API qrt_status qrt_cpu_set_thread_count(int32_t count) {
    constexpr const char* function = "qrt_cpu_set_thread_count";
    return qrt::guarded(function, [&] {
        require_argument(count >= 0 && count <= 4096, function, "count",
                         concat(count, " is outside [0, 4096] (0 = one per hardware thread)"));
        qrt::cpu::set_thread_count(count);
    });
}

QRT_API qrt_status qrt_cpu_get_thread_count(int32_t* count) {
    constexpr const char* function = "qrt_cpu_get_thread_count";
    return qrt::guarded(function, [&] {
        require_argument(count != nullptr, function, "count", "is NULL");
        *count = qrt::cpu::thread_count();
    });
}

QRT_API qrt_status qrt_stream_create(qrt_device device, qrt_stream** stream) {
    constexpr const char* function = "qrt_stream_create";
    return qrt::guarded(function, [&] {
        require_argument(stream != nullptr, function, "stream", "is NULL");
        *stream = nullptr;
        require_device(function, "device", device);
        auto created = std::make_unique<qrt_stream>();
        created->device = device;
        created->native_handle = nullptr;
#if defined(QRT_WITH_CUDA)
        if (device.backend == QRT_BACKEND_CUDA) created->native_handle = qrt::cuda::stream_create(device.ordinal);
#endif
        *stream = created.release();
    });
}

QRT_API qrt_status qrt_stream_destroy(qrt_stream* stream) {
    constexpr const char* function = "qrt_stream_destroy";
    return qrt::guarded(function, [&] {
        if (stream == nullptr) return;
        // A thread-local capture can be ended only by its own thread; the stream stays alive until that thread does.
        require_argument(!stream->capturing || stream->capture_thread == std::this_thread::get_id(), function, "stream",
                         "is capturing for another thread, which must end its capture before the stream is destroyed");
        std::unique_ptr<qrt_stream> owned(stream);
#if defined(QRT_WITH_CUDA)
        if (owned->device.backend == QRT_BACKEND_CUDA) {
            // A capture still open is discarded with its stream.
            if (owned->capturing) {
                forget_capture(stream);
                qrt::cuda::stream_abandon_capture(owned->device.ordinal, owned->native_handle);
            }
            qrt::cuda::stream_destroy(owned->device.ordinal, owned->native_handle);
        }
#endif
    });
}

QRT_API qrt_status qrt_stream_synchronize(qrt_stream* stream) {
    constexpr const char* function = "qrt_stream_synchronize";
    return guarded_on(function, stream, [&] {
        require_argument(stream != nullptr, function, "stream", "is NULL");
        if (stream->capturing) {
            refuse_during_capture(function, "argument 'stream': it is capturing, so its work has not run and cannot "
                                            "be waited for (end the capture and launch the graph first)");
        }
#if defined(QRT_WITH_CUDA)
        if (stream->device.backend == QRT_BACKEND_CUDA) {
            qrt::cuda::stream_synchronize(stream->device.ordinal, stream->native_handle);
        }
#endif
    });
}

QRT_API qrt_status qrt_stream_get_device(const qrt_stream* stream, qrt_device* device) {
    constexpr const char* function = "qrt_stream_get_device";
    return qrt::guarded(function, [&] {
        require_argument(stream != nullptr, function, "stream", "is NULL");
        require_argument(device != nullptr, function, "device", "is NULL");
        *device = stream->device;
    });
}

QRT_API qrt_status qrt_malloc(qrt_device device, size_t bytes, void** ptr) {
    constexpr const char* function = "qrt_malloc";
    return qrt::guarded(function, [&] {
        require_argument(ptr != nullptr, function, "ptr", "is NULL");
        *ptr = nullptr;
        require_device(function, "device", device);
        refuse_cuda_memory_calls_while_capturing(function, device);
        if (device.backend == QRT_BACKEND_CPU) {
            try {
                *ptr = qrt::cpu::allocate(bytes);
            } catch (const std::bad_alloc&) {
                fail(QRT_STATUS_OUT_OF_MEMORY, function, concat("cannot allocate ", bytes, " bytes of host memory"));
            }
            return;
        }
#if defined(QRT_WITH_CUDA)
        *ptr = qrt::cuda::allocate(device.ordinal, bytes);
#endif
    });
}

QRT_API qrt_status qrt_free(qrt_device device, void* ptr) {
    constexpr const char* function = "qrt_free";
    return qrt::guarded(function, [&] {
        if (ptr == nullptr) return;
        require_device(function, "device", device);
        refuse_cuda_memory_calls_while_capturing(function, device);
        if (device.backend == QRT_BACKEND_CPU) {
            qrt::cpu::release(ptr);
            return;
        }
#if defined(QRT_WITH_CUDA)
        qrt::cuda::release(device.ordinal, ptr);
#endif
    });
}

QRT_API qrt_status qrt_memcpy(qrt_stream* stream, void* dst, qrt_device dst_device, const void* src,
                              qrt_device src_device, size_t bytes) {
    constexpr const char* function = "qrt_memcpy";
    return guarded_on(function, stream, [&] {
        require_argument(stream != nullptr, function, "stream", "is NULL");
        require_device(function, "dst_device", dst_device);
        require_device(function, "src_device", src_device);
        if (bytes == 0) return;
        require_argument(dst != nullptr, function, "dst", "is NULL");
        require_argument(src != nullptr, function, "src", "is NULL");
        const qrt_device here = stream->device;
        auto on_stream_device = [&](qrt_device d) { return d.backend == here.backend && d.ordinal == here.ordinal; };
        auto on_cpu = [](qrt_device d) { return d.backend == QRT_BACKEND_CPU; };
        require_argument((on_stream_device(dst_device) || on_cpu(dst_device)) &&
                             (on_stream_device(src_device) || on_cpu(src_device)),
                         function, "stream", "each side of a copy must be on the stream's device or the CPU");
        if (here.backend == QRT_BACKEND_CPU) {
            const char* s = static_cast<const char*>(src);
            char* d = static_cast<char*>(dst);
            require_argument(d + bytes <= s || s + bytes <= d, function, "dst", "overlaps src");
            std::memcpy(dst, src, bytes);
            return;
        }
#if defined(QRT_WITH_CUDA)
        using qrt::cuda::CopyDirection;
        const CopyDirection direction = on_cpu(src_device)   ? CopyDirection::HostToDevice
                                        : on_cpu(dst_device) ? CopyDirection::DeviceToHost
                                                             : CopyDirection::DeviceToDevice;
        require_argument(!(on_cpu(src_device) && on_cpu(dst_device)), function, "dst_device",
                         "a host-to-host copy must run on a CPU stream");
        if (stream->capturing && direction != CopyDirection::DeviceToDevice) {
            refuse_during_capture(function, concat("argument '", on_cpu(src_device) ? "src" : "dst",
                                                   "': host memory cannot be copied in a capture (a replay would "
                                                   "read or write it at replay time); copy before the launch"));
        }
        qrt::cuda::copy_async(here.ordinal, stream->native_handle, dst, src, bytes, direction);
#endif
    });
}

QRT_API qrt_status qrt_memset(qrt_stream* stream, void* dst, uint8_t value, size_t bytes) {
    constexpr const char* function = "qrt_memset";
    return guarded_on(function, stream, [&] {
        require_argument(stream != nullptr, function, "stream", "is NULL");
        if (bytes == 0) return;
        require_argument(dst != nullptr, function, "dst", "is NULL");
        if (stream->device.backend == QRT_BACKEND_CPU) {
            std::memset(dst, value, bytes);
            return;
        }
#if defined(QRT_WITH_CUDA)
        qrt::cuda::fill_async(stream->device.ordinal, stream->native_handle, dst, value, bytes);
#endif
    });
}

QRT_API qrt_status qrt_stream_begin_capture(qrt_stream* stream) {
    constexpr const char* function = "qrt_stream_begin_capture";
    return qrt::guarded(function, [&] {
        require_argument(stream != nullptr, function, "stream", "is NULL");
        if (stream->device.backend != QRT_BACKEND_CUDA) {
            fail(QRT_STATUS_UNSUPPORTED, function,
                 "argument 'stream': is a CPU stream; graphs are a CUDA feature (ops on the CPU run eagerly)");
        }
        require_argument(!stream->capturing, function, "stream", "is already capturing");
#if defined(QRT_WITH_CUDA)
        stream->capture_thread = std::this_thread::get_id();
        stream->capture_failure.clear();
        remember_capture(stream);
        try {
            qrt::cuda::stream_begin_capture(stream->device.ordinal, stream->native_handle);
        } catch (...) {
            forget_capture(stream);
            throw;
        }
        stream->capturing = true;
#endif
    });
}

QRT_API qrt_status qrt_stream_end_capture(qrt_stream* stream, qrt_graph** graph) {
    constexpr const char* function = "qrt_stream_end_capture";
    return qrt::guarded(function, [&] {
        require_argument(graph != nullptr, function, "graph", "is NULL");
        *graph = nullptr;
        require_argument(stream != nullptr, function, "stream", "is NULL");
        require_argument(stream->capturing, function, "stream", "is not capturing (call qrt_stream_begin_capture)");
        require_argument(stream->capture_thread == std::this_thread::get_id(), function, "stream",
                         "its capture was begun by another thread, which must end it");
#if defined(QRT_WITH_CUDA)
        auto made = std::make_unique<qrt_graph>();
        const std::string failure = stream->capture_failure;
        stream->capturing = false;
        stream->capture_failure.clear();
        forget_capture(stream);
        if (!failure.empty()) {
            qrt::cuda::stream_abandon_capture(stream->device.ordinal, stream->native_handle);
            fail(QRT_STATUS_INVALID_ARGUMENT, function,
                 concat("argument 'stream': the capture is invalid and was discarded: a call failed during it: ",
                        failure));
        }
        made->device = stream->device;
        made->native_handle = qrt::cuda::stream_end_capture(stream->device.ordinal, stream->native_handle);
        *graph = made.release();
#endif
    });
}

QRT_API qrt_status qrt_stream_is_capturing(const qrt_stream* stream, int32_t* capturing) {
    constexpr const char* function = "qrt_stream_is_capturing";
    return qrt::guarded(function, [&] {
        require_argument(capturing != nullptr, function, "capturing", "is NULL");
        require_argument(stream != nullptr, function, "stream", "is NULL");
        *capturing = stream->capturing ? 1 : 0;
    });
}

QRT_API qrt_status qrt_graph_launch(qrt_stream* stream, const qrt_graph* graph) {
    constexpr const char* function = "qrt_graph_launch";
    return guarded_on(function, stream, [&] {
        require_argument(stream != nullptr, function, "stream", "is NULL");
        require_argument(graph != nullptr, function, "graph", "is NULL");
        require_argument(stream->device.backend == graph->device.backend &&
                             stream->device.ordinal == graph->device.ordinal,
                         function, "stream", "is not on the device the graph was captured on");
#if defined(QRT_WITH_CUDA)
        qrt::cuda::graph_launch(stream->device.ordinal, stream->native_handle, graph->native_handle);
#endif
    });
}

QRT_API qrt_status qrt_graph_destroy(qrt_graph* graph) {
    constexpr const char* function = "qrt_graph_destroy";
    return qrt::guarded(function, [&] {
        if (graph == nullptr) return;
        std::unique_ptr<qrt_graph> owned(graph);
#if defined(QRT_WITH_CUDA)
        qrt::cuda::graph_destroy(owned->device.ordinal, owned->native_handle);
#endif
    });
}

}  // extern "C"
