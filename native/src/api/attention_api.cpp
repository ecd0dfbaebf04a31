// Entry point for scaled dot-product attention.
#include <cmath>
#include <cstdint>

#include "core/error.h"
#include "core/tensor.h"
#include "cpu/attention.h"
#include "qrt.h"

#if defined(QRT_WITH_CUDA)
#  include "cuda/cuda_backend.h"
#endif

namespace {

// Checks the segment offsets against the rules of qrt_attention: at least one segment, with queries and
// keys the same tokens; and, where the offsets are in host memory, starting at 0, never decreasing, ending
// at Tq. Offsets in device memory cannot be read here; the CUDA kernel clamps them (see qrt.h).
void check_segments(const qrt::OpArgs& args, const qrt::IndexVector& offsets, int64_t query_count, int64_t key_count) {
    args.require(offsets.count >= 2, "segments", "needs at least 2 offsets (one segment), got ", offsets.count);
    args.require(query_count == key_count, "segments", "are given, so q and k must hold the same tokens, but q has ",
                 query_count, " tokens and k has ", key_count);
    if (args.backend() != QRT_BACKEND_CPU) return;
    args.require(offsets.at(0) == 0, "segments", "segments[0] = ", offsets.at(0), ", expected 0");
    for (int64_t i = 1; i < offsets.count; ++i) {
        args.require(offsets.at(i) >= offsets.at(i - 1), "segments", "segments[", i, "] = ", offsets.at(i),
                     " is less than segments[", i - 1, "] = ", offsets.at(i - 1));
    }
    const int64_t last = offsets.count - 1;
    args.require(offsets.at(last) == query_count, "segments", "segments[", last, "] = ", offsets.at(last),
                 " must equal the ", query_count, " tokens of q");
}

}  // namespace

extern "C" {

QRT_API qrt_status qrt_attention(qrt_stream* stream, const qrt_tensor* q, const qrt_tensor* k, const qrt_tensor* v,
                                 const qrt_tensor* segments, float scale, int32_t causal, int32_t sliding_window,
                                 qrt_tensor* out) {
    return qrt::guarded("qrt_attention", [&] {
        qrt::OpArgs args("qrt_attention", stream);
        const qrt::HeadsView queries = args.heads("q", args.tensor("q", q, qrt::float_dtypes()));
        const qrt::HeadsView keys = args.heads("k", args.tensor("k", k, qrt::float_dtypes()));
        const qrt::HeadsView values = args.heads("v", args.tensor("v", v, qrt::float_dtypes()));
        const qrt::HeadsView output = args.heads("out", args.tensor("out", out, qrt::float_dtypes()));

        args.require(values.tokens == keys.tokens, "v", "has ", values.tokens, " tokens but k has ", keys.tokens);
        args.require(values.heads == keys.heads, "v", "has ", values.heads, " heads but k has ", keys.heads);
        args.require(keys.heads >= 1, "k", "must have at least one key/value head");
        args.require(queries.heads % keys.heads == 0, "q", "has ", queries.heads,
                     " heads, which is not a multiple of the ", keys.heads, " key/value heads of k");
        args.require(keys.dim == queries.dim, "k", "has head dim ", keys.dim, " but q has ", queries.dim);
        args.require(output.dim == values.dim, "out", "has head dim ", output.dim, " but v has ", values.dim);
        args.require(output.tokens == queries.tokens, "out", "has ", output.tokens, " tokens but q has ",
                     queries.tokens);
        args.require(output.heads == queries.heads, "out", "has ", output.heads, " heads but q has ", queries.heads);

        qrt::cpu::AttentionMask mask;
        if (const auto segments_ref = args.optional_tensor("segments", segments, {QRT_DTYPE_I32})) {
            const qrt::IndexVector offsets = args.indices("segments", *segments_ref, segments_ref->numel());
            check_segments(args, offsets, queries.tokens, keys.tokens);
            mask.segment_offsets = static_cast<const int32_t*>(offsets.data);
            mask.segment_count = offsets.count - 1;
        } else {
            args.require(queries.tokens <= keys.tokens, "q", "has ", queries.tokens, " tokens but k has only ",
                         keys.tokens, "; without segments the queries are the last Tq of the Tk keys");
        }
        args.require(causal == 0 || causal == 1, "causal", "must be 0 or 1, got ", causal);
        args.require(sliding_window >= 0, "sliding_window", "must be 0 (no window) or positive, got ", sliding_window);
        args.require(std::isfinite(scale) && scale > 0.0f, "scale", "must be finite and positive, got ", scale);
        mask.causal = causal == 1;
        mask.sliding_window = sliding_window;

        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::attention(queries, keys, values, mask, scale, output); return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA:
                qrt::cuda::attention(stream, queries, keys, values, mask.segment_offsets, mask.segment_count,
                                     mask.causal, mask.sliding_window, scale, output);
                return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

}  // extern "C"
