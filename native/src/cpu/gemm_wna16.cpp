// Integer weight-only linear layer (W4A16 / W8A16) in the compressed-tensors pack-quantized layout.
// Each weight panel is unpacked and dequantized to FP32, W[n][k] = (q − z) · scale[n][g], and
// multiplied by the shared FP32 core.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/dtype.h"
#include "cpu/gemm.h"
#include "cpu/gemm_panel.h"

namespace qrt::cpu {
namespace {

// out[i] = (value first + i of a packed row − shift) · scale for i < count, values read lowest bits
// first. The difference of two small integers is exact, so the multiplication is the only rounding of
// the dequantized weight. Whole words unpack with one shift per value, which the compiler turns into
// vector shifts; a run may start or end inside a word (a group boundary, or the padding past K in a
// row's last word, which is never read).
template <int Bits>
QRT_FORCE_INLINE void dequantize_run(const int32_t* words, int64_t first, int64_t count, float shift, float scale,
                                     float* out) {
    constexpr int64_t kPerWord = 32 / Bits;
    constexpr uint32_t kMask = (1u << Bits) - 1u;
    auto value = [&](int64_t index) {
        const uint32_t word = static_cast<uint32_t>(words[index / kPerWord]);
        const uint32_t stored = (word >> (Bits * (index % kPerWord))) & kMask;
        return (static_cast<float>(static_cast<int32_t>(stored)) - shift) * scale;
    };
    int64_t i = 0;
    for (; i < count && (first + i) % kPerWord != 0; ++i) out[i] = value(first + i);
    const int64_t whole_words = (count - i) / kPerWord;
    const int32_t* aligned = words + (first + i) / kPerWord;
    float* aligned_out = out + i;
    for (int64_t w = 0; w < whole_words; ++w) {
        const uint32_t word = static_cast<uint32_t>(aligned[w]);
        for (int64_t v = 0; v < kPerWord; ++v) {
            const uint32_t stored = (word >> (Bits * v)) & kMask;
            aligned_out[w * kPerWord + v] = (static_cast<float>(static_cast<int32_t>(stored)) - shift) * scale;
        }
    }
    for (i += whole_words * kPerWord; i < count; ++i) out[i] = value(first + i);
}

QRT_MULTIVERSION
void dequantize_values(const int32_t* words, int num_bits, int64_t first, int64_t count, float shift, float scale,
                       float* out) {
    if (num_bits == 4) {
        dequantize_run<4>(words, first, count, shift, scale, out);
    } else {
        dequantize_run<8>(words, first, count, shift, scale, out);
    }
}

// The panels of a PackedIntWeight, dequantized to FP32: W[n][k] = (q − z) · scale[n][g].
class PackedPanels final : public WeightPanels {
public:
    explicit PackedPanels(const PackedIntWeight& w)
        : w_(w),
          values_per_word_(32 / w.num_bits),
          mask_((1u << w.num_bits) - 1u),
          offset_(static_cast<float>(1 << (w.num_bits - 1))) {}

    void decode(int64_t first_row, int64_t rows, int64_t k0, int64_t depth, float* panel,
                int64_t panel_stride) const override {
        for (int64_t j = 0; j < rows; ++j) decode_row(first_row + j, k0, depth, panel + j * panel_stride);
    }

    void prefetch(int64_t first_row, int64_t rows, int64_t k0, int64_t depth) const override {
        const int64_t first_word = k0 / values_per_word_;
        const int64_t words = (k0 + depth + values_per_word_ - 1) / values_per_word_ - first_word;
        for (int64_t j = 0; j < rows; ++j) {
            prefetch_range(words_of(first_row + j) + first_word, static_cast<size_t>(words) * sizeof(int32_t));
        }
    }

private:
    const int32_t* words_of(int64_t n) const { return reinterpret_cast<const int32_t*>(w_.packed.row(n)); }

    // With a zero point, q − z = (stored − 2^(b−1)) − (stored_z − 2^(b−1)) = stored − stored_z: the
    // stored zero is what the stored value is shifted by. Symmetric weights are shifted by 2^(b−1).
    float shift(int64_t n, int64_t g) const {
        if (!w_.zero_point) return offset_;
        const int32_t* zero_words = reinterpret_cast<const int32_t*>(w_.zero_point->row(n / values_per_word_));
        const uint32_t stored_zero =
            (static_cast<uint32_t>(zero_words[g]) >> (w_.num_bits * (n % values_per_word_))) & mask_;
        return static_cast<float>(static_cast<int32_t>(stored_zero));
    }

    float scale(int64_t n, int64_t g) const {
        const char* row = w_.scale.row(n);
        switch (w_.scale.dtype) {
            case QRT_DTYPE_F16: return f16_to_f32(reinterpret_cast<const uint16_t*>(row)[g]);
            case QRT_DTYPE_BF16: return bf16_to_f32(reinterpret_cast<const uint16_t*>(row)[g]);
            default: return reinterpret_cast<const float*>(row)[g];
        }
    }

    // Row n, columns [k0, k0 + depth).
    void decode_row(int64_t n, int64_t k0, int64_t depth, float* out) const {
        const int32_t* words = words_of(n);
        if (w_.group_index) {
            decode_row_in_activation_order(n, k0, depth, out);
            return;
        }
        if (w_.group_size == 0) {
            dequantize_values(words, w_.num_bits, k0, depth, shift(n, 0), scale(n, 0), out);
            return;
        }
        // The columns of one group form a run dequantized with one shift and one scale.
        const int64_t end = k0 + depth;
        for (int64_t start = k0; start < end;) {
            const int64_t g = start / w_.group_size;
            const int64_t stop = std::min(end, (g + 1) * w_.group_size);
            dequantize_values(words, w_.num_bits, start, stop - start, shift(n, g), scale(n, g), out + (start - k0));
            start = stop;
        }
    }

    // Activation ordering: every column names its own group, in no particular order. The stored values are
    // unpacked by the run decoder (shift 0 and scale 1 give each stored value exactly), then each column takes
    // its group's shift and scale from per-row tables read once, instead of decoding a word, a zero point and a
    // scale per column. The result is the same single rounding of (q − z) · scale.
    void decode_row_in_activation_order(int64_t n, int64_t k0, int64_t depth, float* out) const {
        thread_local std::vector<float> shifts;
        thread_local std::vector<float> scales;
        shifts.resize(static_cast<size_t>(w_.groups));
        scales.resize(static_cast<size_t>(w_.groups));
        for (int64_t g = 0; g < w_.groups; ++g) {
            shifts[static_cast<size_t>(g)] = shift(n, g);
            scales[static_cast<size_t>(g)] = scale(n, g);
        }
        dequantize_values(words_of(n), w_.num_bits, k0, depth, 0.0f, 1.0f, out);
        for (int64_t i = 0; i < depth; ++i) {
            const auto g = static_cast<size_t>(w_.group_index->at(k0 + i));
            out[i] = (out[i] - shifts[g]) * scales[g];
        }
    }

    PackedIntWeight w_;
    int64_t values_per_word_;
    uint32_t mask_;
    float offset_;
};

}  // namespace

void gemm_wna16(const RowsView& x, const PackedIntWeight& w, const ScaleVector& bias, const RowsView& y) {
    const GemmOutput output(y, FloatVector{}, FloatVector{}, bias);
    gemm_by_panels(x, w.packed.rows, PackedPanels(w), output);
}

}  // namespace qrt::cpu
