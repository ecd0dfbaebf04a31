// Activation quantization. Every row is handled by one thread; the rounding helpers of core/dtype.h
// round to nearest even without consulting the floating-point environment, so the codes are the same
// on every machine and match what the GPU's conversion instructions produce.
#include "cpu/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/dtype.h"
#include "cpu/row_convert.h"
#include "cpu/thread_pool.h"

namespace qrt::cpu {
namespace {

constexpr float kInt8Max = 127.0f;

// Elements below which a parallel task costs more to hand out than to run.
constexpr int64_t kMinTaskElements = 16384;

// Calls quantize_row(row index, row widened to FP32, output row) for every row of x, in parallel.
void for_each_row(const RowsView& x, const RowsView& q,
                  const std::function<void(int64_t row, const float* values, void* out)>& quantize_row) {
    const int64_t grain = std::max<int64_t>(1, kMinTaskElements / std::max<int64_t>(1, x.cols));
    parallel_for(x.rows, grain, [&](int64_t begin, int64_t end) {
        std::vector<float> values(static_cast<size_t>(x.cols));
        for (int64_t r = begin; r < end; ++r) {
            // An empty row has no address to read or write; it still gets its (zero) scale.
            void* out = x.cols > 0 ? q.row(r) : nullptr;
            if (x.cols > 0) load_row_f32(x.row(r), x.dtype, x.cols, values.data());
            quantize_row(r, values.data(), out);
        }
    });
}

// max |values[i]|. NaN values are skipped, so that one NaN does not poison the scale of its whole row.
float absolute_max(const float* values, int64_t count) {
    float result = 0.0f;
    for (int64_t i = 0; i < count; ++i) {
        const float magnitude = std::fabs(values[i]);
        if (magnitude > result) result = magnitude;
    }
    return result;
}

// round_half_even(value) + zero_point saturated to [-128, 127]: the integer zero point is added after
// rounding, in a type wide enough that the sum cannot wrap. NaN rounds to 0, as on the GPU.
int8_t round_shift_saturate(float value, int64_t zero_point) {
    const float rounded = round_half_even(value);
    constexpr float kLimit = 4294967296.0f;  // beyond any zero point's reach of [-128, 127]
    const int64_t integer = std::isnan(rounded) ? 0 : static_cast<int64_t>(std::clamp(rounded, -kLimit, kLimit));
    return static_cast<int8_t>(std::clamp<int64_t>(integer + zero_point, -128, 127));
}

}  // namespace

void quantize_int8_dynamic(const RowsView& x, const RowsView& q, float* scale_out) {
    for_each_row(x, q, [&](int64_t row, const float* values, void* out) {
        int8_t* codes = static_cast<int8_t*>(out);
        const float absmax = absolute_max(values, x.cols);
        const float scale = absmax / kInt8Max;
        scale_out[row] = scale;
        if (absmax == 0.0f) {
            std::fill(codes, codes + x.cols, int8_t{0});
            return;
        }
        for (int64_t i = 0; i < x.cols; ++i) codes[i] = f32_to_int8_saturated(values[i] / scale);
    });
}

void quantize_int8_static(const RowsView& x, const ScaleVector& scale, const std::optional<IndexVector>& zero_point,
                          const RowsView& q) {
    const float divisor = scale.at(0);
    const int64_t offset = zero_point ? zero_point->at(0) : 0;
    for_each_row(x, q, [&](int64_t, const float* values, void* out) {
        int8_t* codes = static_cast<int8_t*>(out);
        if (offset == 0) {
            for (int64_t i = 0; i < x.cols; ++i) codes[i] = f32_to_int8_saturated(values[i] / divisor);
        } else {
            for (int64_t i = 0; i < x.cols; ++i) codes[i] = round_shift_saturate(values[i] / divisor, offset);
        }
    });
}

void quantize_fp8_dynamic(const RowsView& x, const RowsView& q, float* scale_out) {
    for_each_row(x, q, [&](int64_t row, const float* values, void* out) {
        uint8_t* codes = static_cast<uint8_t*>(out);
        const float absmax = absolute_max(values, x.cols);
        const float scale = absmax / kFp8E4M3Max;
        scale_out[row] = scale;
        if (absmax == 0.0f) {
            std::fill(codes, codes + x.cols, uint8_t{0});
            return;
        }
        for (int64_t i = 0; i < x.cols; ++i) codes[i] = f32_to_fp8_e4m3(values[i] / scale);
    });
}

void quantize_fp8_static(const RowsView& x, const ScaleVector& scale, const RowsView& q) {
    const float divisor = scale.at(0);
    for_each_row(x, q, [&](int64_t, const float* values, void* out) {
        uint8_t* codes = static_cast<uint8_t*>(out);
        for (int64_t i = 0; i < x.cols; ++i) codes[i] = f32_to_fp8_e4m3(values[i] / divisor);
    });
}

}  // namespace qrt::cpu
