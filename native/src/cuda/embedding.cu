// Embedding lookup on the GPU: y[t] = table[ids[t]], one thread block per token, consecutive threads on
// consecutive columns (coalesced reads of the table row and writes of y's). A table of y's dtype is copied
// element by element unchanged; another float dtype goes through FP32 and is rounded once to y's, as the CPU's
// load_row_f32 / store_row_f32 do. The ids live in device memory, which the host does not read: an id outside
// [0, V) writes a row of NaN, and nothing outside the table is read.
#include <cstdint>
#include <limits>
#include <type_traits>

#include "core/stream.h"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_check.h"
#include "cuda/float_types.cuh"
#include "cuda/launch.cuh"
#include "cuda/row_blocks.cuh"

namespace qrt::cuda {
namespace {

// Wide enough for a row of 5120 in a few passes, small enough to keep many tokens' blocks resident.
constexpr unsigned kMaxThreads = 256;

template <class Table, class Y, class Index>
__global__ void embedding_kernel(const Index* __restrict__ ids, const Table* __restrict__ table, long long table_stride,
                                 long long vocab, Y* __restrict__ y, long long y_stride, int cols) {
    const long long id = static_cast<long long>(ids[blockIdx.x]);
    Y* y_row = y + blockIdx.x * y_stride;
    if (id < 0 || id >= vocab) {
        const Y nan = from_float<Y>(__int_as_float(0x7fc00000));
        for (int col = threadIdx.x; col < cols; col += blockDim.x) y_row[col] = nan;
        return;
    }
    const Table* table_row = table + id * table_stride;
    for (int col = threadIdx.x; col < cols; col += blockDim.x) {
        if constexpr (std::is_same<Table, Y>::value) {
            y_row[col] = table_row[col];
        } else {
            y_row[col] = from_float<Y>(to_float(table_row[col]));
        }
    }
}

}  // namespace

void embedding(const qrt_stream* stream, const IndexVector& ids, const RowsView& table, const RowsView& y) {
    constexpr const char* op = "qrt_embedding";
    if (ids.count == 0 || y.cols == 0) return;
    require_launchable(op, y);
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    LaunchShape shape;
    shape.grid = dim3(static_cast<unsigned>(ids.count));
    shape.block = dim3(threads_for(y.cols) < kMaxThreads ? threads_for(y.cols) : kMaxThreads);
    dispatch_float(table.dtype, [&](auto table_type) {
        using Table = typename decltype(table_type)::type;
        dispatch_float(y.dtype, [&](auto y_type) {
            using Y = typename decltype(y_type)::type;
            const auto* from = static_cast<const Table*>(table.data);
            auto* to = static_cast<Y*>(y.data);
            if (ids.dtype == QRT_DTYPE_I64) {
                QRT_LAUNCH((embedding_kernel<Table, Y, int64_t>), shape, cuda_stream,
                           static_cast<const int64_t*>(ids.data), from, table.row_stride, table.rows, to, y.row_stride,
                           static_cast<int>(y.cols));
            } else {
                QRT_LAUNCH((embedding_kernel<Table, Y, int32_t>), shape, cuda_stream,
                           static_cast<const int32_t*>(ids.data), from, table.row_stride, table.rows, to, y.row_stride,
                           static_cast<int>(y.cols));
            }
        });
    });
    check_launch(op);
}

}  // namespace qrt::cuda
