// The CUDA backend as the rest of libqrt sees it: plain C++ declarations, no CUDA headers, so that
// host-compiled entry points can call it. Compiled only when QRT_WITH_CUDA is defined; every function
// throws qrt::Error (QRT_STATUS_DEVICE_ERROR, QRT_STATUS_OUT_OF_MEMORY, ...) with the CUDA error text.
#pragma once

#include <cstddef>
#include <optional>

#include "core/expert_groups.h"
#include "core/tensor.h"
#include "core/wna16_layout.h"
#include "core/wna16_stacked.h"
#include "qrt.h"

namespace qrt::cuda {

// Compiled-in facts and the devices the driver reports (0 without a driver or GPU, with the reason).
void fill_backend_info(qrt_backend_info* info);
int device_count();
void fill_device_info(int ordinal, qrt_device_info* info);

void* allocate(int ordinal, size_t bytes);
void release(int ordinal, void* ptr);

// Streams are cudaStream_t values passed as void*.
void* stream_create(int ordinal);
void stream_destroy(int ordinal, void* stream);
void stream_synchronize(int ordinal, void* stream);

enum class CopyDirection { HostToDevice, DeviceToHost, DeviceToDevice };
void copy_async(int ordinal, void* stream, void* dst, const void* src, size_t bytes, CopyDirection direction);
void fill_async(int ordinal, void* stream, void* dst, unsigned char value, size_t bytes);

// Kernels (norm.cu).
void rms_norm(const qrt_stream* stream, const RowsView& x, const TensorRef& weight, float eps, const RowsView& y);
void add_rms_norm(const qrt_stream* stream, const RowsView& x, const RowsView& residual, const TensorRef& weight,
                  float eps, const RowsView& y);

// Activation quantization for the W8A8 GEMMs (quantize.cu), with the CPU ops' semantics (cpu/quantize.h); the
// static scale and zero point live in device memory.
void quantize_int8_dynamic(const qrt_stream* stream, const RowsView& x, const RowsView& q, float* scale_out);
void quantize_int8_static(const qrt_stream* stream, const RowsView& x, const ScaleVector& scale,
                          const std::optional<IndexVector>& zero_point, const RowsView& q);
void quantize_fp8_dynamic(const qrt_stream* stream, const RowsView& x, const RowsView& q, float* scale_out);
void quantize_fp8_static(const qrt_stream* stream, const RowsView& x, const ScaleVector& scale, const RowsView& q);

// W4A16 on the repacked layout (repack_wna16.cu, gemm_wna16.cu) and the column gather of act-order
// activations (gather_columns.cu).
void repack_wna16(const qrt_stream* stream, const wna16::PackedInt4& source, const wna16::RepackedInt4& target);
size_t gemm_wna16_repacked_workspace_bytes(int ordinal, int64_t max_rows, int64_t n, int64_t k);
void gemm_wna16_repacked(const qrt_stream* stream, const RowsView& x, const wna16::RepackedInt4& w,
                         const ScaleVector& bias, void* workspace, size_t workspace_bytes, const RowsView& y);
void gather_columns(const qrt_stream* stream, const RowsView& x, const IndexVector& indices, const RowsView& y);

// Grouped W4A16 for mixture-of-experts layers (gemm_wna16_grouped.cu, gather_columns.cu): each expert's rows, a
// segment of x bounded by expert_offsets [E + 1] in device memory (not read by the host), against its slice of the
// stacked repacked weight (bias: E x N values or none), and the act-order gather with a permutation per expert
// (indices I32 [E, K]).
void gemm_wna16_repacked_grouped(const qrt_stream* stream, const RowsView& x, const wna16::StackedRepackedInt4& w,
                                 const ScaleVector& bias, const int32_t* expert_offsets, const RowsView& y);
void gather_columns_grouped(const qrt_stream* stream, const RowsView& x, const IndexVector& indices,
                            const int32_t* expert_offsets, int64_t experts, const RowsView& y);

// Linear layers (gemm_dense.cu, gemm_w8a8_int8.cu, gemm_fp8.cu), arguments as validated by the API; operand
// layouts the kernels do not take fail with QRT_STATUS_UNSUPPORTED naming the argument.
void gemm(const qrt_stream* stream, const RowsView& x, const RowsView& w, const ScaleVector& bias, const RowsView& y);
void gemm_w8a8_int8(const qrt_stream* stream, const RowsView& a, const ScaleVector& a_scale,
                    const std::optional<IndexVector>& a_zero_point, const RowsView& w, const ScaleVector& w_scale,
                    const ScaleVector& bias, const RowsView& y);
void gemm_w8a8_fp8(const qrt_stream* stream, const RowsView& a, const ScaleVector& a_scale, const RowsView& w,
                   const ScaleVector& w_scale, const ScaleVector& bias, const RowsView& y);
void gemm_w8a16_fp8(const qrt_stream* stream, const RowsView& x, const RowsView& w, const ScaleVector& w_scale,
                    const ScaleVector& bias, const RowsView& y);

// Block-paged KV caches (kv_cache.cu, paged_attention.cu), arguments as validated by the API. The caches are
// passed as slot views [num_blocks·block_size, Hkv, dim]; slots, query starts, context lengths and block tables
// are device pointers the host has not read (qrt.h says what the kernels do with values out of range).
void kv_cache_write(const qrt_stream* stream, const HeadsView& k, const HeadsView& v, const IndexVector& slots,
                    const HeadsView& k_cache, const HeadsView& v_cache);

struct PagedSequences {
    const int32_t* query_starts = nullptr;     // [sequence_count + 1]
    const int32_t* context_lengths = nullptr;  // [sequence_count]
    const int32_t* block_tables = nullptr;     // [sequence_count, max_blocks_per_sequence]
    int64_t sequence_count = 0;
    int64_t max_blocks_per_sequence = 0;
    int64_t block_size = 1;
    int64_t num_blocks = 0;
};
void paged_attention(const qrt_stream* stream, const HeadsView& q, const HeadsView& k_cache, const HeadsView& v_cache,
                     const PagedSequences& sequences, float scale, int32_t sliding_window, const HeadsView& out);

// Rotary position embedding in place (rope.cu), with the CPU ops' arithmetic (cpu/rope.h); positions,
// inv_freq and the cos/sin tables are device pointers.
void rope(const qrt_stream* stream, const HeadsView& x, const IndexVector& positions, const float* inv_freq,
          int64_t half);
void rope_cos_sin(const qrt_stream* stream, const HeadsView& x, const RowsView& cos, const RowsView& sin);

// Elementwise, activation, softmax and embedding ops, and LayerNorm (elementwise.cu, activation.cu, softmax.cu,
// embedding.cu, norm.cu), arguments as validated by the API, with the CPU ops' semantics (cpu/*.h). Ids live in
// device memory: an id outside the table writes a row of NaN (see qrt.h).
void copy(const qrt_stream* stream, const TensorRef& src, const TensorRef& dst);
void add(const qrt_stream* stream, const TensorRef& a, const TensorRef& b, const TensorRef& y);
void activate(const qrt_stream* stream, qrt_activation activation, const RowsView& x, const RowsView& y);
void activate_gated(const qrt_stream* stream, qrt_activation activation, const RowsView& gate, const RowsView& up,
                    const RowsView& y);
void softmax(const qrt_stream* stream, const RowsView& x, const RowsView& y);
void log_softmax(const qrt_stream* stream, const RowsView& x, const RowsView& y);
void argmax(const qrt_stream* stream, const RowsView& x, void* indices, qrt_dtype index_dtype);
void embedding(const qrt_stream* stream, const IndexVector& ids, const RowsView& table, const RowsView& y);
void layer_norm(const qrt_stream* stream, const RowsView& x, const TensorRef& weight,
                const std::optional<TensorRef>& bias, float eps, const RowsView& y);


// Prefill attention (attention.cu) with the CPU op's mask rules (cpu/attention.h); segment_offsets, if not
// null, are segment_count + 1 I32 values in device memory that the kernel clamps but cannot check.
void attention(const qrt_stream* stream, const HeadsView& q, const HeadsView& k, const HeadsView& v,
               const int32_t* segment_offsets, int64_t segment_count, bool causal, int64_t sliding_window, float scale,
               const HeadsView& out);

// Mixture-of-experts routing (moe.cu), arguments as validated by the API, with the CPU ops' semantics (cpu/moe.h).
// Expert ids, sorted rows and row positions live in device memory, which the host does not read (qrt.h says what
// the kernels do with values out of range). moe_sort takes at most 4096 experts and moe_combine at most 4096 slots
// per token (QRT_STATUS_UNSUPPORTED beyond).
void moe_route(const qrt_stream* stream, const RowsView& logits, int64_t top_k, bool renormalize, int32_t* expert_ids,
               float* expert_weights);
void moe_sort(const qrt_stream* stream, const int32_t* expert_ids, int64_t pairs, int64_t num_experts,
              int32_t* sorted_rows, int32_t* expert_offsets, int32_t* row_positions);
void moe_gather(const qrt_stream* stream, const RowsView& x, const int32_t* sorted_rows, int64_t top_k,
                const RowsView& xs);
void moe_combine(const qrt_stream* stream, const RowsView& expert_out, const int32_t* row_positions,
                 const float* expert_weights, const int32_t* expert_ids, int64_t top_k, const RowsView& y);

// Grouped expert linear layers and per-expert static quantization (gemm_grouped.cu, quantize.cu), arguments as
// validated by the API, with the CPU ops' semantics per segment (cpu/gemm_grouped.h). The expert offsets live in
// device memory and are never read by the host: the kernels clamp each into [0, R] (qrt.h says what bad values do).
void gemm_grouped(const qrt_stream* stream, const RowsView& x, const ExpertMatrices& w, const GroupedVector& bias,
                  const ExpertOffsets& offsets, const RowsView& y);
void gemm_w8a8_int8_grouped(const qrt_stream* stream, const RowsView& a, const GroupedVector& a_scale,
                            const GroupedZeroPoint& a_zero_point, const ExpertMatrices& w,
                            const GroupedVector& w_scale, const GroupedVector& bias, const ExpertOffsets& offsets,
                            const RowsView& y);
void gemm_w8a8_fp8_grouped(const qrt_stream* stream, const RowsView& a, const GroupedVector& a_scale,
                           const ExpertMatrices& w, const GroupedVector& w_scale, const GroupedVector& bias,
                           const ExpertOffsets& offsets, const RowsView& y);
void gemm_w8a16_fp8_grouped(const qrt_stream* stream, const RowsView& x, const ExpertMatrices& w,
                            const GroupedVector& w_scale, const GroupedVector& bias, const ExpertOffsets& offsets,
                            const RowsView& y);
void quantize_int8_grouped(const qrt_stream* stream, const RowsView& x, const GroupedVector& scale,
                           const GroupedZeroPoint& zero_point, const ExpertOffsets& offsets, const RowsView& q);
void quantize_fp8_grouped(const qrt_stream* stream, const RowsView& x, const GroupedVector& scale,
                          const ExpertOffsets& offsets, const RowsView& q);

// Token sampling (sampling.cu), with the CPU op's semantics (cpu/sampling.h); every pointer is device memory, and
// the parameters' values are not checked (out-of-range values have the meaning qrt.h gives them).
void sample(const qrt_stream* stream, const RowsView& logits, const float* temperature, const int32_t* top_k,
            const float* top_p, const uint64_t* seed, int64_t* counter, int32_t* ids);

// Stream capture into CUDA graphs (cuda_runtime.cu). Captures are thread-local (cudaStreamCaptureModeThreadLocal);
// graphs are cudaGraphExec_t values passed as void*. stream_end_capture instantiates the captured graph or throws
// with why not, leaving the stream out of capture either way; stream_abandon_capture ends one and discards it.
void stream_begin_capture(int ordinal, void* stream);
void* stream_end_capture(int ordinal, void* stream);
void stream_abandon_capture(int ordinal, void* stream) noexcept;
void graph_launch(int ordinal, void* stream, void* graph);
void graph_destroy(int ordinal, void* graph);

}  // namespace qrt::cuda
