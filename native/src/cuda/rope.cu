// Rotary position embedding on the GPU, in place, half-split convention: one thread block per token, its
// threads over (head, pair) so each thread rotates the pair (x[i], x[i + R/2]) of one head that it alone
// reads and writes. The arithmetic is the CPU backend's (cpu/rope.cpp) operation for operation: the pair is
// read as FP32, a·cos − b·sin and b·cos + a·sin are each two FP32 products and one sum, rounded separately
// (__fmul_rn / __fadd_rn, which nvcc never contracts into an FMA, as the CPU build compiles with
// -ffp-contract=off), and rounded once to x's dtype. Dims past R keep their bits.
//
// qrt_rope_cos_sin reads the tables, so it gives the CPU's bits exactly. qrt_rope builds the tables like the
// CPU: the FP32 angle position · inv_freq[i] (one FP32 multiply), then cos and sin in double, rounded once to
// FP32. The device's double cos/sin err by at most 2 units of the double's last place, so after rounding to
// FP32 a table entry differs from the CPU's correctly rounded one by at most one FP32 ulp (2^-24 for values
// below 1), whatever the angle's size: the double range reduction is exact for every FP32 angle.
#include <climits>

#include "core/stream.h"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_check.h"
#include "cuda/float_types.cuh"
#include "cuda/launch.cuh"
#include "cuda/row_blocks.cuh"
#include "cuda/shared.cuh"

namespace qrt::cuda {
namespace {

// Where one token's heads are: x [T, H, D] with strides in elements.
struct HeadsLayout {
    long long token_stride;
    long long head_stride;
    int heads;
    int half;
};

// Rotates the pairs of one token's heads with its tables (half entries each), the threads over (head, pair).
template <class T, class Table>
__device__ __forceinline__ void rotate_token(T* token_row, const HeadsLayout& layout, const Table& cos,
                                             const Table& sin) {
    const int pairs = layout.heads * layout.half;
    for (int e = threadIdx.x; e < pairs; e += blockDim.x) {
        const int head = e / layout.half;
        const int i = e - head * layout.half;
        T* row = token_row + head * layout.head_stride;
        const float a = to_float(row[i]);
        const float b = to_float(row[i + layout.half]);
        const float c = cos[i];
        const float s = sin[i];
        row[i] = from_float<T>(__fadd_rn(__fmul_rn(a, c), -__fmul_rn(b, s)));
        row[i + layout.half] = from_float<T>(__fadd_rn(__fmul_rn(b, c), __fmul_rn(a, s)));
    }
}

template <class T, class P>
__global__ void rope_kernel(T* x, HeadsLayout layout, const P* positions, const float* inv_freq) {
    QRT_DYNAMIC_SHARED(float, tables);
    auto cos_table = tables + 0;
    auto sin_table = tables + layout.half;
    const float position = static_cast<float>(positions[blockIdx.x]);
    for (int i = threadIdx.x; i < layout.half; i += blockDim.x) {
        const double angle = static_cast<double>(__fmul_rn(position, inv_freq[i]));
        cos_table[i] = static_cast<float>(::cos(angle));
        sin_table[i] = static_cast<float>(::sin(angle));
    }
    __syncthreads();
    rotate_token(x + blockIdx.x * layout.token_stride, layout, cos_table, sin_table);
}

template <class T>
__global__ void rope_cos_sin_kernel(T* x, HeadsLayout layout, const float* cos, long long cos_stride,
                                    const float* sin, long long sin_stride) {
    rotate_token(x + blockIdx.x * layout.token_stride, layout, cos + blockIdx.x * cos_stride,
                 sin + blockIdx.x * sin_stride);
}

HeadsLayout heads_layout(const char* op, const HeadsView& x, int64_t half) {
    if (x.tokens > INT32_MAX || x.heads * half > INT32_MAX) {
        throw Error(QRT_STATUS_UNSUPPORTED, concat(op, ": ", x.tokens, " tokens of ", x.heads, " heads exceed the CUDA ",
                                                   "kernel's limit of 2^31 - 1 tokens and pairs per token"));
    }
    return HeadsLayout{x.token_stride, x.head_stride, static_cast<int>(x.heads), static_cast<int>(half)};
}

LaunchShape token_blocks(const HeadsView& x, int64_t half) {
    LaunchShape shape;
    shape.grid = dim3(static_cast<unsigned>(x.tokens));
    shape.block = dim3(threads_for(x.heads * half));
    return shape;
}

}  // namespace

void rope(const qrt_stream* stream, const HeadsView& x, const IndexVector& positions, const float* inv_freq,
          int64_t half) {
    constexpr const char* op = "qrt_rope";
    if (half == 0 || x.tokens == 0 || x.heads == 0) return;
    const HeadsLayout layout = heads_layout(op, x, half);
    LaunchShape shape = token_blocks(x, half);
    shape.dynamic_shared_bytes = 2 * static_cast<size_t>(half) * sizeof(float);
    if (shape.dynamic_shared_bytes > 48 * 1024) {
        throw Error(QRT_STATUS_UNSUPPORTED,
                    concat(op, ": argument 'inv_freq': ", half, " frequencies exceed the CUDA kernel's limit of 6144"));
    }
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    dispatch_float(x.dtype, [&](auto element_type) {
        using T = typename decltype(element_type)::type;
        if (positions.dtype == QRT_DTYPE_I64) {
            QRT_LAUNCH((rope_kernel<T, long long>), shape, cuda_stream, static_cast<T*>(x.data), layout,
                       static_cast<const long long*>(positions.data), inv_freq);
        } else {
            QRT_LAUNCH((rope_kernel<T, int>), shape, cuda_stream, static_cast<T*>(x.data), layout,
                       static_cast<const int*>(positions.data), inv_freq);
        }
    });
    check_launch(op);
}

void rope_cos_sin(const qrt_stream* stream, const HeadsView& x, const RowsView& cos, const RowsView& sin) {
    constexpr const char* op = "qrt_rope_cos_sin";
    const int64_t half = cos.cols;
    if (half == 0 || x.tokens == 0 || x.heads == 0) return;
    const HeadsLayout layout = heads_layout(op, x, half);
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    dispatch_float(x.dtype, [&](auto element_type) {
        using T = typename decltype(element_type)::type;
        QRT_LAUNCH((rope_cos_sin_kernel<T>), token_blocks(x, half), cuda_stream, static_cast<T*>(x.data), layout,
                   static_cast<const float*>(cos.data), cos.row_stride, static_cast<const float*>(sin.data),
                   sin.row_stride);
    });
    check_launch(op);
}

}  // namespace qrt::cuda
