// Validated tensors and the views kernels consume. An entry point turns each qrt_tensor into a
// TensorRef through OpArgs, which checks everything a kernel relies on and fails with a message naming
// the op and the argument; kernels then trust their views.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "core/dtype.h"
#include "core/error.h"
#include "qrt.h"

struct qrt_stream;

namespace qrt {

constexpr int kMaxRank = QRT_MAX_RANK;

// A descriptor that passed validation: known dtype, rank in range, non-negative shape, positive strides
// on every dimension with more than one element, data present if there are elements, on the op's device.
struct TensorRef {
    void* data = nullptr;
    qrt_dtype dtype = QRT_DTYPE_F32;
    int rank = 0;
    int64_t shape[kMaxRank] = {};
    int64_t strides[kMaxRank] = {};
    qrt_device device = {};

    int64_t numel() const;
    // Extent of a dimension; negative dims count from the end (size(-1) is the last dimension).
    int64_t size(int dim) const;
    int64_t stride(int dim) const;
    // Row-major contiguous (dimensions of extent 1 may have any stride).
    bool is_contiguous() const;
    std::string shape_string() const;
};

// A matrix with contiguous rows: element (r, c) at data + (r * row_stride + c) * element size.
// Leading dimensions of a tensor flatten into rows.
struct RowsView {
    void* data = nullptr;
    qrt_dtype dtype = QRT_DTYPE_F32;
    int64_t rows = 0;
    int64_t cols = 0;
    int64_t row_stride = 0;

    char* row(int64_t r) const {
        return static_cast<char*>(data) + static_cast<size_t>(r * row_stride) * dtype_size(dtype);
    }
};

// A [tokens, heads, dim] tensor with stride 1 along dim and any strides along tokens and heads.
struct HeadsView {
    void* data = nullptr;
    qrt_dtype dtype = QRT_DTYPE_F32;
    int64_t tokens = 0;
    int64_t heads = 0;
    int64_t dim = 0;
    int64_t token_stride = 0;
    int64_t head_stride = 0;

    char* at(int64_t token, int64_t head) const {
        return static_cast<char*>(data) +
               static_cast<size_t>(token * token_stride + head * head_stride) * dtype_size(dtype);
    }
};

// Scale factors applied per tensor (count 1, broadcast) or per row / channel (count n), contiguous.
struct ScaleVector {
    const void* data = nullptr;
    qrt_dtype dtype = QRT_DTYPE_F32;
    int64_t count = 0;

    float at(int64_t i) const;  // element i, or element 0 when count is 1
};

// A contiguous vector of I32/I64 values (positions, token ids, group indices).
struct IndexVector {
    const void* data = nullptr;
    qrt_dtype dtype = QRT_DTYPE_I32;
    int64_t count = 0;

    int64_t at(int64_t i) const {
        return dtype == QRT_DTYPE_I64 ? static_cast<const int64_t*>(data)[i] : static_cast<const int32_t*>(data)[i];
    }
};

// A tensor argument viewed as rows, with its name and shape kept for messages.
struct NamedRows {
    const char* name = nullptr;
    TensorRef tensor;
    RowsView view;
};

// Whether two descriptors denote the same elements: equal data, dtype and shape, and equal strides
// wherever a stride matters (not along dimensions of extent 1).
bool same_tensor(const TensorRef& a, const TensorRef& b);

// Whether two tensors may share a byte, judged conservatively from each one's span (first element to
// the end of the last), since a strided tensor leaves gaps inside its span.
bool may_overlap(const TensorRef& a, const TensorRef& b);

// A set of dtypes an argument accepts.
class DTypeSet {
public:
    DTypeSet(std::initializer_list<qrt_dtype> dtypes);
    bool contains(qrt_dtype dtype) const { return (mask_ >> dtype) & 1u; }
    std::string to_string() const;  // "F32, F16 or BF16"

private:
    uint32_t mask_ = 0;
};

DTypeSet float_dtypes();  // F32, F16, BF16
DTypeSet index_dtypes();  // I32, I64

// Validates the arguments of one op call. Every check names the op and the argument on failure.
class OpArgs {
public:
    // Checks that the stream is not NULL.
    OpArgs(const char* op, const qrt_stream* stream);
    // An op that fails (validation or launch) while its stream captures spoils the capture: the graph would lack the
    // op. The destructor notices the failure by the exception unwinding through it; fail() keeps the message.
    ~OpArgs();
    OpArgs(const OpArgs&) = delete;
    OpArgs& operator=(const OpArgs&) = delete;

    const char* op() const { return op_; }
    qrt_device device() const { return device_; }
    qrt_backend backend() const { return static_cast<qrt_backend>(device_.backend); }

    // A required tensor argument, validated as described at TensorRef.
    TensorRef tensor(const char* name, const qrt_tensor* tensor, const DTypeSet& dtypes) const;
    // An optional tensor argument: empty when tensor is NULL.
    std::optional<TensorRef> optional_tensor(const char* name, const qrt_tensor* tensor, const DTypeSet& dtypes) const;

    // Views a tensor of rank >= 1 as rows: leading dimensions must flatten into one with a single stride,
    // and the last dimension must be contiguous.
    RowsView rows(const char* name, const TensorRef& tensor) const;
    // tensor() followed by rows(), keeping the name for messages.
    NamedRows named_rows(const char* name, const qrt_tensor* tensor, const DTypeSet& dtypes) const;
    // Fails unless `argument` has the rows and columns of `other`; the message names both shapes.
    void require_same_rows(const NamedRows& argument, const NamedRows& other) const;
    // Views a rank-3 tensor as [tokens, heads, dim] with a contiguous last dimension.
    HeadsView heads(const char* name, const TensorRef& tensor) const;
    // A contiguous tensor with one element (per tensor) or `count` elements.
    ScaleVector scale(const char* name, const TensorRef& tensor, int64_t count, const char* count_meaning) const;
    // A contiguous tensor with exactly `count` elements, read as integers.
    IndexVector indices(const char* name, const TensorRef& tensor, int64_t count) const;

    // Fails with QRT_STATUS_INVALID_ARGUMENT unless condition holds: "<op>: argument '<name>': <message>".
    template <class... Parts>
    void require(bool condition, const char* name, Parts&&... message) const {
        if (!condition) fail(QRT_STATUS_INVALID_ARGUMENT, name, concat(std::forward<Parts>(message)...));
    }
    [[noreturn]] void fail(qrt_status status, const char* name, const std::string& message) const;
    // Fails with QRT_STATUS_UNSUPPORTED: this op has no kernel on the stream's backend in this build.
    [[noreturn]] void unsupported_on_backend() const;

private:
    const char* op_;
    const qrt_stream* stream_ = nullptr;
    qrt_device device_{};
    int uncaught_at_start_ = 0;
};

}  // namespace qrt
