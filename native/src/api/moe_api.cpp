// Entry points for mixture-of-experts routing: qrt_moe_route, qrt_moe_sort, qrt_moe_gather and qrt_moe_combine.
#include <cstdint>
#include <limits>

#include "core/error.h"
#include "core/tensor.h"
#include "cpu/moe.h"
#include "qrt.h"

#if defined(QRT_WITH_CUDA)
#  include "cuda/cuda_backend.h"
#endif

namespace {

const qrt::DTypeSet& i32_only() {
    static const qrt::DTypeSet set{QRT_DTYPE_I32};
    return set;
}

const qrt::DTypeSet& f32_only() {
    static const qrt::DTypeSet set{QRT_DTYPE_F32};
    return set;
}

// A per-pair tensor: [T, k], contiguous, one element per (token, slot) pair.
qrt::TensorRef pair_tensor(const qrt::OpArgs& args, const char* name, const qrt_tensor* tensor,
                           const qrt::DTypeSet& dtypes, int64_t tokens, int64_t top_k) {
    const qrt::TensorRef ref = args.tensor(name, tensor, dtypes);
    args.require(ref.rank == 2 && ref.shape[0] == tokens && ref.shape[1] == top_k, name, "must be [T, k] = [", tokens,
                 ", ", top_k, "], got shape ", ref.shape_string());
    args.require(ref.is_contiguous(), name, "must be contiguous");
    return ref;
}

// A rank-1 I32 vector of `count` elements, contiguous.
qrt::TensorRef i32_vector(const qrt::OpArgs& args, const char* name, const qrt_tensor* tensor, int64_t count,
                          const char* count_meaning) {
    const qrt::TensorRef ref = args.tensor(name, tensor, i32_only());
    args.require(ref.rank == 1 && ref.shape[0] == count, name, "must be [", count_meaning, "] = [", count,
                 "], got shape ", ref.shape_string());
    args.require(ref.is_contiguous(), name, "must be contiguous");
    return ref;
}

// A rank-2 float matrix viewed as rows.
qrt::RowsView float_matrix(const qrt::OpArgs& args, const char* name, const qrt::TensorRef& ref,
                           const char* shape_meaning) {
    args.require(ref.rank == 2, name, "must be ", shape_meaning, " (rank 2), got shape ", ref.shape_string());
    return args.rows(name, ref);
}

// Outputs must not share memory with each other or with the inputs the kernels read while writing them.
void require_apart(const qrt::OpArgs& args, const char* name, const qrt::TensorRef& output, const char* other_name,
                   const qrt::TensorRef& other) {
    args.require(!qrt::may_overlap(output, other), name, "overlaps ", other_name);
}

// The routed rows must be numbered in I32, as sorted_rows and row_positions hold them.
void require_i32_pairs(const qrt::OpArgs& args, const char* name, int64_t tokens, int64_t top_k) {
    args.require(top_k == 0 || tokens <= std::numeric_limits<int32_t>::max() / top_k, name, "T·k = ", tokens, "·",
                 top_k, " routed rows do not fit in I32");
}

}  // namespace

extern "C" {

QRT_API qrt_status qrt_moe_route(qrt_stream* stream, const qrt_tensor* router_logits, int32_t top_k,
                                 int32_t renormalize, qrt_tensor* expert_ids, qrt_tensor* expert_weights) {
    return qrt::guarded("qrt_moe_route", [&] {
        qrt::OpArgs args("qrt_moe_route", stream);
        const qrt::TensorRef logits_ref = args.tensor("router_logits", router_logits, qrt::float_dtypes());
        const qrt::RowsView logits = float_matrix(args, "router_logits", logits_ref, "[T, E]");
        args.require(top_k >= 1 && top_k <= logits.cols, "top_k", top_k, " is outside [1, E] with E = ", logits.cols,
                     " (the columns of router_logits)");
        args.require(renormalize == 0 || renormalize == 1, "renormalize", "must be 0 or 1, got ", renormalize);
        const qrt::TensorRef ids_ref = pair_tensor(args, "expert_ids", expert_ids, i32_only(), logits.rows, top_k);
        const qrt::TensorRef weights_ref =
            pair_tensor(args, "expert_weights", expert_weights, f32_only(), logits.rows, top_k);
        require_apart(args, "expert_ids", ids_ref, "router_logits", logits_ref);
        require_apart(args, "expert_weights", weights_ref, "router_logits", logits_ref);
        require_apart(args, "expert_weights", weights_ref, "expert_ids", ids_ref);
        auto* ids = static_cast<int32_t*>(ids_ref.data);
        auto* weights = static_cast<float*>(weights_ref.data);
        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::moe_route(logits, top_k, renormalize == 1, ids, weights); return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA: qrt::cuda::moe_route(stream, logits, top_k, renormalize == 1, ids, weights); return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

QRT_API qrt_status qrt_moe_sort(qrt_stream* stream, const qrt_tensor* expert_ids, int32_t num_experts,
                                qrt_tensor* sorted_rows, qrt_tensor* expert_offsets, qrt_tensor* row_positions) {
    return qrt::guarded("qrt_moe_sort", [&] {
        qrt::OpArgs args("qrt_moe_sort", stream);
        const qrt::TensorRef ids_ref = args.tensor("expert_ids", expert_ids, i32_only());
        args.require(ids_ref.rank == 2, "expert_ids", "must be [T, k] (rank 2), got shape ", ids_ref.shape_string());
        args.require(ids_ref.is_contiguous(), "expert_ids", "must be contiguous");
        const int64_t tokens = ids_ref.shape[0];
        const int64_t top_k = ids_ref.shape[1];
        require_i32_pairs(args, "expert_ids", tokens, top_k);
        const int64_t pairs = tokens * top_k;
        args.require(num_experts >= 1 && num_experts < std::numeric_limits<int32_t>::max(), "num_experts",
                     num_experts, " is outside [1, 2^31 - 2]");
        const qrt::TensorRef rows_ref = i32_vector(args, "sorted_rows", sorted_rows, pairs, "R = T·k");
        const qrt::TensorRef offsets_ref =
            i32_vector(args, "expert_offsets", expert_offsets, int64_t{num_experts} + 1, "E + 1");
        const qrt::TensorRef positions_ref =
            pair_tensor(args, "row_positions", row_positions, i32_only(), tokens, top_k);
        require_apart(args, "sorted_rows", rows_ref, "expert_ids", ids_ref);
        require_apart(args, "expert_offsets", offsets_ref, "expert_ids", ids_ref);
        require_apart(args, "expert_offsets", offsets_ref, "sorted_rows", rows_ref);
        require_apart(args, "row_positions", positions_ref, "expert_ids", ids_ref);
        require_apart(args, "row_positions", positions_ref, "sorted_rows", rows_ref);
        require_apart(args, "row_positions", positions_ref, "expert_offsets", offsets_ref);
        const auto* ids = static_cast<const int32_t*>(ids_ref.data);
        auto* rows = static_cast<int32_t*>(rows_ref.data);
        auto* offsets = static_cast<int32_t*>(offsets_ref.data);
        auto* positions = static_cast<int32_t*>(positions_ref.data);
        switch (args.backend()) {
            case QRT_BACKEND_CPU: {
                // The ids are read here, where they live in host memory, and all of them before anything is written.
                const int64_t pair = qrt::cpu::first_expert_out_of_range(ids, pairs, num_experts);
                if (pair >= 0) {
                    args.fail(QRT_STATUS_INVALID_ARGUMENT, "expert_ids",
                              qrt::concat("token ", pair / top_k, ", slot ", pair % top_k, " holds ", ids[pair],
                                          ", outside [0, ", num_experts, ") (num_experts = ", num_experts, ")"));
                }
                qrt::cpu::moe_sort(ids, pairs, num_experts, rows, offsets, positions);
                return;
            }
#if defined(QRT_WITH_CUDA)
            // The ids live in device memory: the kernel drops a pair whose id is outside [0, E) (see qrt.h).
            case QRT_BACKEND_CUDA:
                qrt::cuda::moe_sort(stream, ids, pairs, num_experts, rows, offsets, positions);
                return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

QRT_API qrt_status qrt_moe_gather(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* sorted_rows,
                                  int32_t top_k, qrt_tensor* xs) {
    return qrt::guarded("qrt_moe_gather", [&] {
        qrt::OpArgs args("qrt_moe_gather", stream);
        const qrt::TensorRef x_ref = args.tensor("x", x, qrt::float_dtypes());
        const qrt::RowsView x_rows = float_matrix(args, "x", x_ref, "[T, H]");
        args.require(top_k >= 1, "top_k", "must be at least 1, got ", top_k);
        require_i32_pairs(args, "top_k", x_rows.rows, top_k);
        const int64_t pairs = x_rows.rows * top_k;
        const qrt::TensorRef rows_ref = i32_vector(args, "sorted_rows", sorted_rows, pairs, "R = T·k");
        const qrt::TensorRef xs_ref = args.tensor("xs", xs, qrt::float_dtypes());
        const qrt::RowsView xs_rows = float_matrix(args, "xs", xs_ref, "[R, H]");
        args.require(xs_ref.dtype == x_ref.dtype, "xs", "must have x's dtype ", qrt::dtype_name(x_ref.dtype), ", got ",
                     qrt::dtype_name(xs_ref.dtype));
        args.require(xs_rows.rows == pairs && xs_rows.cols == x_rows.cols, "xs", "must be [R, H] = [", pairs, ", ",
                     x_rows.cols, "] (R = T·k), got shape ", xs_ref.shape_string());
        require_apart(args, "xs", xs_ref, "x", x_ref);
        require_apart(args, "xs", xs_ref, "sorted_rows", rows_ref);
        const auto* rows = static_cast<const int32_t*>(rows_ref.data);
        switch (args.backend()) {
            case QRT_BACKEND_CPU: {
                const int64_t i = qrt::cpu::first_row_out_of_range(rows, pairs, pairs);
                if (i >= 0) {
                    args.fail(QRT_STATUS_INVALID_ARGUMENT, "sorted_rows",
                              qrt::concat("entry ", i, " holds ", rows[i], ", outside [0, ", pairs, ") (R = T·k = ",
                                          x_rows.rows, "·", top_k, ")"));
                }
                qrt::cpu::moe_gather(x_rows, rows, top_k, xs_rows);
                return;
            }
#if defined(QRT_WITH_CUDA)
            // sorted_rows lives in device memory: an entry outside [0, R) gives a row of NaN.
            case QRT_BACKEND_CUDA: qrt::cuda::moe_gather(stream, x_rows, rows, top_k, xs_rows); return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

QRT_API qrt_status qrt_moe_combine(qrt_stream* stream, const qrt_tensor* expert_out, const qrt_tensor* row_positions,
                                   const qrt_tensor* expert_weights, const qrt_tensor* expert_ids, qrt_tensor* y) {
    return qrt::guarded("qrt_moe_combine", [&] {
        qrt::OpArgs args("qrt_moe_combine", stream);
        const qrt::TensorRef out_ref = args.tensor("expert_out", expert_out, qrt::float_dtypes());
        const qrt::RowsView out_rows = float_matrix(args, "expert_out", out_ref, "[R, H]");
        const qrt::TensorRef positions_ref = args.tensor("row_positions", row_positions, i32_only());
        args.require(positions_ref.rank == 2, "row_positions", "must be [T, k] (rank 2), got shape ",
                     positions_ref.shape_string());
        const int64_t tokens = positions_ref.shape[0];
        const int64_t top_k = positions_ref.shape[1];
        pair_tensor(args, "row_positions", row_positions, i32_only(), tokens, top_k);
        require_i32_pairs(args, "row_positions", tokens, top_k);
        const int64_t pairs = tokens * top_k;
        args.require(out_rows.rows == pairs, "expert_out", "must have R = T·k = ", tokens, "·", top_k, " = ", pairs,
                     " rows, got shape ", out_ref.shape_string());
        const qrt::TensorRef weights_ref =
            pair_tensor(args, "expert_weights", expert_weights, f32_only(), tokens, top_k);
        const qrt::TensorRef ids_ref = pair_tensor(args, "expert_ids", expert_ids, i32_only(), tokens, top_k);
        const qrt::TensorRef y_ref = args.tensor("y", y, qrt::float_dtypes());
        const qrt::RowsView y_rows = float_matrix(args, "y", y_ref, "[T, H]");
        args.require(y_rows.rows == tokens && y_rows.cols == out_rows.cols, "y", "must be [T, H] = [", tokens, ", ",
                     out_rows.cols, "], got shape ", y_ref.shape_string());
        require_apart(args, "y", y_ref, "expert_out", out_ref);
        require_apart(args, "y", y_ref, "row_positions", positions_ref);
        require_apart(args, "y", y_ref, "expert_weights", weights_ref);
        require_apart(args, "y", y_ref, "expert_ids", ids_ref);
        const auto* positions = static_cast<const int32_t*>(positions_ref.data);
        const auto* weights = static_cast<const float*>(weights_ref.data);
        const auto* ids = static_cast<const int32_t*>(ids_ref.data);
        switch (args.backend()) {
            case QRT_BACKEND_CPU: {
                const int64_t pair = qrt::cpu::first_position_out_of_range(positions, pairs, pairs);
                if (pair >= 0) {
                    args.fail(QRT_STATUS_INVALID_ARGUMENT, "row_positions",
                              qrt::concat("token ", pair / top_k, ", slot ", pair % top_k, " holds ", positions[pair],
                                          ", neither -1 (dropped) nor in [0, ", pairs, ") (R = T·k)"));
                }
                qrt::cpu::moe_combine(out_rows, positions, weights, ids, top_k, y_rows);
                return;
            }
#if defined(QRT_WITH_CUDA)
            // row_positions lives in device memory: a position other than -1 outside [0, R) makes its token's row
            // NaN (see qrt.h).
            case QRT_BACKEND_CUDA:
                qrt::cuda::moe_combine(stream, out_rows, positions, weights, ids, top_k, y_rows);
                return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

}  // extern "C"
