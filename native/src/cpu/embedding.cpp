#include "cpu/embedding.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/dtype.h"
#include "cpu/row_convert.h"
#include "cpu/thread_pool.h"

namespace qrt::cpu {
namespace {

// Elements one parallel chunk handles at least, so that waking a worker pays off.
constexpr int64_t kChunkElements = int64_t{1} << 14;

}  // namespace

int64_t first_id_out_of_range(const IndexVector& ids, int64_t vocab_size) {
    for (int64_t t = 0; t < ids.count; ++t) {
        const int64_t id = ids.at(t);
        if (id < 0 || id >= vocab_size) return t;
    }
    return -1;
}

void embedding(const IndexVector& ids, const RowsView& table, const RowsView& y) {
    if (ids.count == 0 || y.cols == 0) return;
    const bool same_dtype = table.dtype == y.dtype;
    const size_t row_bytes = static_cast<size_t>(y.cols) * dtype_size(y.dtype);
    const int64_t tokens_per_chunk = std::max<int64_t>(1, kChunkElements / y.cols);
    parallel_for(ids.count, tokens_per_chunk, [&](int64_t begin, int64_t end) {
        std::vector<float> row(same_dtype ? 0 : static_cast<size_t>(y.cols));
        for (int64_t t = begin; t < end; ++t) {
            const char* source = table.row(ids.at(t));
            if (same_dtype) {
                std::memcpy(y.row(t), source, row_bytes);
            } else {
                load_row_f32(source, table.dtype, y.cols, row.data());
                store_row_f32(row.data(), y.cols, y.row(t), y.dtype);
            }
        }
    });
}

}  // namespace qrt::cpu
