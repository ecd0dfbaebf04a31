// Launch helpers shared by the kernels that give one row of a RowsView to one thread block (normalisation,
// activation quantization): the block shape, the size limits such a launch can take, and the launch check.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/error.h"
#include "core/tensor.h"
#include "cuda/cuda_check.h"
#include "cuda/launch.cuh"

namespace qrt::cuda {

// Enough threads to cover short rows in one pass, at most 1024; always whole warps.
inline unsigned threads_for(int64_t cols) {
    const int64_t warps = (cols + 31) / 32;
    return static_cast<unsigned>(warps >= 32 ? 1024 : (warps < 1 ? 32 : warps * 32));
}

// One block per row.
inline LaunchShape row_blocks(const RowsView& x) {
    LaunchShape shape;
    shape.grid = dim3(static_cast<unsigned>(x.rows));
    shape.block = dim3(threads_for(x.cols));
    return shape;
}

// The kernels read and write an argument in x's dtype only.
inline void require_one_dtype(const char* op, qrt_dtype a, qrt_dtype b, const char* name) {
    if (a != b) {
        throw Error(QRT_STATUS_UNSUPPORTED,
                    concat(op, ": argument '", name, "': the CUDA kernel needs it in x's dtype (", dtype_name(a),
                           "), got ", dtype_name(b)));
    }
}

// One block per row and int column indices bound the sizes the kernels take.
inline void require_launchable(const char* op, const RowsView& x) {
    if (x.cols > INT32_MAX || x.rows > INT32_MAX) {
        throw Error(QRT_STATUS_UNSUPPORTED, concat(op, ": ", x.rows, " rows of ", x.cols,
                                                   " elements exceed the CUDA kernel's limit of 2^31 - 1 each"));
    }
}

inline void check_launch(const char* op) { check_cuda(cudaGetLastError(), concat(op, ": kernel launch")); }

}  // namespace qrt::cuda
