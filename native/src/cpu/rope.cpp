#include "cpu/rope.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/row_convert.h"
#include "cpu/simd.h"
#include "cpu/thread_pool.h"

namespace qrt::cpu {
namespace {

// A chunk of (token, head) pairs should rotate at least this many elements; smaller chunks cost more to
// hand to a thread than they save.
constexpr int64_t kElementsPerChunk = 1 << 14;

int64_t pair_grain(int64_t half) { return std::max<int64_t>(1, kElementsPerChunk / std::max<int64_t>(2 * half, 1)); }

// cos and sin of the FP32 angle position · inv_freq[i]. The product is one FP32 multiply, as transformers
// computes it; the trigonometry runs in double and is rounded once, so every table entry is the correctly
// rounded cosine or sine of exactly that angle, even for positions in the hundreds of thousands.
void fill_angle_table(int64_t position, const float* inv_freq, int64_t half, float* cos, float* sin) {
    const float position_f32 = static_cast<float>(position);
    for (int64_t i = 0; i < half; ++i) {
        const double angle = static_cast<double>(position_f32 * inv_freq[i]);
        cos[i] = static_cast<float>(std::cos(angle));
        sin[i] = static_cast<float>(std::sin(angle));
    }
}

// Rotates one head in place. Only its first 2·half elements pass through FP32 (scratch holds them), so
// the dims beyond the rotary part keep their exact bits.
QRT_MULTIVERSION
void rotate_head(void* head, qrt_dtype dtype, int64_t half, const float* cos, const float* sin, float* scratch) {
    load_row_f32(head, dtype, 2 * half, scratch);
    float* first = scratch;
    float* second = scratch + half;
    for (int64_t i = 0; i < half; ++i) {
        const float a = first[i];
        const float b = second[i];
        first[i] = a * cos[i] - b * sin[i];
        second[i] = b * cos[i] + a * sin[i];
    }
    store_row_f32(scratch, 2 * half, head, dtype);
}

}  // namespace

void rope(const HeadsView& x, const IndexVector& positions, const float* inv_freq, int64_t half) {
    if (half == 0) return;
    parallel_for(x.tokens * x.heads, pair_grain(half), [&](int64_t begin, int64_t end) {
        std::vector<float> cos(static_cast<size_t>(half));
        std::vector<float> sin(static_cast<size_t>(half));
        std::vector<float> scratch(static_cast<size_t>(2 * half));
        // Pairs run token-major, so each token's table is built once per chunk and shared by its heads.
        int64_t table_token = -1;
        for (int64_t pair = begin; pair < end; ++pair) {
            const int64_t token = pair / x.heads;
            if (token != table_token) {
                fill_angle_table(positions.at(token), inv_freq, half, cos.data(), sin.data());
                table_token = token;
            }
            rotate_head(x.at(token, pair % x.heads), x.dtype, half, cos.data(), sin.data(), scratch.data());
        }
    });
}

void rope_cos_sin(const HeadsView& x, const RowsView& cos, const RowsView& sin) {
    const int64_t half = cos.cols;
    if (half == 0) return;
    parallel_for(x.tokens * x.heads, pair_grain(half), [&](int64_t begin, int64_t end) {
        std::vector<float> scratch(static_cast<size_t>(2 * half));
        for (int64_t pair = begin; pair < end; ++pair) {
            const int64_t token = pair / x.heads;
            rotate_head(x.at(token, pair % x.heads), x.dtype, half, reinterpret_cast<const float*>(cos.row(token)),
                        reinterpret_cast<const float*>(sin.row(token)), scratch.data());
        }
    });
}

}  // namespace qrt::cpu
