#include "cpu/elementwise.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "core/dtype.h"
#include "core/strided_walk.h"
#include "cpu/row_convert.h"
#include "cpu/simd.h"
#include "cpu/thread_pool.h"
#include "cpu/vector_math.h"

namespace qrt::cpu {
namespace {

// Elements one parallel chunk handles at least, so that waking a worker pays off.
constexpr int64_t kChunkElements = int64_t{1} << 15;
// Elements converted per step through FP32: a block and its staging buffer stay in the L1 cache.
constexpr int64_t kBlockElements = 1024;
// The widest element (I64), in bytes.
constexpr size_t kMaxElementSize = 8;

// Calls run(offsets, length) for the runs along the innermost dimension that together cover elements
// [begin, end) in row-major order; offsets[n] is the element offset of the run's first element in
// operand n. A range may start and end inside a run.
template <int Operands, class Run>
void for_each_run(const Walk<Operands>& walk, int64_t begin, int64_t end, Run&& run) {
    const int inner = walk.rank - 1;
    int64_t index[kMaxRank] = {};
    int64_t offsets[Operands] = {};
    int64_t remainder = begin;
    for (int d = inner; d >= 0; --d) {
        index[d] = remainder % walk.shape[d];
        remainder /= walk.shape[d];
        for (int n = 0; n < Operands; ++n) offsets[n] += index[d] * walk.strides[n][d];
    }
    for (int64_t position = begin; position < end;) {
        const int64_t length = std::min(walk.shape[inner] - index[inner], end - position);
        run(static_cast<const int64_t*>(offsets), length);
        position += length;
        index[inner] += length;
        for (int n = 0; n < Operands; ++n) offsets[n] += length * walk.strides[n][inner];
        // A finished run carries into the dimensions outside it, like an odometer.
        for (int d = inner; d > 0 && index[d] == walk.shape[d]; --d) {
            index[d] = 0;
            ++index[d - 1];
            for (int n = 0; n < Operands; ++n) {
                offsets[n] += walk.strides[n][d - 1] - walk.shape[d] * walk.strides[n][d];
            }
        }
    }
}

char* element_address(const TensorRef& tensor, int64_t offset) {
    return static_cast<char*>(tensor.data) + static_cast<size_t>(offset) * dtype_size(tensor.dtype);
}

template <class Element>
void copy_strided_as(const char* src, int64_t src_stride, char* dst, int64_t dst_stride, int64_t count) {
    const Element* from = reinterpret_cast<const Element*>(src);
    Element* to = reinterpret_cast<Element*>(dst);
    for (int64_t i = 0; i < count; ++i) to[i * dst_stride] = from[i * src_stride];
}

// Copies count elements of element_size bytes, stepping by the given strides (in elements). The bytes
// move unchanged, so NaN payloads and signed zeros survive.
void copy_elements(const char* src, int64_t src_stride, char* dst, int64_t dst_stride, int64_t count,
                   size_t element_size) {
    if (src_stride == 1 && dst_stride == 1) {
        std::memcpy(dst, src, static_cast<size_t>(count) * element_size);
        return;
    }
    switch (element_size) {
        case 1: copy_strided_as<uint8_t>(src, src_stride, dst, dst_stride, count); return;
        case 2: copy_strided_as<uint16_t>(src, src_stride, dst, dst_stride, count); return;
        case 4: copy_strided_as<uint32_t>(src, src_stride, dst, dst_stride, count); return;
        default: copy_strided_as<uint64_t>(src, src_stride, dst, dst_stride, count); return;
    }
}

// Reads count elements of a run as FP32. A strided run is gathered into `staging` first, so that the
// conversion always sees contiguous storage.
void load_run(const char* src, int64_t stride, qrt_dtype dtype, int64_t count, float* values, char* staging) {
    if (stride == 1) {
        load_row_f32(src, dtype, count, values);
        return;
    }
    copy_elements(src, stride, staging, 1, count, dtype_size(dtype));
    load_row_f32(staging, dtype, count, values);
}

// Writes count FP32 values to a run, rounded to dtype; a strided run is scattered from `staging`.
void store_run(const float* values, int64_t count, char* dst, int64_t stride, qrt_dtype dtype, char* staging) {
    if (stride == 1) {
        store_row_f32(values, count, dst, dtype);
        return;
    }
    store_row_f32(values, count, staging, dtype);
    copy_elements(staging, 1, dst, stride, count, dtype_size(dtype));
}

// One row of a gather, typed by element width and index dtype so that the inner loop is a plain
// indexed load and store.
template <class Element, class Index>
void gather_row(const char* x_row, const Index* indices, int64_t count, char* y_row) {
    const Element* from = reinterpret_cast<const Element*>(x_row);
    Element* to = reinterpret_cast<Element*>(y_row);
    for (int64_t j = 0; j < count; ++j) to[j] = from[indices[j]];
}

template <class Element, class Index>
void gather_rows(const RowsView& x, const Index* indices, const RowsView& y) {
    // Chunks take whole rows, enough of them to make up kChunkElements when rows are short.
    const int64_t rows_per_chunk = std::max<int64_t>(1, kChunkElements / y.cols);
    parallel_for(y.rows, rows_per_chunk, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) gather_row<Element>(x.row(r), indices, y.cols, y.row(r));
    });
}

template <class Element>
void gather_rows_of(const RowsView& x, const IndexVector& indices, const RowsView& y) {
    if (indices.dtype == QRT_DTYPE_I64) {
        gather_rows<Element>(x, static_cast<const int64_t*>(indices.data), y);
    } else {
        gather_rows<Element>(x, static_cast<const int32_t*>(indices.data), y);
    }
}

}  // namespace

void copy(const TensorRef& src, const TensorRef& dst) {
    const int64_t count = src.numel();
    if (count == 0) return;
    const Walk<2> walk = plan_walk<2>({&src, &dst});
    const int64_t src_stride = walk.run_stride(0);
    const int64_t dst_stride = walk.run_stride(1);
    const size_t src_size = dtype_size(src.dtype);
    const size_t dst_size = dtype_size(dst.dtype);
    const bool same_dtype = src.dtype == dst.dtype;
    parallel_for(count, kChunkElements, [&](int64_t begin, int64_t end) {
        std::vector<float> values(same_dtype ? 0 : kBlockElements);
        std::vector<char> staging(same_dtype ? 0 : kBlockElements * kMaxElementSize);
        for_each_run(walk, begin, end, [&](const int64_t* offsets, int64_t length) {
            const char* from = element_address(src, offsets[0]);
            char* to = element_address(dst, offsets[1]);
            if (same_dtype) {
                copy_elements(from, src_stride, to, dst_stride, length, src_size);
                return;
            }
            for (int64_t done = 0; done < length; done += kBlockElements) {
                const int64_t block = std::min(kBlockElements, length - done);
                load_run(from + static_cast<size_t>(done * src_stride) * src_size, src_stride, src.dtype, block,
                         values.data(), staging.data());
                store_run(values.data(), block, to + static_cast<size_t>(done * dst_stride) * dst_size, dst_stride,
                          dst.dtype, staging.data());
            }
        });
    });
}

void add(const TensorRef& a, const TensorRef& b, const TensorRef& y) {
    const int64_t count = y.numel();
    if (count == 0) return;
    const Walk<3> walk = plan_walk<3>({&a, &b, &y});
    const int64_t strides[3] = {walk.run_stride(0), walk.run_stride(1), walk.run_stride(2)};
    const size_t sizes[3] = {dtype_size(a.dtype), dtype_size(b.dtype), dtype_size(y.dtype)};
    parallel_for(count, kChunkElements, [&](int64_t begin, int64_t end) {
        std::vector<float> sums(kBlockElements);
        std::vector<float> addends(kBlockElements);
        std::vector<char> staging(kBlockElements * kMaxElementSize);
        for_each_run(walk, begin, end, [&](const int64_t* offsets, int64_t length) {
            // Both inputs of a block are read before its sums are written, so y may be a or b.
            for (int64_t done = 0; done < length; done += kBlockElements) {
                const int64_t block = std::min(kBlockElements, length - done);
                auto address = [&](const TensorRef& tensor, int operand) {
                    return element_address(tensor, offsets[operand]) +
                           static_cast<size_t>(done * strides[operand]) * sizes[operand];
                };
                load_run(address(a, 0), strides[0], a.dtype, block, sums.data(), staging.data());
                load_run(address(b, 1), strides[1], b.dtype, block, addends.data(), staging.data());
                add_into(sums.data(), addends.data(), block);
                store_run(sums.data(), block, address(y, 2), strides[2], y.dtype, staging.data());
            }
        });
    });
}

void gather_columns(const RowsView& x, const IndexVector& indices, const RowsView& y) {
    if (y.rows == 0 || y.cols == 0) return;
    // Float elements of one dtype are copied as integers of their width: a copy, exact for every value.
    if (dtype_size(x.dtype) == 2) {
        gather_rows_of<uint16_t>(x, indices, y);
    } else {
        gather_rows_of<uint32_t>(x, indices, y);
    }
}

}  // namespace qrt::cpu
