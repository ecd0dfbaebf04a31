// Softmax, log-softmax and argmax along the last dimension on the GPU: one thread block per row.
//
// softmax and log_softmax follow cpu/softmax.cpp operation for operation: the row maximum with NaN skipped (exact,
// whatever the order, so the CPU's bits), exp(x − max) for each element (expf: the host's in the emulator, within 2
// ulp on a GPU), their FP32 sum, then a correctly rounded division (softmax) or x − max − log(sum) (log_softmax). Only
// the sum's order differs from the CPU's: block_sum adds each thread's strided elements in turn, then the warps'
// partial sums in a fixed tree, so a result depends on the values and the block size alone. A NaN in the row, or
// inf − inf (the maximum is +inf, or every value is −inf), makes the sum NaN and the whole row NaN, as on the CPU.
// The row is read again in each pass rather than kept, so any length fits; every thread writes only the elements it
// read itself, after the reductions' barriers, so y may be x.
//
// argmax reduces (value, index) pairs under one total order: a NaN before any number, a larger number before a
// smaller, and on equal values (or between NaNs) the lower index. That is the CPU's answer — the first NaN if there
// is one, else the first maximum — in any reduction order, so it is exact.
#include <cstdint>
#include <limits>

#include "core/stream.h"
#include "cuda/block_reduce.cuh"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_check.h"
#include "cuda/float_types.cuh"
#include "cuda/launch.cuh"
#include "cuda/row_blocks.cuh"
#include "cuda/shared.cuh"

namespace qrt::cuda {
namespace {

constexpr int kNoIndex = std::numeric_limits<int>::max();  // the index of a thread that saw no element

// The largest element this thread sees, NaN skipped (a comparison with NaN is false); −inf if it sees none.
template <class T>
__device__ __forceinline__ float thread_max(const T* row, int cols) {
    float largest = -INFINITY;
    for (int col = threadIdx.x; col < cols; col += blockDim.x) {
        const float value = to_float(row[col]);
        largest = value > largest ? value : largest;
    }
    return largest;
}

template <class T>
__global__ void softmax_kernel(const T* x, long long x_stride, T* y, long long y_stride, int cols) {
    const T* x_row = x + blockIdx.x * x_stride;
    T* y_row = y + blockIdx.x * y_stride;
    const float largest = block_max(thread_max(x_row, cols));
    float partial = 0.0f;
    for (int col = threadIdx.x; col < cols; col += blockDim.x) partial += expf(to_float(x_row[col]) - largest);
    const float total = block_sum(partial);
    for (int col = threadIdx.x; col < cols; col += blockDim.x) {
        y_row[col] = from_float<T>(expf(to_float(x_row[col]) - largest) / total);
    }
}

template <class T>
__global__ void log_softmax_kernel(const T* x, long long x_stride, T* y, long long y_stride, int cols) {
    const T* x_row = x + blockIdx.x * x_stride;
    T* y_row = y + blockIdx.x * y_stride;
    const float largest = block_max(thread_max(x_row, cols));
    float partial = 0.0f;
    for (int col = threadIdx.x; col < cols; col += blockDim.x) partial += expf(to_float(x_row[col]) - largest);
    const float log_total = logf(block_sum(partial));
    for (int col = threadIdx.x; col < cols; col += blockDim.x) {
        y_row[col] = from_float<T>((to_float(x_row[col]) - largest) - log_total);
    }
}

// Whether (a, a_index) comes before (b, b_index) in argmax's order (see the top of the file).
__device__ __forceinline__ bool precedes(float a, int a_index, float b, int b_index) {
    const bool a_nan = a != a;
    const bool b_nan = b != b;
    if (a_nan != b_nan) return a_nan;
    if (!a_nan && a != b) return a > b;
    return a_index < b_index;
}

// The first of the warp's pairs, given to every lane: the order is total, so the butterfly agrees on it.
__device__ __forceinline__ void warp_first(float& value, int& index) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        const float other = __shfl_xor_sync(kFullWarpMask, value, offset);
        const int other_index = __shfl_xor_sync(kFullWarpMask, index, offset);
        if (precedes(other, other_index, value, index)) {
            value = other;
            index = other_index;
        }
    }
}

template <class T, class Index>
__global__ void argmax_kernel(const T* x, long long x_stride, Index* indices, int cols) {
    QRT_SHARED(float, warp_values, 32);
    QRT_SHARED(int, warp_indices, 32);
    const T* x_row = x + blockIdx.x * x_stride;
    float value = -INFINITY;
    int index = kNoIndex;
    for (int col = threadIdx.x; col < cols; col += blockDim.x) {
        const float candidate = to_float(x_row[col]);
        if (precedes(candidate, col, value, index)) {
            value = candidate;
            index = col;
        }
    }
    warp_first(value, index);
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    if (lane == 0) {
        warp_values[warp] = value;
        warp_indices[warp] = index;
    }
    __syncthreads();
    if (warp == 0) {
        const int warps = blockDim.x >> 5;
        value = lane < warps ? warp_values[lane] : -INFINITY;
        index = lane < warps ? warp_indices[lane] : kNoIndex;
        warp_first(value, index);
        if (lane == 0) indices[blockIdx.x] = static_cast<Index>(index);
    }
}

void require_rows(const char* op, const RowsView& x, const RowsView& y) {
    require_one_dtype(op, x.dtype, y.dtype, "y");
    require_launchable(op, x);
}

enum RowNormalisation { kSoftmax, kLogSoftmax };

// One block per row of x, y in x's dtype.
template <RowNormalisation Kind>
void launch_row_normalisation(const char* op, const qrt_stream* stream, const RowsView& x, const RowsView& y) {
    require_rows(op, x, y);
    if (x.rows == 0 || x.cols == 0) return;
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    dispatch_float(x.dtype, [&](auto type) {
        using T = typename decltype(type)::type;
        // launch_kernel rather than QRT_LAUNCH, so that the emulator's messages still name the kernel that ran.
        const auto kernel = Kind == kSoftmax ? softmax_kernel<T> : log_softmax_kernel<T>;
        launch_kernel(Kind == kSoftmax ? "softmax_kernel" : "log_softmax_kernel", kernel, row_blocks(x), cuda_stream,
                      static_cast<const T*>(x.data), x.row_stride, static_cast<T*>(y.data), y.row_stride,
                      static_cast<int>(x.cols));
    });
    check_launch(op);
}

}  // namespace

void softmax(const qrt_stream* stream, const RowsView& x, const RowsView& y) {
    launch_row_normalisation<kSoftmax>("qrt_softmax", stream, x, y);
}

void log_softmax(const qrt_stream* stream, const RowsView& x, const RowsView& y) {
    launch_row_normalisation<kLogSoftmax>("qrt_log_softmax", stream, x, y);
}

void argmax(const qrt_stream* stream, const RowsView& x, void* indices, qrt_dtype index_dtype) {
    constexpr const char* op = "qrt_argmax";
    require_launchable(op, x);
    if (x.rows == 0) return;
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    dispatch_float(x.dtype, [&](auto type) {
        using T = typename decltype(type)::type;
        const auto* values = static_cast<const T*>(x.data);
        if (index_dtype == QRT_DTYPE_I64) {
            QRT_LAUNCH((argmax_kernel<T, int64_t>), row_blocks(x), cuda_stream, values, x.row_stride,
                       static_cast<int64_t*>(indices), static_cast<int>(x.cols));
        } else {
            QRT_LAUNCH((argmax_kernel<T, int32_t>), row_blocks(x), cuda_stream, values, x.row_stride,
                       static_cast<int32_t*>(indices), static_cast<int>(x.cols));
        }
    });
    check_launch(op);
}

}  // namespace qrt::cuda
