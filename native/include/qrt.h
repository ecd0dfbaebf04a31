/*
 * qrt.h — the C ABI of libqrt, the kernel library under the Qrt runtime.
 *
 * Conventions
 *  - Every function that can fail returns a qrt_status. On failure, qrt_last_error() returns a message
 *    for the calling thread that names the function and the offending argument. Nothing in the library
 *    aborts or throws across this boundary on bad input.
 *  - Functions that cannot fail (version and error queries) return their value directly.
 *  - Tensors cross the boundary as qrt_tensor descriptors owned by the caller. Ops read descriptors and
 *    never keep them; they read the data of input tensors and write the data of output tensors.
 *  - Ops run on a stream. On the CPU backend an op runs to completion before it returns (using the
 *    library's thread pool); on the CUDA backend it is enqueued and runs asynchronously. Every tensor an
 *    op touches must live on the stream's device.
 *  - Linear layers follow torch.nn.Linear: y = x·Wᵀ (+ bias), with W stored [out_features, in_features].
 *  - Floating-point work accumulates in FP32 whatever the storage dtype; results are rounded once to the
 *    output dtype (round to nearest even).
 */
#ifndef QRT_H
#define QRT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  if defined(QRT_BUILDING_LIBRARY)
#    define QRT_API __declspec(dllexport)
#  else
#    define QRT_API __declspec(dllimport)
#  endif
#else
#  define QRT_API __attribute__((visibility("default")))
#endif

/* ---------------------------------------------------------------------------------------------------
 * Constants, version and errors
 * ------------------------------------------------------------------------------------------------- */

/// Compile-time constants of this header.
typedef enum qrt_constants {
    /// Version of the binary interface described by this header. Bumped on any incompatible change;
    /// callers compare it with qrt_abi_version() to refuse a library built from another header.
    QRT_ABI_VERSION = 1,
    /// Largest tensor rank a qrt_tensor can describe.
    QRT_MAX_RANK = 8,
    /// Size of the name buffer in qrt_device_info, including the terminating NUL.
    QRT_DEVICE_NAME_CAPACITY = 256,
    /// Size of the detail buffer in qrt_backend_info, including the terminating NUL.
    QRT_BACKEND_DETAIL_CAPACITY = 256
} qrt_constants;

/// Result of every fallible call.
typedef enum qrt_status {
    /// The call succeeded.
    QRT_STATUS_OK = 0,
    /// An argument was null, out of range, or inconsistent with another argument.
    QRT_STATUS_INVALID_ARGUMENT = 1,
    /// The arguments are valid but this build or backend does not implement the combination.
    QRT_STATUS_UNSUPPORTED = 2,
    /// Host or device memory could not be allocated.
    QRT_STATUS_OUT_OF_MEMORY = 3,
    /// The requested backend is not compiled in, or no device of it is present.
    QRT_STATUS_BACKEND_UNAVAILABLE = 4,
    /// The device or its driver reported an error.
    QRT_STATUS_DEVICE_ERROR = 5,
    /// A bug in libqrt: an internal invariant failed. The message says which.
    QRT_STATUS_INTERNAL_ERROR = 6
} qrt_status;

/// Returns the binary interface version the library was built with (compare with QRT_ABI_VERSION).
QRT_API uint32_t qrt_abi_version(void);

/// Returns the library version and build configuration, e.g. "0.1.0 (cpu + cuda 12.4.131 for sm_80 sm_90)".
/// The string is static and owned by the library.
QRT_API const char* qrt_version_string(void);

/// Returns the message of the most recent failed call on the calling thread ("" if none failed).
/// The string is owned by the library and stays valid until the next failing call on this thread.
QRT_API const char* qrt_last_error(void);

/// Returns a static, human-readable name for a status code ("QRT_STATUS_OK", ...).
QRT_API const char* qrt_status_name(qrt_status status);

/* ---------------------------------------------------------------------------------------------------
 * Backends and devices
 * ------------------------------------------------------------------------------------------------- */

/// A family of devices with its own kernels.
typedef enum qrt_backend {
    /// The host processor; always compiled in, always exactly one device (ordinal 0).
    QRT_BACKEND_CPU = 0,
    /// NVIDIA GPUs through CUDA; present when the library was built with CUDA and a driver and GPU exist.
    QRT_BACKEND_CUDA = 1
} qrt_backend;

/// Names one device: a backend and an ordinal within it. Passed by value.
typedef struct qrt_device {
    /// A qrt_backend value.
    int32_t backend;
    /// Index of the device within its backend, from 0.
    int32_t ordinal;
} qrt_device;

/// What the library knows about a backend in this process.
typedef struct qrt_backend_info {
    /// 1 if the library was built with this backend, else 0.
    int32_t compiled;
    /// Number of usable devices (0 when not compiled or when no driver or device was found).
    int32_t device_count;
    /// Why the backend has the devices it has, e.g. "CUDA runtime 12.4, driver 12.6" or the driver error.
    char detail[QRT_BACKEND_DETAIL_CAPACITY];
} qrt_backend_info;

/// Properties of one device.
typedef struct qrt_device_info {
    /// The device this describes.
    qrt_device device;
    /// Marketing name, NUL-terminated ("NVIDIA H100 80GB HBM3", or the CPU model name).
    char name[QRT_DEVICE_NAME_CAPACITY];
    /// Major CUDA compute capability (9 for sm_90); 0 for the CPU.
    int32_t compute_capability_major;
    /// Minor CUDA compute capability (0 for sm_90); 0 for the CPU.
    int32_t compute_capability_minor;
    /// Streaming multiprocessors on a GPU; hardware threads on the CPU.
    int32_t multiprocessor_count;
    /// Total memory in bytes (physical RAM for the CPU).
    uint64_t total_memory_bytes;
    /// Memory free when asked, in bytes (available RAM for the CPU).
    uint64_t free_memory_bytes;
} qrt_device_info;

/// Describes a backend: whether it is compiled in, how many devices it has, and why.
QRT_API qrt_status qrt_backend_get_info(qrt_backend backend, qrt_backend_info* info);

/// Writes the number of usable devices of a backend to *count (1 for the CPU; 0 for CUDA without a GPU).
QRT_API qrt_status qrt_device_count(qrt_backend backend, int32_t* count);

/// Fills *info with the properties of a device. Fails with QRT_STATUS_BACKEND_UNAVAILABLE if it does not exist.
QRT_API qrt_status qrt_device_get_info(qrt_device device, qrt_device_info* info);

/// Sets the number of worker threads the CPU backend uses (0 = one per hardware thread).
QRT_API qrt_status qrt_cpu_set_thread_count(int32_t count);

/// Writes the number of threads CPU ops currently use to *count.
QRT_API qrt_status qrt_cpu_get_thread_count(int32_t* count);

/* ---------------------------------------------------------------------------------------------------
 * Streams and memory
 * ------------------------------------------------------------------------------------------------- */

/// An ordered queue of work on one device. Opaque; create with qrt_stream_create, free with qrt_stream_destroy.
typedef struct qrt_stream qrt_stream;

/// Creates a stream on a device and writes it to *stream. The caller owns it.
QRT_API qrt_status qrt_stream_create(qrt_device device, qrt_stream** stream);

/// Waits for outstanding work, then frees the stream. Passing NULL is a no-op.
QRT_API qrt_status qrt_stream_destroy(qrt_stream* stream);

/// Blocks until all work enqueued on the stream has finished and reports any asynchronous error.
QRT_API qrt_status qrt_stream_synchronize(qrt_stream* stream);

/// Writes the device a stream runs on to *device.
QRT_API qrt_status qrt_stream_get_device(const qrt_stream* stream, qrt_device* device);

/// Allocates bytes of memory on a device (64-byte aligned on the CPU, 256-byte on CUDA) and writes the
/// pointer to *ptr. The caller frees it with qrt_free on the same device. Zero bytes gives a valid pointer.
QRT_API qrt_status qrt_malloc(qrt_device device, size_t bytes, void** ptr);

/// Frees memory from qrt_malloc on the same device. Passing NULL is a no-op.
QRT_API qrt_status qrt_free(qrt_device device, void* ptr);

/// Copies bytes from src (on src_device) to dst (on dst_device) in the order of the stream. One side must
/// be the stream's device and the other the same device or the CPU. The regions must not overlap.
QRT_API qrt_status qrt_memcpy(qrt_stream* stream, void* dst, qrt_device dst_device, const void* src,
                              qrt_device src_device, size_t bytes);

/// Sets bytes of memory at dst on the stream's device to value, in the order of the stream.
QRT_API qrt_status qrt_memset(qrt_stream* stream, void* dst, uint8_t value, size_t bytes);

/*
 * Graphs: a fixed sequence of work on one stream (a decode step), captured once per shape and replayed.
 *  - Between qrt_stream_begin_capture and qrt_stream_end_capture, ops, device-to-device qrt_memcpy and qrt_memset
 *    enqueued on the stream are recorded, not run; each replay runs them again, in order, with the same arguments:
 *    the same pointers, shapes and scalars. A replay reads whatever those buffers hold when it runs, so new inputs
 *    are written into the same device buffers (with qrt_memcpy, outside the capture) before qrt_graph_launch.
 *  - CUDA only: capture is a CUDA feature (cudaStreamBeginCapture), and qrt_stream_begin_capture on a CPU stream
 *    fails with QRT_STATUS_UNSUPPORTED; ops on a CPU stream always run eagerly.
 *  - A capture belongs to the thread that began it (CUDA's thread-local capture mode): that thread must end it, and
 *    other threads keep allocating and running eager work meanwhile. qrt_stream_destroy on that thread discards an
 *    open capture with its stream; on another thread it fails with QRT_STATUS_INVALID_ARGUMENT and frees nothing.
 *  - Calls that cannot be captured fail with QRT_STATUS_UNSUPPORTED while a capture is open: qrt_stream_synchronize
 *    on the capturing stream, qrt_memcpy to or from host memory on it (a replay would read or write the host
 *    buffer when it runs, not when qrt_memcpy was called, and the host memory may be pageable), and
 *    qrt_malloc/qrt_free of CUDA memory on the capturing thread (an allocation would happen once, at capture time,
 *    and never on replay).
 *  - Any call that fails on the capturing stream during the capture (such a refused call, an op whose arguments
 *    fail validation, a launch that fails) makes the capture invalid: the graph would lack that work, so
 *    qrt_stream_end_capture then fails, naming the first failure, and discards the capture.
 */

/// An instantiated graph of work captured on a stream. Opaque; made by qrt_stream_end_capture, freed with
/// qrt_graph_destroy.
typedef struct qrt_graph qrt_graph;

/// Starts capturing the work enqueued on a CUDA stream (see Graphs above). Fails with QRT_STATUS_UNSUPPORTED on a
/// CPU stream (graphs are a CUDA feature) and with QRT_STATUS_INVALID_ARGUMENT if the stream already captures.
QRT_API qrt_status qrt_stream_begin_capture(qrt_stream* stream);

/// Ends the capture on a stream and instantiates what it recorded into a graph written to *graph; the caller owns
/// it and frees it with qrt_graph_destroy. The stream leaves capture mode whatever happens and runs eager work
/// again. Fails, with *graph NULL, with QRT_STATUS_INVALID_ARGUMENT if the stream is not capturing, is ended by
/// another thread than the one that began it, or if a call failed on it during the capture (the message names the
/// first failure); with QRT_STATUS_DEVICE_ERROR if CUDA invalidated the capture or cannot instantiate it.
QRT_API qrt_status qrt_stream_end_capture(qrt_stream* stream, qrt_graph** graph);

/// Writes 1 to *capturing while the stream captures (between qrt_stream_begin_capture and
/// qrt_stream_end_capture), 0 otherwise. A CPU stream never captures.
QRT_API qrt_status qrt_stream_is_capturing(const qrt_stream* stream, int32_t* capturing);

/// Enqueues a replay of a graph on a stream of the device it was captured on; it runs asynchronously, in the
/// order of the stream, like the ops it recorded. The graph may be launched any number of times, on any stream of
/// that device.
QRT_API qrt_status qrt_graph_launch(qrt_stream* stream, const qrt_graph* graph);

/// Frees a graph from qrt_stream_end_capture. A replay still running finishes first. Passing NULL is a no-op.
QRT_API qrt_status qrt_graph_destroy(qrt_graph* graph);

/* ---------------------------------------------------------------------------------------------------
 * Tensors
 * ------------------------------------------------------------------------------------------------- */

/// Element types. Sub-byte and packed formats travel as their storage type (e.g. INT32 words).
typedef enum qrt_dtype {
    /// IEEE binary32.
    QRT_DTYPE_F32 = 0,
    /// IEEE binary16.
    QRT_DTYPE_F16 = 1,
    /// bfloat16: the upper 16 bits of a binary32.
    QRT_DTYPE_BF16 = 2,
    /// FP8 e4m3fn: 1 sign, 4 exponent (bias 7), 3 mantissa bits; no infinities; ±448 at most.
    QRT_DTYPE_F8_E4M3 = 3,
    /// Signed 8-bit integer.
    QRT_DTYPE_I8 = 4,
    /// Unsigned 8-bit integer.
    QRT_DTYPE_U8 = 5,
    /// Signed 32-bit integer; also the storage word of packed 4- and 8-bit weights.
    QRT_DTYPE_I32 = 6,
    /// Signed 64-bit integer.
    QRT_DTYPE_I64 = 7
} qrt_dtype;

/// A caller-owned view of memory as an n-dimensional array.
/// Element (i0, ..., i{rank-1}) lives at data + sizeof(dtype) * sum(ik * strides[k]).
/// Strides are in elements, not bytes. Ops state which strides they accept: most need the last
/// dimension contiguous (stride 1); several accept any row stride so that a column block of a wider
/// matrix (e.g. the q part of a fused qkv output) can be passed without a copy.
typedef struct qrt_tensor {
    /// Address of element (0, ..., 0). May be NULL only if the tensor has no elements.
    void* data;
    /// A qrt_dtype value.
    int32_t dtype;
    /// Number of dimensions, 0 (a scalar) to QRT_MAX_RANK.
    int32_t rank;
    /// Extent of each dimension; entries at and beyond rank are ignored.
    int64_t shape[QRT_MAX_RANK];
    /// Distance in elements between neighbours along each dimension; entries beyond rank are ignored.
    int64_t strides[QRT_MAX_RANK];
    /// The device the data lives on.
    qrt_device device;
} qrt_tensor;

/// Returns the size in bytes of one element of dtype, or 0 for an unknown dtype.
QRT_API size_t qrt_dtype_size(qrt_dtype dtype);

/// Returns a static name for dtype ("F32", "BF16", "F8_E4M3", ...; "UNKNOWN" for other values).
QRT_API const char* qrt_dtype_name(qrt_dtype dtype);

/* ---------------------------------------------------------------------------------------------------
 * Elementwise
 * ------------------------------------------------------------------------------------------------- */

/// dst = src, converting between float dtypes (F32, F16, BF16, F8_E4M3; conversion to F8_E4M3 rounds to
/// nearest even and saturates to ±448) or copying an integer dtype to the same dtype. Any strides;
/// shapes must be equal; src and dst must not overlap unless they are the same tensor.
QRT_API qrt_status qrt_copy(qrt_stream* stream, const qrt_tensor* src, qrt_tensor* dst);

/// y = a + b for float tensors of one shape; y may be a or b. Any strides.
QRT_API qrt_status qrt_add(qrt_stream* stream, const qrt_tensor* a, const qrt_tensor* b, qrt_tensor* y);

/// y[..., j] = x[..., indices[j]] — gathers columns (the last dimension) of x. x [..., K] and y [..., J]
/// float (F32/F16/BF16, same dtype), rows contiguous along the last dimension, any row stride; indices I32 or I64
/// [J], each in [0, K). y must not overlap x. On the CPU the indices are checked before any work; on the CUDA
/// backend they live in device memory, which the host does not read: a column whose index is outside [0, K)
/// is written as NaN instead.
QRT_API qrt_status qrt_gather_columns(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* indices,
                                      qrt_tensor* y);

/* ---------------------------------------------------------------------------------------------------
 * Linear layers (GEMM). x and y are [..., K] and [..., N]: leading dimensions are flattened to M rows
 * and need not be contiguous with each other, but each row must be (stride 1 along K and N).
 * bias, where given, is [N] in a float dtype. y is F32, F16 or BF16.
 * ------------------------------------------------------------------------------------------------- */

/// Dense linear layer: y = x·Wᵀ (+ bias). x and w are F32, F16 or BF16 (they may differ); w is [N, K].
QRT_API qrt_status qrt_gemm(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* w, const qrt_tensor* bias,
                            qrt_tensor* y);

/// Integer weight-only linear layer (W4A16 / W8A16) in the compressed-tensors "pack-quantized" layout.
///  weight_packed     I32 [N, ceil(K / (32 / num_bits))]: each word holds 32/num_bits values along K,
///                    value j of a row in word j / (32/num_bits) at bit num_bits * (j % (32/num_bits))
///                    (lowest bits first); the stored value is q + 2^(num_bits-1).
///  weight_scale      F32/F16/BF16 [N, G]: G = ceil(K / group_size) groups, or G = 1 with group_size 0
///                    (one scale per output channel).
///  weight_zero_point I32 [ceil(N / (32 / num_bits)), G] or NULL (symmetric): zero points packed the same
///                    way but along N, stored value = z + 2^(num_bits-1).
///  weight_g_idx      I32 [K] or NULL: the group of input column k (activation ordering); without it the
///                    group of column k is k / group_size.
///  num_bits          4 or 8.  group_size: 0 (per channel) or the number of input columns per group.
/// The weight is W[n][k] = (q[n][k] - z[n][g]) * scale[n][g] with g the group of k (z = 0 if symmetric).
QRT_API qrt_status qrt_gemm_wna16(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* weight_packed,
                                  const qrt_tensor* weight_scale, const qrt_tensor* weight_zero_point,
                                  const qrt_tensor* weight_g_idx, int32_t num_bits, int64_t group_size,
                                  const qrt_tensor* bias, qrt_tensor* y);

/* The repacked W4A16 layout ("tensor-core order"). A weight is repacked once, at load, from the
 * pack-quantized layout above into the order in which the GPU kernel's mma.sync m16n8k16 instructions consume
 * it, so that each thread's 16-byte load is its part of eight B fragments and the weights stream from memory
 * once, in full 512-byte tiles. Shape rules (UNSUPPORTED otherwise, on every backend): 4-bit weights, N a
 * multiple of 64, K a multiple of 32, group_size 0 (per channel) or a multiple of 32. Activation ordering is
 * applied before the repack: the caller sorts the input columns by group (stably, when every group holds
 * group_size columns), permutes weight_packed's columns into that order, repacks, and gathers each x's columns
 * into the same order (qrt_gather_columns) before qrt_gemm_wna16_repacked.
 *  repacked weight   I32 [K/16, 2N]: row kt holds the 16 x 64 tiles of input columns 16kt .. 16kt + 15, output
 *                    features 64nt .. 64nt + 63, in increasing nt, 128 words each. Word 4l + j of a tile
 *                    (l = 4g + t: g = l / 4, t = l % 4, as in the mma fragment tables) holds eight stored
 *                    values: e0..e3 of feature 16j + g at tile columns 2t, 2t+1, 2t+8, 2t+9, and e4..e7 of
 *                    feature 16j + 8 + g at the same columns, with nibble i (bits 4i .. 4i+3) holding
 *                    e[{0, 2, 4, 6, 1, 3, 5, 7}[i]] (so that nibbles 0 and 4, 1 and 5, 2 and 6, 3 and 7 become the
 *                    four 16-bit pairs of the fragments with one mask each).
 *  repacked scale    [G, N] in weight_scale's dtype: the scales transposed, one row per group.
 *  repacked zero     I32 [G, N/8]: in the row of each group, word 8nt + c (c = 0..7) holds the stored zero points
 *                    of features 64nt + 8i + c, i = 0..7, in nibble i (the eight features of the fragments of
 *                    the threads with g = c).
 */

/// Repacks a 4-bit pack-quantized weight (qrt_gemm_wna16's weight_packed, weight_scale and weight_zero_point,
/// without a g_idx: see the layout above for activation ordering) into the repacked layout. Stored values move
/// unchanged (the CUDA backend writes the same bytes as the CPU). repacked_zero_point must be given exactly when
/// weight_zero_point is. All outputs must be contiguous and must not overlap the inputs. num_bits must be 4:
/// 8-bit weights stay on qrt_gemm_wna16.
QRT_API qrt_status qrt_repack_wna16(qrt_stream* stream, const qrt_tensor* weight_packed, const qrt_tensor* weight_scale,
                                    const qrt_tensor* weight_zero_point, int32_t num_bits, int64_t group_size,
                                    qrt_tensor* repacked_weight, qrt_tensor* repacked_scale,
                                    qrt_tensor* repacked_zero_point);

/// Writes to *bytes the workspace qrt_gemm_wna16_repacked needs on `device` to split the input columns of a
/// [N, K] weight across the device's multiprocessors for any x of up to max_rows rows (0 on the CPU).
QRT_API qrt_status qrt_gemm_wna16_repacked_workspace_size(qrt_device device, int64_t max_rows, int64_t n, int64_t k,
                                                          size_t* bytes);

/// W4A16 linear layer on a repacked weight: the same result as qrt_gemm_wna16 on the weight before the repack
/// (up to the order of the FP32 sums). x [..., K] and y [..., N] as for qrt_gemm_wna16; on the CUDA backend x is
/// F16 or BF16, 16-byte aligned, with a row stride that is a multiple of 8 elements.
///  repacked_weight, repacked_scale, repacked_zero_point (or NULL): qrt_repack_wna16's outputs; num_bits 4 and
///  group_size as given to it.
///  workspace: U8, contiguous, or NULL. On the CUDA backend, when x has few rows, blocks of the kernel split
///  the input columns of one output tile, write their FP32 partial sums there, and the last of them adds them
///  always in the same order (the result is the same bits on every run with the same workspace size on the same
///  device). A smaller workspace (or NULL) only means fewer such splits. It must be zero-filled before its first
///  use; every call leaves its counters zero-filled again, and calls sharing a workspace must not run
///  concurrently. The CPU backend ignores it.
QRT_API qrt_status qrt_gemm_wna16_repacked(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* repacked_weight,
                                           const qrt_tensor* repacked_scale, const qrt_tensor* repacked_zero_point,
                                           int32_t num_bits, int64_t group_size, const qrt_tensor* bias,
                                           qrt_tensor* workspace, qrt_tensor* y);

/* Grouped W4A16 for mixture-of-experts layers. For T tokens each routed to k experts there are R = T·k routed rows;
 * x [R, K] holds them sorted by expert: rows [expert_offsets[e], expert_offsets[e + 1]) belong to expert e, with
 * expert_offsets I32 [E + 1] rising from 0 to R (on the CUDA backend in device memory, written there by the routing
 * op). The experts' weights are STACKED along a leading dimension E: expert e's slice of each stacked tensor is the
 * repacked layout above of expert e's own weight. To stack, qrt_repack_wna16 each expert into its slice: a view of
 * the stacked tensor at element e·(K/16)·2N (weight), e·G·N (scale) or e·G·(N/8) (zero point) with the slice's
 * rank-2 shape is contiguous, as the repack requires. With activation ordering each expert has its own column
 * permutation, so each expert's weight is sorted by its own order before its repack, and the routed rows are gathered
 * with qrt_gather_columns_grouped.
 */

/// Every expert's W4A16 linear layer on its segment of rows, in one call: the rows of segment e of y get what
/// qrt_gemm_wna16_repacked computes for those rows of x with expert e's repacked weight and bias row (the same bits
/// on the CPU; on the CUDA backend up to the order of the FP32 sums, since the grouped kernel never splits K).
///  x                   [R, K] (rows contiguous along K, any row stride); on the CUDA backend F16 or BF16, 16-byte
///                      aligned, with a row stride that is a multiple of 8 elements.
///  repacked_weight     I32 [E, K/16, 2N], repacked_scale [E, G, N] (F32/F16/BF16), repacked_zero_point I32
///                      [E, G, N/8] or NULL: contiguous stacks of qrt_repack_wna16's outputs (see above); num_bits 4
///                      and group_size as given to the repacks; the layout's shape rules apply.
///  bias                [E, N] float, contiguous, or NULL.
///  expert_offsets      I32 [E + 1], contiguous.
///  y                   [R, N] F32, F16 or BF16, not overlapping x.
/// On the CPU the offsets are checked (0 first, R last, never decreasing) before any work. On the CUDA backend the
/// host does not read them: the call allocates nothing, synchronises nothing, and may be captured in a CUDA graph.
/// Each offset is clamped into [0, R], a decreasing pair is an empty segment, and nothing outside the tensors is read
/// or written; rows of y in no segment are left unchanged, rows in several get one of their results. The CUDA
/// kernel does not split K (no workspace): a block per expert, row tile and 256 output features, where blocks past
/// their expert's segment exit without reading its weights. It takes E up to 65535 and R up to 2^30
/// (UNSUPPORTED beyond).
QRT_API qrt_status qrt_gemm_wna16_repacked_grouped(qrt_stream* stream, const qrt_tensor* x,
                                                   const qrt_tensor* repacked_weight, const qrt_tensor* repacked_scale,
                                                   const qrt_tensor* repacked_zero_point, int32_t num_bits,
                                                   int64_t group_size, const qrt_tensor* bias,
                                                   const qrt_tensor* expert_offsets, qrt_tensor* y);

/// Activation ordering of a grouped layer: row r of segment e (as for qrt_gemm_wna16_repacked_grouped) gets
/// y[r][j] = x[r][indices[e][j]], each expert with its own permutation of the K columns. x and y [R, K] float
/// (F32/F16/BF16, same dtype), rows contiguous along K, any row stride, not overlapping; indices I32 [E, K] and
/// expert_offsets I32 [E + 1], contiguous. On the CPU the offsets (as for the GEMM) and every index (in [0, K)) are
/// checked before any work. On the CUDA backend neither is read by the host: offsets are clamped as for the GEMM,
/// and a column whose index is outside [0, K) is written as NaN (as qrt_gather_columns does).
QRT_API qrt_status qrt_gather_columns_grouped(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* indices,
                                              const qrt_tensor* expert_offsets, qrt_tensor* y);

/// Quantizes float activations x [..., K] to INT8 q (same shape), symmetric unless a zero point is given.
///  Dynamic (static_scale NULL): per row, scale = max|x| / 127, q = round(x / scale) — round half to even,
///  saturated to [-128, 127] — and the scale is written to scale_out (F32 with one element per row). A row
///  of zeros gets scale 0 and q = 0.
///  Static (static_scale F32/F16/BF16 with one element): q = sat(round(x / scale) + zero_point), with
///  static_zero_point an I32 tensor of one element or NULL; scale_out must be NULL.
///  NaN inputs round to 0 (before the zero point is added), as the GPU's cvt.rni.sat does.
QRT_API qrt_status qrt_quantize_int8(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* static_scale,
                                     const qrt_tensor* static_zero_point, qrt_tensor* q, qrt_tensor* scale_out);

/// INT8 W8A8 linear layer on quantized activations, with exact integer accumulation (int32 holds any sum of
/// K < 131072 products; every model layer is far below that, and the CPU kernel stays exact beyond it):
///  y[m][n] = a_scale[m] * w_scale[n] * (Σk a[m][k]·w[n][k] − a_zero_point·Σk w[n][k]) (+ bias[n]).
///  a I8 [..., K]; a_scale F32 with one element (per tensor) or one per row (per token);
///  a_zero_point I32 with one element or NULL; w I8 [N, K]; w_scale F32/F16/BF16 with one element
///  (per tensor) or N elements (per channel, e.g. [N] or [N, 1]).
QRT_API qrt_status qrt_gemm_w8a8_int8(qrt_stream* stream, const qrt_tensor* a, const qrt_tensor* a_scale,
                                      const qrt_tensor* a_zero_point, const qrt_tensor* w, const qrt_tensor* w_scale,
                                      const qrt_tensor* bias, qrt_tensor* y);

/// Quantizes float activations x [..., K] to F8_E4M3 q (same shape), rounding to nearest even and
/// saturating to ±448.
///  Dynamic (static_scale NULL): per row, scale = max|x| / 448, q = x / scale, scale written to scale_out
///  (F32, one element per row). A row of zeros gets scale 0 and q = 0.
///  Static (static_scale with one element): q = x / scale; scale_out must be NULL.
QRT_API qrt_status qrt_quantize_fp8(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* static_scale,
                                    qrt_tensor* q, qrt_tensor* scale_out);

/// FP8 W8A8 linear layer on quantized activations, FP32 accumulation:
///  y[m][n] = a_scale[m] * w_scale[n] * Σk a[m][k]·w[n][k] (+ bias[n]).
///  a F8_E4M3 [..., K]; a_scale F32 with one element or one per row; w F8_E4M3 [N, K];
///  w_scale F32/F16/BF16 with one element or N elements.
QRT_API qrt_status qrt_gemm_w8a8_fp8(qrt_stream* stream, const qrt_tensor* a, const qrt_tensor* a_scale,
                                     const qrt_tensor* w, const qrt_tensor* w_scale, const qrt_tensor* bias,
                                     qrt_tensor* y);

/// FP8 weight-only linear layer (W8A16): y = x·(w·w_scale)ᵀ (+ bias), activations left in F32/F16/BF16.
///  w F8_E4M3 [N, K]; w_scale F32/F16/BF16 with one element or N elements.
QRT_API qrt_status qrt_gemm_w8a16_fp8(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* w,
                                      const qrt_tensor* w_scale, const qrt_tensor* bias, qrt_tensor* y);

/* ---------------------------------------------------------------------------------------------------
 * Grouped expert linear layers (mixture of experts, as vLLM's fused MoE). For T tokens that each choose k
 * experts there are R = T·k routed rows, sorted by expert: x (or a, y, q) is [R, ...] and its rows
 * [expert_offsets[e], expert_offsets[e + 1]) belong to expert e. expert_offsets is I32 [E + 1], contiguous,
 * rising from 0 to R, in the stream's device memory. Weights, their scales and biases are stacked with a leading
 * expert dimension E (taken from w's first dimension). Each segment gets what the ungrouped op gives its rows
 * with expert e's weight, scales and bias; every other argument rule is the ungrouped op's. An empty segment is
 * allowed. On the CPU the bits are the ungrouped op's. On CUDA the FP32-accumulating ops sum in the order of
 * the tile configuration picked from R / E (the average segment, since the host does not read the offsets): a
 * segment has the ungrouped op's bits when that op would pick the same configuration for its rows, and lies
 * within the FP32 accumulation error of them otherwise; INT8 is always exact.
 * Offsets on the CPU backend are checked before any work (0 first, R last, never decreasing). On the CUDA
 * backend they stay in device memory and the host never reads them (the calls allocate nothing, never
 * synchronise, and can be captured in a CUDA graph): each offset is clamped into [0, R], a decreasing pair is an
 * empty segment, rows in no segment are left unwritten, each output of a row in two segments (overlapping
 * pairs) is one of the two experts' results, and nothing outside the tensors is ever read or written.
 * w is [E, N, K] with contiguous rows (any expert and row strides; on CUDA 16-byte aligned, as the ungrouped
 * kernels need for their [N, K] weight). bias, where given, is [E, N] float, contiguous.
 * ------------------------------------------------------------------------------------------------- */

/// Dense grouped linear layer: for each expert e, y[rows of e] = x[rows of e]·w[e]ᵀ (+ bias[e]). x [R, K] and
/// w [E, N, K] in the dtypes qrt_gemm takes on the backend (CPU: F32/F16/BF16; CUDA: BF16 or F16, both the same);
/// y [R, N] float.
QRT_API qrt_status qrt_gemm_grouped(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* w,
                                    const qrt_tensor* bias, const qrt_tensor* expert_offsets, qrt_tensor* y);

/// INT8 W8A8 grouped linear layer (qrt_gemm_w8a8_int8 per expert, exact integer accumulation).
///  a I8 [R, K]; a_scale F32: one element (shared), [E] (static, one per expert) or [R, 1] (per token: one per
///  row, rank 2 so that it cannot be mistaken for [E] when R = E); a_zero_point I32 [E] or NULL; w I8 [E, N, K];
///  w_scale F32/F16/BF16 [E] (per tensor of each expert) or [E, N] (per channel); bias [E, N] or NULL;
///  y [R, N] float.
QRT_API qrt_status qrt_gemm_w8a8_int8_grouped(qrt_stream* stream, const qrt_tensor* a, const qrt_tensor* a_scale,
                                              const qrt_tensor* a_zero_point, const qrt_tensor* w,
                                              const qrt_tensor* w_scale, const qrt_tensor* bias,
                                              const qrt_tensor* expert_offsets, qrt_tensor* y);

/// FP8 W8A8 grouped linear layer (qrt_gemm_w8a8_fp8 per expert). a F8_E4M3 [R, K]; a_scale F32 as for
/// qrt_gemm_w8a8_int8_grouped (one element, [E] or [R, 1]); w F8_E4M3 [E, N, K]; w_scale [E] or [E, N]; bias
/// [E, N] or NULL; y [R, N] float.
QRT_API qrt_status qrt_gemm_w8a8_fp8_grouped(qrt_stream* stream, const qrt_tensor* a, const qrt_tensor* a_scale,
                                             const qrt_tensor* w, const qrt_tensor* w_scale, const qrt_tensor* bias,
                                             const qrt_tensor* expert_offsets, qrt_tensor* y);

/// FP8 weight-only grouped linear layer (qrt_gemm_w8a16_fp8 per expert). x [R, K] float (BF16 or F16 on CUDA);
/// w F8_E4M3 [E, N, K]; w_scale [E] or [E, N]; bias [E, N] or NULL; y [R, N] float.
QRT_API qrt_status qrt_gemm_w8a16_fp8_grouped(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* w,
                                              const qrt_tensor* w_scale, const qrt_tensor* bias,
                                              const qrt_tensor* expert_offsets, qrt_tensor* y);

/// Static per-tensor INT8 quantization with each expert's own scale (as AutoFP8-style checkpoints carry one input
/// scale per expert): the rows of expert e get qrt_quantize_int8's static result with static_scale[e] and
/// static_zero_point[e]. x [R, K] float; static_scale F32/F16/BF16 [E]; static_zero_point I32 [E] or NULL;
/// q I8 [R, K]. E is the number of offsets minus one. (Dynamic per-token quantization needs no grouped form:
/// qrt_quantize_int8 works on the sorted rows.) On CUDA a row takes the scale of the first expert whose clamped
/// segment holds it.
QRT_API qrt_status qrt_quantize_int8_grouped(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* static_scale,
                                             const qrt_tensor* static_zero_point, const qrt_tensor* expert_offsets,
                                             qrt_tensor* q);

/// Static per-tensor F8_E4M3 quantization with each expert's own scale: the rows of expert e get
/// qrt_quantize_fp8's static result with static_scale[e]. x [R, K] float; static_scale F32/F16/BF16 [E];
/// q F8_E4M3 [R, K]. Offsets as for qrt_quantize_int8_grouped.
QRT_API qrt_status qrt_quantize_fp8_grouped(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* static_scale,
                                            const qrt_tensor* expert_offsets, qrt_tensor* q);

/* ---------------------------------------------------------------------------------------------------
 * Normalisation. x and y are [..., H] with contiguous rows (any row stride); y may be x.
 * ------------------------------------------------------------------------------------------------- */

/// RMSNorm as in transformers: v = x / sqrt(mean(x²) + eps) in FP32, rounded to x's dtype, then
/// y = weight · v. weight is [H].
QRT_API qrt_status qrt_rms_norm(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* weight, float eps,
                                qrt_tensor* y);

/// Residual add fused with RMSNorm: residual = x + residual (rounded to residual's dtype, in place), then
/// y = rms_norm(residual). x, residual and y are [..., H]; y may be x.
QRT_API qrt_status qrt_add_rms_norm(qrt_stream* stream, const qrt_tensor* x, qrt_tensor* residual,
                                    const qrt_tensor* weight, float eps, qrt_tensor* y);

/// LayerNorm with affine weight and bias [H] (bias may be NULL): y = (x − mean) / sqrt(var + eps) · w + b,
/// with the biased variance, all in FP32. On the CUDA backend y has x's dtype and bias weight's.
QRT_API qrt_status qrt_layer_norm(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* weight,
                                  const qrt_tensor* bias, float eps, qrt_tensor* y);

/* ---------------------------------------------------------------------------------------------------
 * Rotary position embedding, half-split ("rotate_half") convention, in place.
 * x is [T, H, D] (tokens, heads, head dim) with stride 1 along D and any strides along T and H. The first
 * R dims of each head rotate (R = 2 × the half width given by inv_freq or cos/sin; R ≤ D); for i < R/2:
 *   x'[i]       = x[i]·cos[i] − x[i + R/2]·sin[i]
 *   x'[i + R/2] = x[i + R/2]·cos[i] + x[i]·sin[i]
 * ------------------------------------------------------------------------------------------------- */

/// Rotary embedding from positions: angle[t][i] = positions[t] · inv_freq[i] in FP32.
/// positions I32 or I64 [T]; inv_freq F32 [R/2].
QRT_API qrt_status qrt_rope(qrt_stream* stream, qrt_tensor* x, const qrt_tensor* positions, const qrt_tensor* inv_freq);

/// Rotary embedding from explicit per-token tables cos and sin, F32 [T, R/2] — the form Pixtral's 2-D,
/// Qwen2-VL's vision 2-D and M-RoPE reduce to.
QRT_API qrt_status qrt_rope_cos_sin(qrt_stream* stream, qrt_tensor* x, const qrt_tensor* cos, const qrt_tensor* sin);

/* ---------------------------------------------------------------------------------------------------
 * Activations. Tensors are [..., H] with contiguous rows; y may alias an input. On the CUDA backend all
 * tensors of a call have one dtype.
 * ------------------------------------------------------------------------------------------------- */

/// Pointwise activation functions.
typedef enum qrt_activation {
    /// x · sigmoid(x)
    QRT_ACTIVATION_SILU = 0,
    /// x · Φ(x) with the exact erf form (torch GELU, approximate="none")
    QRT_ACTIVATION_GELU = 1,
    /// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (approximate="tanh")
    QRT_ACTIVATION_GELU_TANH = 2,
    /// x · sigmoid(1.702·x)
    QRT_ACTIVATION_QUICK_GELU = 3
} qrt_activation;

/// y = act(x).
QRT_API qrt_status qrt_activate(qrt_stream* stream, qrt_activation activation, const qrt_tensor* x, qrt_tensor* y);

/// y = act(gate) · up — SiLU-and-mul for SwiGLU MLPs. gate and up may be the two halves of one fused
/// [..., 2I] tensor passed as column views.
QRT_API qrt_status qrt_activate_gated(qrt_stream* stream, qrt_activation activation, const qrt_tensor* gate,
                                      const qrt_tensor* up, qrt_tensor* y);

/* ---------------------------------------------------------------------------------------------------
 * Softmax, sampling helpers, embedding
 * ------------------------------------------------------------------------------------------------- */

/// y = softmax(x) along the last dimension, in FP32. x and y are [..., V]; y may be x. On the CUDA backend y has
/// x's dtype (also for qrt_log_softmax).
QRT_API qrt_status qrt_softmax(qrt_stream* stream, const qrt_tensor* x, qrt_tensor* y);

/// y = log_softmax(x) along the last dimension, in FP32. x and y are [..., V]; y may be x.
QRT_API qrt_status qrt_log_softmax(qrt_stream* stream, const qrt_tensor* x, qrt_tensor* y);

/// indices[m] = the index of the largest x[m][v] (the first on ties; NaN counts as largest).
/// x is [..., V] float; indices is I32 or I64 with one element per row.
QRT_API qrt_status qrt_argmax(qrt_stream* stream, const qrt_tensor* x, qrt_tensor* indices);

/// ids[b] = a token drawn from row b of logits, each row with its own settings, as the managed TokenSampler draws:
/// temperature scales the logits; top-k keeps the logits ≥ the k-th largest (ties with it kept, as transformers
/// does); softmax; top-p keeps the fewest most probable tokens whose probability reaches top_p (at least one; ties
/// with the last one kept); the draw picks among what is kept in proportion to probability. NaN logits are never
/// drawn.
///  logits [B, V] F32, F16 or BF16, rows contiguous with any row stride; B ≥ 1, 1 ≤ V ≤ 2^31 − 1.
///  temperature F32 [B]: 0 draws greedily, the first index of the largest logit (NaN only when every logit is).
///  top_k I32 [B]: 0 is off. top_p F32 [B]: 1 is off.
///  seed I64 [B] (64 bits read as unsigned) and counter I64 [B]: the draw's 64 random bits are the first two words
///  (low, high) of Philox-4x32-10 keyed by (seed low, seed high) at counter (counter low, counter high, 0, 0); the
///  uniform is bits / 2^64. Every row's counter is incremented by one after each call, greedy rows included, in
///  place (in device memory on CUDA), so that repeated calls and replays of a captured graph draw fresh numbers.
///  ids I32 [B]. All vectors contiguous; counter and ids must not overlap any other argument.
/// Probabilities are fixed-point integers (exp((x − max) / temperature) · 2^S, S = 62 − ceil(log2 V), truncated),
/// so sums are exact and the CPU and CUDA backends draw the same token from the same inputs, run after run. A row
/// whose largest logit is +inf or −inf, or whose logits are all NaN, is decoded greedily.
/// Checked: shapes and dtypes; on the CPU also every row's parameters (temperature finite and ≥ 0, top_k ≥ 0,
/// 0 < top_p ≤ 1), naming the first bad row. On the CUDA backend the parameters live in device memory, which the
/// host does not read, and the kernel gives values out of range a meaning instead: a temperature that is negative,
/// NaN or infinite draws greedily, a top_k < 0 is off, a top_p outside (0, 1] is off. The CUDA kernel allocates
/// nothing and does not synchronise, so it can be captured in a CUDA graph.
QRT_API qrt_status qrt_sample(qrt_stream* stream, const qrt_tensor* logits, const qrt_tensor* temperature,
                              const qrt_tensor* top_k, const qrt_tensor* top_p, const qrt_tensor* seed,
                              qrt_tensor* counter, qrt_tensor* ids);

/// y[t] = table[ids[t]]. ids I32 or I64 [...] (all in [0, V)); table [V, D] float; y [..., D] float (a table of
/// another float dtype is rounded to y's). On the CPU the ids are checked before any work; on the CUDA backend they
/// live in device memory, which the host does not read: the row of an id outside [0, V) is written as NaN instead,
/// and nothing outside the table is read.
QRT_API qrt_status qrt_embedding(qrt_stream* stream, const qrt_tensor* ids, const qrt_tensor* table, qrt_tensor* y);

/* ---------------------------------------------------------------------------------------------------
 * Attention
 * ------------------------------------------------------------------------------------------------- */

/// Scaled dot-product attention with grouped-query heads over a contiguous key/value sequence, softmax
/// in FP32.
///  q [Tq, Hq, D], k [Tk, Hkv, D], v [Tk, Hkv, Dv], out [Tq, Hq, Dv]: float, stride 1 along the last
///  dimension, any strides along the first two. Hq must be a multiple of Hkv; query head h reads
///  key/value head h / (Hq / Hkv).
///  segments: NULL, or I32 [S + 1] cumulative offsets 0 = s0 ≤ s1 ≤ … ≤ sS = Tq = Tk: tokens attend only
///  within their own segment (block-diagonal; one block per image, or per sequence of a packed batch).
///  Without segments the queries are the last Tq positions of the Tk keys (Tq ≤ Tk): query i sits at
///  position i + Tk − Tq. With segments, positions count from each segment's start.
///  causal: 1 to let a query at position p see keys at positions ≤ p; 0 to see its whole segment.
///  sliding_window: 0, or W > 0 to let a query at position p see only keys at positions > p − W.
///  scale multiplies q·k before the softmax (usually 1/√D).
///  A query that sees no key gets zeros.
///  CUDA: q, k, v and out in one dtype, D and Dv at most 256. The segment offsets are then in device
///  memory and only their count is checked: the kernel clamps each offset into [0, Tq] and never reads
///  past the S + 1 given, so bad offsets give unspecified rows (a query outside every segment gets zeros)
///  but no out-of-bounds access.
QRT_API qrt_status qrt_attention(qrt_stream* stream, const qrt_tensor* q, const qrt_tensor* k, const qrt_tensor* v,
                                 const qrt_tensor* segments, float scale, int32_t causal, int32_t sliding_window,
                                 qrt_tensor* out);

/* ---------------------------------------------------------------------------------------------------
 * Paged KV cache
 * Each sequence's keys and values live in fixed-size blocks of a shared pool (vLLM's PagedAttention
 * layout), so memory is allocated per block rather than per maximum context, and sequences of different
 * lengths can run in one batch. A cache is [num_blocks, block_size, Hkv, D], contiguous; a slot
 * b·block_size + r names row r of block b. A sequence's block table lists the blocks holding its key
 * positions in order: position p lives in block block_table[p / block_size], row p % block_size.
 * ------------------------------------------------------------------------------------------------- */

/// Writes the keys and values of T new tokens into block-paged caches.
///  k [T, Hkv, D], v [T, Hkv, Dv]: F32, F16 or BF16, stride 1 along the last dimension, any strides along
///  the first two.
///  k_cache [num_blocks, block_size, Hkv, D], v_cache [num_blocks, block_size, Hkv, Dv]: contiguous, F32, F16
///  or BF16, both the same dtype, num_blocks and block_size (block_size >= 1); values are converted to it on
///  write (round to nearest even). Neither cache may overlap the other, k or v.
///  slots I32 [T], contiguous: token t goes to block slots[t] / block_size, row slots[t] % block_size. A
///  negative slot means "skip this token" (padding), as in vLLM; every other slot must be in
///  [0, num_blocks·block_size), and no two tokens may name the same slot. All slots are checked before
///  anything is written. Rows no token names are left untouched.
///  On CUDA the slots live in device memory and are not checked: a slot outside [0, num_blocks·block_size)
///  is skipped like a negative one, and tokens sharing a slot leave that row with elements of either.
QRT_API qrt_status qrt_kv_cache_write(qrt_stream* stream, const qrt_tensor* k, const qrt_tensor* v,
                                      const qrt_tensor* slots, qrt_tensor* k_cache, qrt_tensor* v_cache);

/// Causal grouped-query attention of several sequences' new tokens over their paged caches, softmax in FP32.
///  q [Tq, Hq, D], out [Tq, Hq, Dv]: F32, F16 or BF16 (they may differ), stride 1 along the last dimension,
///  any strides along the first two. out must not overlap q or the caches.
///  k_cache [num_blocks, block_size, Hkv, D], v_cache [num_blocks, block_size, Hkv, Dv]: as in
///  qrt_kv_cache_write (contiguous, the same dtype, num_blocks and block_size). Hq must be a multiple of
///  Hkv; query head h reads key/value head h / (Hq / Hkv).
///  query_starts I32 [S + 1], contiguous: cumulative offsets 0 = q0 ≤ q1 ≤ … ≤ qS = Tq; sequence s owns
///  queries [qs, qs+1).
///  context_lengths I32 [S], contiguous: the number of keys of sequence s (its cached tokens, the new ones
///  included, already written). Its queries are its LAST (qs+1 − qs) positions, so that count must not
///  exceed its context length: query qs + i sits at position context_lengths[s] − (qs+1 − qs) + i.
///  block_tables I32 [S, max_blocks_per_sequence], contiguous: key position p of sequence s lives in block
///  block_tables[s][p / block_size], row p % block_size. A sequence uses its first
///  ceil(context_lengths[s] / block_size) entries, which must fit in a row and lie in [0, num_blocks);
///  the entries past them are ignored. Every rule on query_starts, context_lengths and block_tables is
///  checked before any work.
///  A query at position p sees keys at positions ≤ p, and with sliding_window W > 0 only those > p − W;
///  sliding_window 0 means no window, and a negative one is refused.
///  scale (finite, positive; usually 1/√D) multiplies q·k before the softmax.
///  On CUDA query_starts, context_lengths and block_tables live in device memory and their values are not
///  checked; nothing is read outside them or the caches: a query that no sequence's offsets claim, keys past
///  context_lengths[s] − 1 or past the row of block_tables, and keys in blocks outside [0, num_blocks) are
///  skipped, and a query left with no key gets zeros. Results are the same bits on every run.
QRT_API qrt_status qrt_paged_attention(qrt_stream* stream, const qrt_tensor* q, const qrt_tensor* k_cache,
                                       const qrt_tensor* v_cache, const qrt_tensor* query_starts,
                                       const qrt_tensor* context_lengths, const qrt_tensor* block_tables,
                                       float scale, int32_t sliding_window, qrt_tensor* out);

/* ---------------------------------------------------------------------------------------------------
 * Mixture of experts
 * Routing for sparse MoE layers (Mixtral), as vLLM's fused MoE does it: route on the device, sort the
 * token rows by expert, run each expert's GEMM over its contiguous rows, then combine. T tokens each
 * choose k experts out of E, giving R = T·k routed rows; the (token t, slot s) pair is routed row
 * t·k + s. "Rows sorted by expert" is a [R, H] matrix whose rows [expert_offsets[e], expert_offsets[e+1])
 * belong to expert e; expert_offsets is I32 [E + 1], cumulative from 0, in device memory on CUDA.
 * ------------------------------------------------------------------------------------------------- */

/// Chooses each token's experts: the softmax of its router logits in FP32 (qrt_softmax's arithmetic), then its
/// top_k most probable experts, largest first and the lower index first on ties (a row the softmax makes NaN —
/// a NaN or +inf logit, or only −inf — gives experts 0, 1, …, k − 1).
///  router_logits [T, E]: F32, F16 or BF16, rows contiguous. 1 ≤ top_k ≤ E. renormalize: 0 or 1.
///  expert_ids I32 [T, k] and expert_weights F32 [T, k], contiguous, overlapping neither each other nor
///  router_logits: the chosen experts and their probabilities, divided by the sum of the k kept probabilities
///  (added largest first) when renormalize is 1 (Mixtral).
///  On the CPU the probabilities are qrt_softmax's bits; on CUDA their FP32 sum is added in another order, so a
///  weight may differ from the CPU's in the last bits and, where two probabilities are within such rounding of
///  each other, so may the choice between them.
QRT_API qrt_status qrt_moe_route(qrt_stream* stream, const qrt_tensor* router_logits, int32_t top_k,
                                 int32_t renormalize, qrt_tensor* expert_ids, qrt_tensor* expert_weights);

/// Sorts the R = T·k (token, slot) pairs by expert, stably (a counting sort): the same results on every run.
///  expert_ids I32 [T, k], contiguous; num_experts E ≥ 1.
///  sorted_rows I32 [R]: sorted_rows[i] = t·k + s of the i-th pair in (expert, then t·k + s) order.
///  expert_offsets I32 [E + 1]: the pairs of expert e are sorted_rows[expert_offsets[e] .. expert_offsets[e+1]).
///  row_positions I32 [T, k]: row_positions[t][s] = the i where pair (t, s) landed (the inverse permutation).
///  All three contiguous, overlapping no other argument.
///  On the CPU every id is checked to lie in [0, E) before anything is written; the error names the token and
///  slot. On CUDA the ids live in device memory and are not checked: a pair whose id is outside [0, E) is
///  dropped — it is counted in no segment (so expert_offsets[E] = R minus the dropped pairs), its row_positions
///  entry is -1, the entries of sorted_rows from expert_offsets[E] on are -1, and qrt_moe_gather writes NaN rows
///  there while qrt_moe_combine leaves the dropped slot out of its token's sum. The CUDA kernel takes E ≤ 4096.
QRT_API qrt_status qrt_moe_sort(qrt_stream* stream, const qrt_tensor* expert_ids, int32_t num_experts,
                                qrt_tensor* sorted_rows, qrt_tensor* expert_offsets, qrt_tensor* row_positions);

/// xs[i] = x[sorted_rows[i] / top_k]: the tokens' rows in sorted order, for the experts' GEMMs.
///  x [T, H]: F32, F16 or BF16, rows contiguous. top_k ≥ 1. sorted_rows I32 [R], R = T·top_k, contiguous, as
///  qrt_moe_sort writes it. xs [R, H] in x's dtype, rows contiguous, overlapping neither x nor sorted_rows.
///  On the CPU every entry is checked to lie in [0, R) before anything is written; on CUDA sorted_rows lives in
///  device memory and an entry outside [0, R) (a dropped pair's -1) gives a row of NaN, and nothing outside x is
///  read.
QRT_API qrt_status qrt_moe_gather(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* sorted_rows,
                                  int32_t top_k, qrt_tensor* xs);

/// y[t] = Σ over the token's slots s of expert_weights[t][s] · expert_out[row_positions[t][s]], the products
/// added in FP32 from 0 in increasing expert id (slot order on equal ids) — expert by expert in index order, as
/// transformers adds them — each product and sum rounded to FP32, then rounded once to y's dtype. The CPU and
/// CUDA backends give the same bits.
///  expert_out [R, H]: F32, F16 or BF16, rows contiguous, rows sorted by expert. row_positions I32 [T, k],
///  expert_weights F32 [T, k] and expert_ids I32 [T, k], contiguous, as qrt_moe_sort and qrt_moe_route write
///  them; R = T·k. y [T, H]: F32, F16 or BF16, rows contiguous; y must overlap none of the other arguments.
///  A slot whose row_positions entry is -1 (a pair qrt_moe_sort dropped) adds nothing. On the CPU any other entry
///  outside [0, R) is an error naming the token and slot, checked before anything is written; on CUDA it makes
///  the token's row NaN, and nothing outside expert_out is read. The CUDA kernel takes k ≤ 4096.
QRT_API qrt_status qrt_moe_combine(qrt_stream* stream, const qrt_tensor* expert_out, const qrt_tensor* row_positions,
                                   const qrt_tensor* expert_weights, const qrt_tensor* expert_ids, qrt_tensor* y);

#ifdef __cplusplus
}
#endif

#endif /* QRT_H */
