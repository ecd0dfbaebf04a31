// E repacked W4A16 weights of one shape stacked along a leading expert dimension (qrt_gemm_wna16_repacked_grouped):
// the tensors [E, K/16, 2N], [E, G, N] and [E, G, N/8] are contiguous, so expert e's weight is expert 0's views
// with each data pointer moved by e slices.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/wna16_layout.h"

namespace qrt::wna16 {

struct StackedRepackedInt4 {
    RepackedInt4 first;  // expert 0's slice of each stacked tensor
    int64_t experts = 0;

    // Elements between the slices of consecutive experts.
    int64_t weight_stride() const { return first.k / kTileK * 2 * first.n; }
    int64_t scale_stride() const { return first.groups * first.n; }
    int64_t zero_point_stride() const { return first.groups * (first.n / 8); }

    RepackedInt4 expert(int64_t e) const {
        RepackedInt4 w = first;
        w.weight.data = static_cast<char*>(first.weight.data) + e * weight_stride() * dtype_size(first.weight.dtype);
        w.scale.data = static_cast<char*>(first.scale.data) + e * scale_stride() * dtype_size(first.scale.dtype);
        if (w.zero_point) {
            w.zero_point->data =
                static_cast<char*>(first.zero_point->data) + e * zero_point_stride() * dtype_size(first.zero_point->dtype);
        }
        return w;
    }
};

}  // namespace qrt::wna16
