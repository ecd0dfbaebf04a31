// y[..., j] = x[..., indices[j]] on the GPU: how act-order activations are put into the sorted column order of a
// repacked W4A16 weight before each GEMM. Consecutive threads write consecutive columns of a row (coalesced
// stores); their reads follow the permutation, which for act-order stays within a few groups of columns and so
// within the L1/L2 lines the block already touched. The indices live in device memory and are not checked by the
// host: an index outside [0, K) writes NaN, and nothing outside x is read.
#include <cstdint>

#include "core/stream.h"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_check.h"
#include "cuda/launch.cuh"

namespace qrt::cuda {
namespace {

constexpr unsigned kThreads = 256;
constexpr unsigned kMaxGridRows = 65535;  // CUDA's limit on gridDim.y; taller inputs loop over rows

// Element: the storage of one value (uint16_t for F16/BF16, uint32_t for F32); nan: its quiet NaN bits.
template <class Element, class Index>
__global__ void gather_columns_kernel(const Element* __restrict__ x, long long x_stride, const Index* __restrict__ indices,
                                      Element* y, long long y_stride, long long rows, long long columns, long long k,
                                      Element nan) {
    const long long j = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (j >= columns) return;
    const long long source = static_cast<long long>(indices[j]);
    const bool inside = source >= 0 && source < k;
    for (long long row = blockIdx.y; row < rows; row += gridDim.y) {
        y[row * y_stride + j] = inside ? x[row * x_stride + source] : nan;
    }
}

template <class Element>
void launch_gather(cudaStream_t stream, const RowsView& x, const IndexVector& indices, const RowsView& y,
                   Element nan) {
    LaunchShape shape;
    shape.grid = dim3(static_cast<unsigned>((y.cols + kThreads - 1) / kThreads),
                      static_cast<unsigned>(y.rows < kMaxGridRows ? y.rows : kMaxGridRows));
    shape.block = dim3(kThreads);
    const auto* from = static_cast<const Element*>(x.data);
    auto* to = static_cast<Element*>(y.data);
    if (indices.dtype == QRT_DTYPE_I64) {
        QRT_LAUNCH((gather_columns_kernel<Element, int64_t>), shape, stream, from, x.row_stride,
                   static_cast<const int64_t*>(indices.data), to, y.row_stride, y.rows, y.cols, x.cols, nan);
    } else {
        QRT_LAUNCH((gather_columns_kernel<Element, int32_t>), shape, stream, from, x.row_stride,
                   static_cast<const int32_t*>(indices.data), to, y.row_stride, y.rows, y.cols, x.cols, nan);
    }
}

}  // namespace

void gather_columns(const qrt_stream* stream, const RowsView& x, const IndexVector& indices, const RowsView& y) {
    constexpr const char* op = "qrt_gather_columns";
    if (y.rows == 0 || y.cols == 0) return;
    if ((y.cols + kThreads - 1) / kThreads > 0x7FFFFFFFLL) {
        throw Error(QRT_STATUS_UNSUPPORTED, concat(op, ": ", y.cols, " columns exceed the CUDA kernel's grid"));
    }
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    switch (x.dtype) {
        case QRT_DTYPE_F32: launch_gather<uint32_t>(cuda_stream, x, indices, y, 0x7FC00000u); break;
        case QRT_DTYPE_F16: launch_gather<uint16_t>(cuda_stream, x, indices, y, uint16_t{0x7E00}); break;
        case QRT_DTYPE_BF16: launch_gather<uint16_t>(cuda_stream, x, indices, y, uint16_t{0x7FC0}); break;
        default: throw Error(QRT_STATUS_INTERNAL_ERROR, concat(op, ": not a float dtype"));
    }
    check_cuda(cudaGetLastError(), concat(op, ": kernel launch"));
}

}  // namespace qrt::cuda
