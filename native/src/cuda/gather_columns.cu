// y[..., j] = x[..., indices[j]] on the GPU: how act-order activations are put into the sorted column order of a
// repacked W4A16 weight before each GEMM. Consecutive threads write consecutive columns of a row (coalesced
// stores); their reads follow the permutation, which for act-order stays within a few groups of columns and so
// within the L1/L2 lines the block already touched. The indices live in device memory and are not checked by the
// host: an index outside [0, K) writes NaN, and nothing outside x is read.
//
// The grouped gather (qrt_gather_columns_grouped) is the same kernel with an expert per blockIdx.z: its rows are the
// expert's segment of x, read from device memory (clamped into [0, R]; a decreasing pair is an empty segment), and
// its indices the expert's row of the index tensor.
#include <algorithm>
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
// expert_offsets: null, or [gridDim.z + 1] segment bounds, each block taking the rows of segment blockIdx.z and the
// indices at columns · blockIdx.z.
template <class Element, class Index>
__global__ void gather_columns_kernel(const Element* __restrict__ x, long long x_stride, const Index* __restrict__ indices,
                                      Element* y, long long y_stride, long long rows, long long columns, long long k,
                                      Element nan, const int32_t* __restrict__ expert_offsets) {
    const long long j = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (j >= columns) return;
    long long first_row = 0;
    long long end_row = rows;
    if (expert_offsets != nullptr) {
        const auto clamp = [rows](long long row) { return row < 0 ? 0LL : (row > rows ? rows : row); };
        first_row = clamp(expert_offsets[blockIdx.z]);
        end_row = clamp(expert_offsets[blockIdx.z + 1]);
        indices += static_cast<long long>(blockIdx.z) * columns;
    }
    const long long source = static_cast<long long>(indices[j]);
    const bool inside = source >= 0 && source < k;
    for (long long row = first_row + blockIdx.y; row < end_row; row += gridDim.y) {
        y[row * y_stride + j] = inside ? x[row * x_stride + source] : nan;
    }
}

// experts 0: the plain gather; else the grouped one, with expert_offsets [experts + 1] in device memory.
template <class Element>
void launch_gather(cudaStream_t stream, const RowsView& x, const IndexVector& indices, const RowsView& y,
                   Element nan, const int32_t* expert_offsets = nullptr, long long experts = 0) {
    LaunchShape shape;
    // A grouped launch's segments are unknown to the host: its row blocks per expert are those of an average
    // segment (R / E rows, at least 32), each looping over the rows of its expert that lie gridDim.y apart.
    long long grid_rows = y.rows;
    if (experts > 0) grid_rows = std::min<long long>(y.rows, std::max<long long>(32, (y.rows + experts - 1) / experts));
    shape.grid = dim3(static_cast<unsigned>((y.cols + kThreads - 1) / kThreads),
                      static_cast<unsigned>(grid_rows < kMaxGridRows ? grid_rows : kMaxGridRows),
                      static_cast<unsigned>(experts > 0 ? experts : 1));
    shape.block = dim3(kThreads);
    const auto* from = static_cast<const Element*>(x.data);
    auto* to = static_cast<Element*>(y.data);
    if (indices.dtype == QRT_DTYPE_I64) {
        QRT_LAUNCH((gather_columns_kernel<Element, int64_t>), shape, stream, from, x.row_stride,
                   static_cast<const int64_t*>(indices.data), to, y.row_stride, y.rows, y.cols, x.cols, nan, expert_offsets);
    } else {
        QRT_LAUNCH((gather_columns_kernel<Element, int32_t>), shape, stream, from, x.row_stride,
                   static_cast<const int32_t*>(indices.data), to, y.row_stride, y.rows, y.cols, x.cols, nan, expert_offsets);
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

void gather_columns_grouped(const qrt_stream* stream, const RowsView& x, const IndexVector& indices,
                            const int32_t* expert_offsets, int64_t experts, const RowsView& y) {
    constexpr const char* op = "qrt_gather_columns_grouped";
    if (y.rows == 0 || y.cols == 0 || experts == 0) return;
    if ((y.cols + kThreads - 1) / kThreads > 0x7FFFFFFFLL || experts > 65535) {
        throw Error(QRT_STATUS_UNSUPPORTED, concat(op, ": ", y.cols, " columns of ", experts,
                                                   " experts exceed the CUDA kernel's grid (at most 65535 experts)"));
    }
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    switch (x.dtype) {
        case QRT_DTYPE_F32: launch_gather<uint32_t>(cuda_stream, x, indices, y, 0x7FC00000u, expert_offsets, experts); break;
        case QRT_DTYPE_F16: launch_gather<uint16_t>(cuda_stream, x, indices, y, uint16_t{0x7E00}, expert_offsets, experts); break;
        case QRT_DTYPE_BF16: launch_gather<uint16_t>(cuda_stream, x, indices, y, uint16_t{0x7FC0}, expert_offsets, experts); break;
        default: throw Error(QRT_STATUS_INTERNAL_ERROR, concat(op, ": not a float dtype"));
    }
    check_cuda(cudaGetLastError(), concat(op, ": kernel launch"));
}

}  // namespace qrt::cuda
