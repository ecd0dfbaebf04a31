// The operands of the grouped expert linear layers (qrt_gemm_grouped and its quantized forms, qrt.h): activations
// sorted by expert, so that the rows [offsets[e], offsets[e + 1]) belong to expert e, multiplied by weights stacked
// with a leading expert dimension. These views are what the entry points (api/gemm_grouped_api.cpp) hand the CPU and
// CUDA backends after validation; each one yields the ungrouped op's view of one expert's slice.
#pragma once

#include <cstdint>
#include <optional>

#include "core/tensor.h"

namespace qrt {

// Stacked matrices [E, N, K]: expert e's [N, K] matrix is `first` moved by e · expert_stride elements.
struct ExpertMatrices {
    RowsView first;
    int64_t count = 0;          // E
    int64_t expert_stride = 0;  // elements

    RowsView of(int64_t expert) const {
        RowsView view = first;
        view.data = static_cast<char*>(first.data) +
                    static_cast<size_t>(expert * expert_stride) * dtype_size(first.dtype);
        return view;
    }
};

// A float vector argument of a grouped op: absent (per_expert 0), one element shared by every expert (expert_stride
// 0), per_expert contiguous elements for each expert (expert_stride = per_expert), or one element per row of the
// sorted activations (per_row; the a_scale of per-token quantization).
struct GroupedVector {
    const void* data = nullptr;
    qrt_dtype dtype = QRT_DTYPE_F32;
    int64_t per_expert = 0;     // elements an expert reads (1 or N); 0: absent
    int64_t expert_stride = 0;  // elements between experts' values
    bool per_row = false;       // one element per row (then per_expert and expert_stride are unused)
    int64_t rows = 0;           // per_row: R

    bool present() const { return data != nullptr && (per_row || per_expert > 0); }

    // The ungrouped op's vector for expert `expert` on rows [row_begin, row_end).
    ScaleVector for_segment(int64_t expert, int64_t row_begin, int64_t row_end) const {
        if (!present()) return ScaleVector{};
        const size_t element = dtype_size(dtype);
        if (per_row) {
            return ScaleVector{static_cast<const char*>(data) + static_cast<size_t>(row_begin) * element, dtype,
                               row_end - row_begin};
        }
        return ScaleVector{static_cast<const char*>(data) + static_cast<size_t>(expert * expert_stride) * element,
                           dtype, per_expert};
    }
};

// An I32 zero point per expert (or absent).
struct GroupedZeroPoint {
    const int32_t* data = nullptr;

    std::optional<IndexVector> of(int64_t expert) const {
        if (data == nullptr) return std::nullopt;
        return IndexVector{data + expert, QRT_DTYPE_I32, 1};
    }
};

// expert_offsets: I32 [E + 1] in the stream's device memory. On the CPU the entry point has checked them (monotone,
// from 0 to R); on CUDA the host never reads them.
struct ExpertOffsets {
    const int32_t* data = nullptr;
    int64_t experts = 0;  // E
};

}  // namespace qrt
