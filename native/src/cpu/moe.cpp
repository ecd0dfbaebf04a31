#include "cpu/moe.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <vector>

#include "core/dtype.h"
#include "cpu/row_convert.h"
#include "cpu/softmax.h"
#include "cpu/thread_pool.h"

namespace qrt::cpu {
namespace {

// Elements one parallel chunk handles at least, so that waking a worker pays off.
constexpr int64_t kChunkElements = int64_t{1} << 14;

int64_t rows_per_chunk(int64_t cols) { return std::max<int64_t>(1, kChunkElements / std::max<int64_t>(cols, 1)); }

// The indices of the k largest values, largest first; on ties the lower index wins. Written as the managed
// SparseMoe's TopK is, comparison for comparison, so that the two choose the same experts whatever the values
// (a NaN never replaces a pick, so a row of NaN gives 0, 1, …, k − 1).
void top_k(const float* values, int64_t count, int64_t k, int32_t* best) {
    for (int64_t slot = 0; slot < k; ++slot) {
        int64_t pick = -1;
        for (int64_t i = 0; i < count; ++i) {
            if (std::find(best, best + slot, static_cast<int32_t>(i)) != best + slot) continue;
            if (pick < 0 || values[i] > values[pick]) pick = i;
        }
        best[slot] = static_cast<int32_t>(pick);
    }
}

}  // namespace

void moe_route(const RowsView& router_logits, int64_t top_k_count, bool renormalize, int32_t* expert_ids,
               float* expert_weights) {
    const int64_t tokens = router_logits.rows;
    const int64_t experts = router_logits.cols;
    if (tokens == 0) return;
    // The probabilities come from the softmax op itself: SparseMoe routes on qrt_softmax's output, and the same
    // bits make the same choices.
    std::vector<float> probabilities(static_cast<size_t>(tokens * experts));
    const RowsView probability_rows{probabilities.data(), QRT_DTYPE_F32, tokens, experts, experts};
    softmax(router_logits, probability_rows);
    parallel_for(tokens, rows_per_chunk(experts), [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t) {
            const float* row = probabilities.data() + t * experts;
            int32_t* ids = expert_ids + t * top_k_count;
            float* weights = expert_weights + t * top_k_count;
            top_k(row, experts, top_k_count, ids);
            float total = 0.0f;
            for (int64_t slot = 0; slot < top_k_count; ++slot) total += row[ids[slot]];
            for (int64_t slot = 0; slot < top_k_count; ++slot) {
                weights[slot] = renormalize ? row[ids[slot]] / total : row[ids[slot]];
            }
        }
    });
}

int64_t first_expert_out_of_range(const int32_t* expert_ids, int64_t pairs, int64_t num_experts) {
    for (int64_t p = 0; p < pairs; ++p) {
        if (expert_ids[p] < 0 || expert_ids[p] >= num_experts) return p;
    }
    return -1;
}

void moe_sort(const int32_t* expert_ids, int64_t pairs, int64_t num_experts, int32_t* sorted_rows,
              int32_t* expert_offsets, int32_t* row_positions) {
    // Counting sort: count each expert's pairs, turn the counts into offsets, then place the pairs in increasing
    // order, each at the next free row of its expert's segment — which keeps the sort stable.
    std::fill(expert_offsets, expert_offsets + num_experts + 1, 0);
    for (int64_t p = 0; p < pairs; ++p) ++expert_offsets[expert_ids[p] + 1];
    for (int64_t e = 0; e < num_experts; ++e) expert_offsets[e + 1] += expert_offsets[e];
    std::vector<int32_t> next(expert_offsets, expert_offsets + num_experts);
    for (int64_t p = 0; p < pairs; ++p) {
        const int32_t position = next[static_cast<size_t>(expert_ids[p])]++;
        sorted_rows[position] = static_cast<int32_t>(p);
        row_positions[p] = position;
    }
}

int64_t first_row_out_of_range(const int32_t* sorted_rows, int64_t count, int64_t pairs) {
    for (int64_t i = 0; i < count; ++i) {
        if (sorted_rows[i] < 0 || sorted_rows[i] >= pairs) return i;
    }
    return -1;
}

void moe_gather(const RowsView& x, const int32_t* sorted_rows, int64_t top_k_count, const RowsView& xs) {
    if (xs.rows == 0 || xs.cols == 0) return;
    const size_t row_bytes = static_cast<size_t>(xs.cols) * dtype_size(xs.dtype);
    parallel_for(xs.rows, rows_per_chunk(xs.cols), [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) std::memcpy(xs.row(i), x.row(sorted_rows[i] / top_k_count), row_bytes);
    });
}

int64_t first_position_out_of_range(const int32_t* row_positions, int64_t pairs, int64_t rows) {
    for (int64_t p = 0; p < pairs; ++p) {
        if (row_positions[p] != -1 && (row_positions[p] < 0 || row_positions[p] >= rows)) return p;
    }
    return -1;
}

void moe_combine(const RowsView& expert_out, const int32_t* row_positions, const float* expert_weights,
                 const int32_t* expert_ids, int64_t top_k_count, const RowsView& y) {
    if (y.rows == 0 || y.cols == 0) return;
    parallel_for(y.rows, rows_per_chunk(y.cols * top_k_count), [&](int64_t begin, int64_t end) {
        std::vector<float> sum(static_cast<size_t>(y.cols));
        std::vector<float> row(static_cast<size_t>(y.cols));
        std::vector<int64_t> order(static_cast<size_t>(top_k_count));
        for (int64_t t = begin; t < end; ++t) {
            const int32_t* ids = expert_ids + t * top_k_count;
            // Increasing expert index, as transformers and SparseMoe add the experts' contributions; a stable
            // sort keeps slot order between equal ids.
            std::iota(order.begin(), order.end(), int64_t{0});
            std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return ids[a] < ids[b]; });
            std::fill(sum.begin(), sum.end(), 0.0f);
            for (const int64_t slot : order) {
                const int32_t position = row_positions[t * top_k_count + slot];
                if (position < 0) continue;  // dropped
                const float weight = expert_weights[t * top_k_count + slot];
                load_row_f32(expert_out.row(position), expert_out.dtype, y.cols, row.data());
                // Built with -ffp-contract=off: the product is rounded before the sum, as in SparseMoe.
                for (int64_t c = 0; c < y.cols; ++c) sum[c] = sum[c] + row[c] * weight;
            }
            store_row_f32(sum.data(), y.cols, y.row(t), y.dtype);
        }
    });
}

}  // namespace qrt::cpu
