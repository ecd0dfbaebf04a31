// What the attention kernels (attention.cu, attention_mma.cuh) share: strided [tokens, heads, dim]
// operands and the keys each query sees, by the rules of qrt_attention (the CPU op's visible_keys).
#pragma once

#include <cstdint>

#include "cuda/launch.cuh"

namespace qrt::cuda {

// A [tokens, heads, dim] operand: element (t, h, d) at data[t·token_stride + h·head_stride + d].
template <class T>
struct Heads {
    T* data;
    long long token_stride;
    long long head_stride;

    __device__ __forceinline__ T* row(long long token, long long head) const {
        return data + token * token_stride + head * head_stride;
    }
};

struct MaskParams {
    const int32_t* segment_offsets;  // null, or segment_count + 1 offsets in device memory
    int segment_count;
    int causal;
    int sliding_window;
};

// The keys [begin, end) that query `query` sees, by the rules of qrt_attention. The segment offsets
// are read from device memory unchecked: each is clamped into [0, key_count] and a segment never ends
// before it begins, so bad offsets give wrong rows but never an access out of bounds. A query outside
// every segment sees no key.
__device__ __forceinline__ void visible_keys(const MaskParams& mask, long long query, long long query_count,
                                             long long key_count, long long& begin, long long& end) {
    long long segment_begin = 0;
    long long segment_end = key_count;
    long long position = query + key_count - query_count;
    if (mask.segment_offsets != nullptr) {
        // The first offset greater than the query (upper bound); the query's segment ends there and
        // starts at the offset before it.
        int low = 0;
        int high = mask.segment_count + 1;
        while (low < high) {
            const int middle = low + (high - low) / 2;
            if (mask.segment_offsets[middle] <= query) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        if (low == 0 || low > mask.segment_count) {
            begin = 0;
            end = 0;
            return;
        }
        const long long first = mask.segment_offsets[low - 1];
        const long long last = mask.segment_offsets[low];
        segment_begin = first < 0 ? 0 : (first > key_count ? key_count : first);
        segment_end = last < segment_begin ? segment_begin : (last > key_count ? key_count : last);
        position = query - segment_begin;
    }
    begin = segment_begin;
    end = segment_end;
    if (mask.causal != 0) {
        const long long causal_end = segment_begin + position + 1;
        end = causal_end < end ? causal_end : end;
    }
    if (mask.sliding_window > 0) {
        const long long window_begin = segment_begin + position - mask.sliding_window + 1;
        begin = window_begin > begin ? window_begin : begin;
    }
    if (end < begin) end = begin;
}

}  // namespace qrt::cuda
