// Entry point for token sampling: qrt_sample.
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/error.h"
#include "core/tensor.h"
#include "cpu/sampling.h"
#include "qrt.h"

#if defined(QRT_WITH_CUDA)
#  include "cuda/cuda_backend.h"
#endif

namespace {

// A per-row parameter: a contiguous vector of one of `dtypes` with one element per row of logits.
qrt::TensorRef row_vector(const qrt::OpArgs& args, const char* name, const qrt_tensor* tensor,
                          const qrt::DTypeSet& dtypes, int64_t rows) {
    const qrt::TensorRef ref = args.tensor(name, tensor, dtypes);
    args.require(ref.rank == 1 && ref.shape[0] == rows, name, "must be [B] with B = ", rows,
                 " (the rows of logits), got shape ", ref.shape_string());
    args.indices(name, ref, rows);  // contiguous
    return ref;
}

// The CPU op reads the parameters in host memory: every row is checked before any work, and the message names the
// first row out of range.
void check_parameter_values(const qrt::OpArgs& args, int64_t rows, const float* temperature, const int32_t* top_k,
                            const float* top_p) {
    for (int64_t r = 0; r < rows; ++r) {
        args.require(std::isfinite(temperature[r]) && temperature[r] >= 0.0f, "temperature", "row ", r, " holds ",
                     temperature[r], "; a temperature must be finite and >= 0 (0 is greedy)");
        args.require(top_k[r] >= 0, "top_k", "row ", r, " holds ", top_k[r], "; top_k must be >= 0 (0 is off)");
        args.require(top_p[r] > 0.0f && top_p[r] <= 1.0f, "top_p", "row ", r, " holds ", top_p[r],
                     "; top_p must be in (0, 1] (1 is off)");
    }
}

}  // namespace

extern "C" QRT_API qrt_status qrt_sample(qrt_stream* stream, const qrt_tensor* logits, const qrt_tensor* temperature,
                                         const qrt_tensor* top_k, const qrt_tensor* top_p, const qrt_tensor* seed,
                                         qrt_tensor* counter, qrt_tensor* ids) {
    return qrt::guarded("qrt_sample", [&] {
        qrt::OpArgs args("qrt_sample", stream);
        const qrt::TensorRef logits_ref = args.tensor("logits", logits, qrt::float_dtypes());
        args.require(logits_ref.rank == 2, "logits", "must be [B, V] (rank 2), got shape ", logits_ref.shape_string());
        args.require(logits_ref.shape[0] >= 1 && logits_ref.shape[1] >= 1, "logits",
                     "needs at least one row and one logit per row, got shape ", logits_ref.shape_string());
        args.require(logits_ref.shape[1] <= std::numeric_limits<int32_t>::max(), "logits", "has ", logits_ref.shape[1],
                     " logits per row; at most 2^31 - 1 fit the I32 ids");
        const qrt::RowsView rows = args.rows("logits", logits_ref);
        const int64_t b = rows.rows;
        const qrt::TensorRef temperature_ref = row_vector(args, "temperature", temperature, {QRT_DTYPE_F32}, b);
        const qrt::TensorRef top_k_ref = row_vector(args, "top_k", top_k, {QRT_DTYPE_I32}, b);
        const qrt::TensorRef top_p_ref = row_vector(args, "top_p", top_p, {QRT_DTYPE_F32}, b);
        // A seed is 64 bits, read as unsigned; qrt has no U64 dtype, so I64 carries them.
        const qrt::TensorRef seed_ref = row_vector(args, "seed", seed, {QRT_DTYPE_I64}, b);
        const qrt::TensorRef counter_ref = row_vector(args, "counter", counter, {QRT_DTYPE_I64}, b);
        const qrt::TensorRef ids_ref = row_vector(args, "ids", ids, {QRT_DTYPE_I32}, b);
        args.require(!qrt::may_overlap(ids_ref, counter_ref), "ids", "overlaps counter");
        for (const auto* input : {&logits_ref, &temperature_ref, &top_k_ref, &top_p_ref, &seed_ref}) {
            args.require(!qrt::may_overlap(*input, counter_ref), "counter", "overlaps another argument");
            args.require(!qrt::may_overlap(*input, ids_ref), "ids", "overlaps another argument");
        }
        const auto* temperatures = static_cast<const float*>(temperature_ref.data);
        const auto* top_ks = static_cast<const int32_t*>(top_k_ref.data);
        const auto* top_ps = static_cast<const float*>(top_p_ref.data);
        const auto* seeds = static_cast<const uint64_t*>(seed_ref.data);
        auto* counters = static_cast<int64_t*>(counter_ref.data);
        auto* token_ids = static_cast<int32_t*>(ids_ref.data);
        switch (args.backend()) {
            case QRT_BACKEND_CPU:
                check_parameter_values(args, b, temperatures, top_ks, top_ps);
                qrt::cpu::sample(rows, temperatures, top_ks, top_ps, seeds, counters, token_ids);
                return;
#if defined(QRT_WITH_CUDA)
            // The parameters live in device memory: the kernel gives values out of range a meaning (see qrt.h).
            case QRT_BACKEND_CUDA:
                qrt::cuda::sample(stream, rows, temperatures, top_ks, top_ps, seeds, counters, token_ids);
                return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}
