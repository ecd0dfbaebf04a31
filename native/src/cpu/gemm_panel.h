// The FP32 core shared by every GEMM whose products are accumulated in FP32 (dense, W4A16/W8A16,
// FP8): y = x·Wᵀ computed block by block from activations already widened to FP32 and "panels" of a
// few weight rows decoded to FP32.
//
// Why this structure: at small M (decoding one token) a GEMM is bound by reading the weights, at large
// M by arithmetic. Widening a block of up to kBlockRows activation rows once and decoding each weight
// panel once per block serves both: the weights stream through memory once per block, and the decode
// cost is shared by every row of the block, so large-M calls are not dominated by decoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "cpu/simd.h"

// QRT_FORCE_INLINE lets a kernel template be inlined into each QRT_MULTIVERSION clone, so it is
// compiled once per instruction set. QRT_UNROLL_FULLY / QRT_NO_UNROLL steer GCC's unroller: a tile's
// loops over weight rows must be unrolled so that its accumulators live in registers, while its loops
// over lanes must stay loops for the vectoriser to turn each into whole vector operations (unrolled
// first, they get vectorised across iterations of k instead, with shuffles).
#if defined(__GNUC__)
#  define QRT_FORCE_INLINE __attribute__((always_inline)) inline
#  define QRT_UNROLL_FULLY _Pragma("GCC unroll 16")
#  define QRT_NO_UNROLL _Pragma("GCC unroll 1")
#elif defined(_MSC_VER)
#  define QRT_FORCE_INLINE __forceinline
#  define QRT_UNROLL_FULLY
#  define QRT_NO_UNROLL
#else
#  define QRT_FORCE_INLINE inline
#  define QRT_UNROLL_FULLY
#  define QRT_NO_UNROLL
#endif

namespace qrt::cpu {

// Activation rows widened to FP32 at once: the decode of each weight panel is shared by this many rows,
// and their depth chunk (kBlockRows × kPanelDepth floats, 128 KiB) stays in the L2 cache.
constexpr int64_t kBlockRows = 64;
// Weight rows decoded together into one panel: two micro-kernel tiles. With the chunk prefetched after
// it, a panel chunk leaves room in the L1 cache for the activations; wider panels measured slower at M = 1.
constexpr int64_t kPanelRows = 8;
// Columns of K handled per step: a panel chunk (kPanelRows × kPanelDepth floats, 16 KiB) stays in the
// L1 cache while every row of the block passes over it. A multiple of kLanes.
constexpr int64_t kPanelDepth = 512;

inline int64_t round_up(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

// A contiguous vector of float values read through ScaleVector (which converts F32/F16/BF16), with
// count 0 meaning "absent".
using FloatVector = ScaleVector;

// The output stage every GEMM of the family shares:
//   y[m][n] = (row_scale[m] · col_scale[n]) · acc[m][n] + bias[n], rounded once to y's dtype.
// Absent scales count as 1 and an absent bias as 0.
class GemmOutput {
public:
    GemmOutput(const RowsView& y, const FloatVector& row_scale, const FloatVector& col_scale, const FloatVector& bias);

    // Finishes y[m][n0 .. n0 + count) from the FP32 accumulators acc[0 .. count).
    void store(int64_t m, int64_t n0, int64_t count, const float* acc) const;

private:
    RowsView y_;
    FloatVector row_scale_;
    std::vector<float> col_scale_;  // widened once per call; empty when absent
    std::vector<float> bias_;       // widened once per call; empty when absent
};

// Asks the memory system for a range of bytes that will be read soon.
inline void prefetch_range(const void* data, size_t bytes) {
#if defined(__GNUC__)
    constexpr size_t kCacheLine = 64;
    const char* const first = static_cast<const char*>(data);
    for (size_t offset = 0; offset < bytes; offset += kCacheLine) __builtin_prefetch(first + offset);
#else
    (void)data;
    (void)bytes;
#endif
}

// A weight matrix [N, K] in some storage format, presented to the FP32 core one panel chunk at a time.
class WeightPanels {
public:
    virtual ~WeightPanels() = default;

    // Writes weight rows [first_row, first_row + rows) × columns [k0, k0 + depth) as FP32 into panel, row
    // j at panel + j * panel_stride. k0 is a multiple of kPanelDepth; rows <= kPanelRows; depth <= kPanelDepth.
    virtual void decode(int64_t first_row, int64_t rows, int64_t k0, int64_t depth, float* panel,
                        int64_t panel_stride) const = 0;

    // Starts loading the bytes decode() reads for the same region. The core asks for the next chunk
    // before it decodes the current one, so reading the weights from memory overlaps the arithmetic;
    // the hardware prefetchers alone follow a panel's interleaved row streams poorly.
    virtual void prefetch(int64_t first_row, int64_t rows, int64_t k0, int64_t depth) const = 0;
};

// A weight stored as one F32, F16, BF16 or F8_E4M3 element per value: panels are its rows widened to
// FP32 (exactly, so the weight's own rounding is the only one).
class WideningPanels final : public WeightPanels {
public:
    explicit WideningPanels(const RowsView& w) : w_(w) {}
    void decode(int64_t first_row, int64_t rows, int64_t k0, int64_t depth, float* panel,
                int64_t panel_stride) const override;
    void prefetch(int64_t first_row, int64_t rows, int64_t k0, int64_t depth) const override;

private:
    RowsView w_;
};

// y = output(x · Wᵀ) for the weight presented by `weights` (weight_rows rows of x.cols columns).
// Each y[m][n] is accumulated by one thread in kLanes partial sums (lane l takes k ≡ l mod kLanes, in
// increasing k) that are added pairwise in a fixed order at the end: the result does not depend on the
// thread count, on the blocking, or on the run.
void gemm_by_panels(const RowsView& x, int64_t weight_rows, const WeightPanels& weights, const GemmOutput& output);

}  // namespace qrt::cpu
