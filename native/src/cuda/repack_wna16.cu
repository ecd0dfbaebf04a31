// The repack of a 4-bit pack-quantized weight into the repacked W4A16 layout (core/wna16_layout.h) on the GPU, run
// once per weight at load. One thread writes one output word from the same index functions as the CPU repack, so
// both write the same bytes; speed matters little here, so the reads are plain loads.
#include <cstdint>

#include "core/dtype.h"
#include "core/stream.h"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_check.h"
#include "cuda/launch.cuh"

namespace qrt::cuda {
namespace {

constexpr unsigned kThreads = 256;

__device__ __forceinline__ uint32_t read_nibble(const int32_t* words, long long index, int shift) {
    return (static_cast<uint32_t>(words[index]) >> shift) & 0xFu;
}

// Word `index` of the repacked weight [K/16, 2N]: row k_tile, tile n_tile, word w of the tile.
__global__ void repack_weight_kernel(const int32_t* __restrict__ packed, long long packed_stride, int32_t* repacked,
                                     long long n, long long words) {
    const long long index = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (index >= words) return;
    const long long k_tile = index / (2 * n);
    const long long in_row = index % (2 * n);
    const long long n_tile = in_row / wna16::kWordsPerTile;
    const int w = static_cast<int>(in_row % wna16::kWordsPerTile);
    uint32_t word = 0;
    for (int e = 0; e < 8; ++e) {
        const long long feature = n_tile * wna16::kTileN + wna16::tile_feature(w, e);
        const long long column = k_tile * wna16::kTileK + wna16::tile_column(w, e);
        word |= read_nibble(packed, feature * packed_stride + column / 8, static_cast<int>(4 * (column % 8)))
                << (4 * wna16::nibble_of_value(e));
    }
    repacked[index] = static_cast<int32_t>(word);
}

// Element [g][n] of the transposed scales from [n][g]; Element is the scale's storage (2 or 4 bytes).
template <class Element>
__global__ void transpose_scales_kernel(const Element* __restrict__ scale, long long scale_stride, Element* target,
                                        long long n, long long groups) {
    const long long index = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (index >= n * groups) return;
    const long long g = index / n;
    const long long feature = index % n;
    target[index] = scale[feature * scale_stride + g];
}

// Word [g][8 n_tile + c] of the repacked zero points from the source words [n / 8][g].
__global__ void repack_zero_points_kernel(const int32_t* __restrict__ zero_point, long long zero_stride,
                                          int32_t* target, long long n, long long groups) {
    const long long words_per_row = n / 8;
    const long long index = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (index >= words_per_row * groups) return;
    const long long g = index / words_per_row;
    const long long n_tile = (index % words_per_row) / 8;
    const int c = static_cast<int>(index % 8);
    uint32_t word = 0;
    for (int i = 0; i < 8; ++i) {
        const long long feature = n_tile * wna16::kTileN + wna16::zero_point_feature(c, i);
        word |= read_nibble(zero_point, (feature / 8) * zero_stride + g, static_cast<int>(4 * (feature % 8))) << (4 * i);
    }
    target[index] = static_cast<int32_t>(word);
}

LaunchShape threads_for(long long count) {
    LaunchShape shape;
    shape.grid = dim3(static_cast<unsigned>((count + kThreads - 1) / kThreads));
    shape.block = dim3(kThreads);
    return shape;
}

}  // namespace

void repack_wna16(const qrt_stream* stream, const wna16::PackedInt4& source, const wna16::RepackedInt4& target) {
    constexpr const char* op = "qrt_repack_wna16";
    const long long words = source.k / 16 * 2 * source.n;
    // One thread per output word or element; the grid's x extent bounds the weights a launch can cover.
    if ((words + kThreads - 1) / kThreads > 0x7FFFFFFFLL) {
        throw Error(QRT_STATUS_UNSUPPORTED, concat(op, ": ", words, " words exceed the repack kernel's grid"));
    }
    if (words == 0) return;
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    QRT_LAUNCH(repack_weight_kernel, threads_for(words), cuda_stream, static_cast<const int32_t*>(source.packed.data),
               source.packed.row_stride, static_cast<int32_t*>(target.weight.data), source.n, words);
    const long long scales = source.n * source.groups;
    if (dtype_size(source.scale.dtype) == 4) {
        QRT_LAUNCH((transpose_scales_kernel<uint32_t>), threads_for(scales), cuda_stream,
                   static_cast<const uint32_t*>(source.scale.data), source.scale.row_stride,
                   static_cast<uint32_t*>(target.scale.data), source.n, source.groups);
    } else {
        QRT_LAUNCH((transpose_scales_kernel<uint16_t>), threads_for(scales), cuda_stream,
                   static_cast<const uint16_t*>(source.scale.data), source.scale.row_stride,
                   static_cast<uint16_t*>(target.scale.data), source.n, source.groups);
    }
    if (source.zero_point && target.zero_point) {
        QRT_LAUNCH(repack_zero_points_kernel, threads_for(source.n / 8 * source.groups), cuda_stream,
                   static_cast<const int32_t*>(source.zero_point->data), source.zero_point->row_stride,
                   static_cast<int32_t*>(target.zero_point->data), source.n, source.groups);
    }
    check_cuda(cudaGetLastError(), concat(op, ": kernel launch"));
}

}  // namespace qrt::cuda
