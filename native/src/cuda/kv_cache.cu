// Writing new tokens' keys and values into block-paged caches on the GPU: one thread block per (token, head)
// row, its threads along the head dim. The slots live in device memory, so the host cannot check them: a
// slot outside [0, num_blocks·block_size) is skipped like a negative (padding) one, and the kernel never
// writes outside the caches. Values are converted as the CPU backend does (cpu/paged_attention.cpp): a plain
// copy when the dtypes agree, else through FP32 with one rounding to nearest even.
#include <climits>
#include <type_traits>

#include "core/stream.h"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_check.h"
#include "cuda/float_types.cuh"
#include "cuda/launch.cuh"
#include "cuda/row_blocks.cuh"

namespace qrt::cuda {
namespace {

// The value stored in a cache of element type C: the same bits when the types agree.
template <class C, class S>
__device__ __forceinline__ C cache_value(S value) {
    if constexpr (std::is_same<C, S>::value) {
        return value;
    } else {
        return from_float<C>(to_float(value));
    }
}

// One (token, head) row of a source tensor and where it goes in its cache.
template <class S, class C>
__device__ __forceinline__ void copy_row(const S* source, C* target, int dim) {
    for (int d = threadIdx.x; d < dim; d += blockDim.x) target[d] = cache_value<C>(source[d]);
}

template <class K, class V, class C>
__global__ void kv_cache_write_kernel(const K* k, long long k_token_stride, long long k_head_stride, const V* v,
                                      long long v_token_stride, long long v_head_stride, const int* slots,
                                      long long slot_count, C* k_cache, C* v_cache, int heads, int k_dim, int v_dim) {
    const long long token = blockIdx.x / heads;
    const int head = static_cast<int>(blockIdx.x % heads);
    const long long slot = slots[token];
    if (slot < 0 || slot >= slot_count) return;  // padding, or a slot the caches do not have
    const long long cache_row = slot * heads + head;
    copy_row(k + token * k_token_stride + head * k_head_stride, k_cache + cache_row * k_dim, k_dim);
    copy_row(v + token * v_token_stride + head * v_head_stride, v_cache + cache_row * v_dim, v_dim);
}

}  // namespace

void kv_cache_write(const qrt_stream* stream, const HeadsView& k, const HeadsView& v, const IndexVector& slots,
                    const HeadsView& k_cache, const HeadsView& v_cache) {
    constexpr const char* op = "qrt_kv_cache_write";
    const int64_t rows = k.tokens * k.heads;
    if (rows == 0) return;
    if (rows > INT32_MAX || k.dim > INT32_MAX || v.dim > INT32_MAX) {
        throw Error(QRT_STATUS_UNSUPPORTED, concat(op, ": ", k.tokens, " tokens of ", k.heads, " heads (", k.dim, " + ",
                                                   v.dim, " dims) exceed the CUDA kernel's limit of 2^31 - 1 each"));
    }
    DeviceScope scope(stream->device.ordinal);
    const auto cuda_stream = static_cast<cudaStream_t>(stream->native_handle);
    LaunchShape shape;
    shape.grid = dim3(static_cast<unsigned>(rows));
    shape.block = dim3(threads_for(k.dim > v.dim ? k.dim : v.dim));
    dispatch_float(k.dtype, [&](auto key_type) {
        using K = typename decltype(key_type)::type;
        dispatch_float(v.dtype, [&](auto value_type) {
            using V = typename decltype(value_type)::type;
            dispatch_float(k_cache.dtype, [&](auto cache_type) {
                using C = typename decltype(cache_type)::type;
                QRT_LAUNCH((kv_cache_write_kernel<K, V, C>), shape, cuda_stream, static_cast<const K*>(k.data),
                           k.token_stride, k.head_stride, static_cast<const V*>(v.data), v.token_stride,
                           v.head_stride, static_cast<const int*>(slots.data), k_cache.tokens,
                           static_cast<C*>(k_cache.data), static_cast<C*>(v_cache.data), static_cast<int>(k.heads),
                           static_cast<int>(k.dim), static_cast<int>(v.dim));
            });
        });
    });
    check_launch(op);
}

}  // namespace qrt::cuda
