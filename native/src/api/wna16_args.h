// Argument checks shared by the entry points of the repacked W4A16 layout (wna16_repacked_api.cpp,
// wna16_grouped_api.cpp): the layout's shape rules, exact contiguous matrices and the CUDA kernels' alignment.
#pragma once

#include <cstdint>

#include "core/error.h"
#include "core/tensor.h"
#include "core/wna16_layout.h"
#include "qrt.h"

namespace qrt::wna16_args {

// The layout's rules (qrt.h): what the tiles and the kernel's 32-column steps need.
inline void require_layout_rules(const qrt::OpArgs& args, int32_t num_bits, int64_t n, int64_t k, int64_t group_size) {
    args.require(num_bits == 4 || num_bits == 8, "num_bits", "must be 4 or 8, got ", num_bits);
    if (num_bits != 4) {
        args.fail(QRT_STATUS_UNSUPPORTED, "num_bits",
                  "the repacked layout holds 4-bit weights only; 8-bit weights (W8A16) stay on qrt_gemm_wna16");
    }
    args.require(group_size >= 0, "group_size", "must be >= 0 (0 = one group per output channel), got ", group_size);
    if (n % wna16::kTileN != 0) {
        args.fail(QRT_STATUS_UNSUPPORTED, "weight", qrt::concat("N = ", n, " output features: the repacked layout needs a multiple of ",
                                                                wna16::kTileN, " (its tiles are 16 x 64)"));
    }
    if (k % wna16::kStepK != 0) {
        args.fail(QRT_STATUS_UNSUPPORTED, "weight", qrt::concat("K = ", k, " input columns: the repacked layout needs a multiple of ",
                                                                wna16::kStepK, " (its GEMM steps through K 32 columns at a time)"));
    }
    if (group_size % wna16::kStepK != 0) {
        args.fail(QRT_STATUS_UNSUPPORTED, "group_size",
                  qrt::concat(group_size, ": the repacked layout needs 0 (per channel) or a multiple of ", wna16::kStepK,
                              " (a 32-column step must lie in one group)"));
    }
}

// A rank-2 contiguous tensor of exactly [rows, cols].
inline qrt::RowsView exact_matrix(const qrt::OpArgs& args, const char* name, const qrt_tensor* tensor,
                                  const qrt::DTypeSet& dtypes, int64_t rows, int64_t cols, const char* layout) {
    const qrt::TensorRef ref = args.tensor(name, tensor, dtypes);
    args.require(ref.rank == 2 && ref.shape[0] == rows && ref.shape[1] == cols, name, "must be ", layout, " = [", rows,
                 ", ", cols, "], got shape ", ref.shape_string());
    args.require(ref.is_contiguous(), name, "must be contiguous");
    return args.rows(name, ref);
}

#if defined(QRT_WITH_CUDA)
// The CUDA kernels read whole 16-byte chunks of these tensors.
inline void require_16_byte_aligned(const qrt::OpArgs& args, const char* name, const void* data) {
    if (reinterpret_cast<uintptr_t>(data) % 16 != 0) {
        args.fail(QRT_STATUS_UNSUPPORTED, name, "the CUDA kernel needs its data 16-byte aligned");
    }
}
#endif

}  // namespace qrt::wna16_args
