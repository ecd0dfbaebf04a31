// The walk of qrt_copy and qrt_add over equally shaped tensors, planned on the host: for the CPU loops
// (cpu/elementwise.cpp) and for the CUDA kernels, which take it by value (cuda/elementwise.cu).
#pragma once

#include <array>
#include <cstdint>

#include "core/tensor.h"

namespace qrt {

// How equally shaped tensors are walked together. Dimensions of extent 1 are dropped, and a dimension
// merges into the one outside it wherever every operand steps over both contiguously, so a contiguous
// tensor becomes one long run and a strided one as few runs as its strides allow.
template <int Operands>
struct Walk {
    int rank = 0;
    int64_t shape[kMaxRank] = {};
    int64_t strides[Operands][kMaxRank] = {};  // in elements

    // The stride of the innermost dimension (host code: the CPU loops).
    int64_t run_stride(int operand) const { return strides[operand][rank - 1]; }
};

template <int Operands>
Walk<Operands> plan_walk(const std::array<const TensorRef*, Operands>& operands) {
    const TensorRef& first = *operands[0];
    Walk<Operands> walk;
    for (int d = 0; d < first.rank; ++d) {
        const int64_t extent = first.shape[d];
        if (extent == 1) continue;
        const int outer = walk.rank - 1;
        bool merges = walk.rank > 0;
        for (int n = 0; n < Operands && merges; ++n) {
            merges = walk.strides[n][outer] == operands[n]->strides[d] * extent;
        }
        if (merges) {
            walk.shape[outer] *= extent;
        } else {
            walk.shape[walk.rank++] = extent;
        }
        for (int n = 0; n < Operands; ++n) walk.strides[n][walk.rank - 1] = operands[n]->strides[d];
    }
    if (walk.rank == 0) {  // a scalar, or every extent is 1: a single element
        walk.rank = 1;
        walk.shape[0] = 1;
        for (int n = 0; n < Operands; ++n) walk.strides[n][0] = 1;
    }
    return walk;
}

}  // namespace qrt
