#include "core/tensor.h"

#include <exception>
#include <limits>
#include <sstream>

#include "core/stream.h"

namespace qrt {

int64_t TensorRef::numel() const {
    int64_t count = 1;
    for (int i = 0; i < rank; ++i) count *= shape[i];
    return count;
}

int64_t TensorRef::size(int dim) const { return shape[dim < 0 ? rank + dim : dim]; }

int64_t TensorRef::stride(int dim) const { return strides[dim < 0 ? rank + dim : dim]; }

bool TensorRef::is_contiguous() const {
    int64_t expected = 1;
    for (int i = rank - 1; i >= 0; --i) {
        if (shape[i] != 1 && strides[i] != expected) return false;
        expected *= shape[i];
    }
    return true;
}

std::string TensorRef::shape_string() const {
    std::ostringstream out;
    out << '[';
    for (int i = 0; i < rank; ++i) out << (i ? ", " : "") << shape[i];
    out << ']';
    return out.str();
}

float ScaleVector::at(int64_t i) const {
    const int64_t index = count == 1 ? 0 : i;
    switch (dtype) {
        case QRT_DTYPE_F16: return f16_to_f32(static_cast<const uint16_t*>(data)[index]);
        case QRT_DTYPE_BF16: return bf16_to_f32(static_cast<const uint16_t*>(data)[index]);
        default: return static_cast<const float*>(data)[index];
    }
}

bool same_tensor(const TensorRef& a, const TensorRef& b) {
    if (a.data != b.data || a.dtype != b.dtype || a.rank != b.rank) return false;
    for (int d = 0; d < a.rank; ++d) {
        if (a.shape[d] != b.shape[d]) return false;
        if (a.shape[d] > 1 && a.strides[d] != b.strides[d]) return false;
    }
    return true;
}

namespace {
// The addresses from a tensor's first element to the end of its last one. Unsigned arithmetic: a
// nonsensical stride wraps instead of overflowing.
void byte_span(const TensorRef& tensor, uintptr_t* begin, uintptr_t* end) {
    uint64_t last_offset = 0;
    for (int d = 0; d < tensor.rank; ++d) {
        last_offset += static_cast<uint64_t>(tensor.shape[d] - 1) * static_cast<uint64_t>(tensor.strides[d]);
    }
    *begin = reinterpret_cast<uintptr_t>(tensor.data);
    *end = *begin + static_cast<uintptr_t>((last_offset + 1) * dtype_size(tensor.dtype));
}
}  // namespace

bool may_overlap(const TensorRef& a, const TensorRef& b) {
    if (a.numel() == 0 || b.numel() == 0) return false;
    uintptr_t a_begin, a_end, b_begin, b_end;
    byte_span(a, &a_begin, &a_end);
    byte_span(b, &b_begin, &b_end);
    return a_begin < b_end && b_begin < a_end;
}

DTypeSet::DTypeSet(std::initializer_list<qrt_dtype> dtypes) {
    for (qrt_dtype dtype : dtypes) mask_ |= 1u << dtype;
}

std::string DTypeSet::to_string() const {
    std::string names;
    int remaining = 0;
    for (int d = QRT_DTYPE_F32; d <= QRT_DTYPE_I64; ++d) remaining += contains(static_cast<qrt_dtype>(d));
    for (int d = QRT_DTYPE_F32; d <= QRT_DTYPE_I64; ++d) {
        if (!contains(static_cast<qrt_dtype>(d))) continue;
        --remaining;
        names += dtype_name(static_cast<qrt_dtype>(d));
        if (remaining > 1) names += ", ";
        if (remaining == 1) names += " or ";
    }
    return names;
}

DTypeSet float_dtypes() { return {QRT_DTYPE_F32, QRT_DTYPE_F16, QRT_DTYPE_BF16}; }

DTypeSet index_dtypes() { return {QRT_DTYPE_I32, QRT_DTYPE_I64}; }

namespace {
std::string device_string(qrt_device device) {
    return concat(device.backend == QRT_BACKEND_CPU    ? "cpu"
                  : device.backend == QRT_BACKEND_CUDA ? "cuda"
                                                       : "backend?",
                  ":", device.ordinal);
}
}  // namespace

OpArgs::OpArgs(const char* op, const qrt_stream* stream) : op_(op), uncaught_at_start_(std::uncaught_exceptions()) {
    if (stream == nullptr) fail(QRT_STATUS_INVALID_ARGUMENT, "stream", "is NULL");
    stream_ = stream;
    device_ = stream->device;
}

OpArgs::~OpArgs() {
    if (std::uncaught_exceptions() > uncaught_at_start_) {
        note_failure_during_capture(stream_, concat(op_, " failed (see the error it returned)"));
    }
}

void OpArgs::fail(qrt_status status, const char* name, const std::string& message) const {
    const std::string what = concat(op_, ": argument '", name, "': ", message);
    note_failure_during_capture(stream_, what);
    throw Error(status, what);
}

void OpArgs::unsupported_on_backend() const {
    const std::string what =
        concat(op_, ": no kernel for this op on the ", device_string(device_), " backend in this build");
    note_failure_during_capture(stream_, what);
    throw Error(QRT_STATUS_UNSUPPORTED, what);
}

TensorRef OpArgs::tensor(const char* name, const qrt_tensor* tensor, const DTypeSet& dtypes) const {
    require(tensor != nullptr, name, "is NULL");
    require(is_known_dtype(tensor->dtype), name, "unknown dtype value ", tensor->dtype);
    TensorRef ref;
    ref.dtype = static_cast<qrt_dtype>(tensor->dtype);
    require(dtypes.contains(ref.dtype), name, "dtype ", dtype_name(ref.dtype), " is not accepted (expected ",
            dtypes.to_string(), ")");
    require(tensor->rank >= 0 && tensor->rank <= kMaxRank, name, "rank ", tensor->rank, " is outside [0, ", kMaxRank,
            "]");
    ref.rank = tensor->rank;
    int64_t count = 1;
    for (int i = 0; i < ref.rank; ++i) {
        ref.shape[i] = tensor->shape[i];
        ref.strides[i] = tensor->strides[i];
        require(ref.shape[i] >= 0, name, "shape[", i, "] = ", ref.shape[i], " is negative");
        require(ref.shape[i] <= 1 || ref.strides[i] > 0, name, "strides[", i, "] = ", ref.strides[i],
                " must be positive");
        require(ref.shape[i] == 0 || count <= std::numeric_limits<int64_t>::max() / ref.shape[i], name,
                "element count overflows 64 bits");
        count *= ref.shape[i];
    }
    ref.data = tensor->data;
    require(count == 0 || ref.data != nullptr, name, "data is NULL but the tensor has ", count, " elements");
    ref.device = tensor->device;
    require(ref.device.backend == device_.backend && ref.device.ordinal == device_.ordinal, name, "lives on ",
            device_string(ref.device), " but the stream runs on ", device_string(device_));
    return ref;
}

std::optional<TensorRef> OpArgs::optional_tensor(const char* name, const qrt_tensor* tensor,
                                                 const DTypeSet& dtypes) const {
    if (tensor == nullptr) return std::nullopt;
    return this->tensor(name, tensor, dtypes);
}

RowsView OpArgs::rows(const char* name, const TensorRef& tensor) const {
    require(tensor.rank >= 1, name, "must have rank >= 1, got a scalar");
    const int last = tensor.rank - 1;
    require(tensor.shape[last] <= 1 || tensor.strides[last] == 1, name,
            "the last dimension must be contiguous "
            "(stride 1), got stride ",
            tensor.strides[last]);
    RowsView view;
    view.data = tensor.data;
    view.dtype = tensor.dtype;
    view.cols = tensor.shape[last];
    view.rows = 1;
    // Leading dimensions collapse into rows when each steps over the next one exactly.
    int64_t row_stride = 0;
    for (int i = last - 1; i >= 0; --i) {
        if (tensor.shape[i] == 1) continue;
        if (row_stride != 0) {
            require(tensor.strides[i] == row_stride * view.rows, name, "leading dimensions ", tensor.shape_string(),
                    " cannot be flattened into rows: strides[", i, "] = ", tensor.strides[i], ", expected ",
                    row_stride * view.rows);
        } else {
            row_stride = tensor.strides[i];
        }
        // An empty last dimension leaves the element count unbounded by the check in tensor().
        require(tensor.shape[i] == 0 || view.rows <= std::numeric_limits<int64_t>::max() / tensor.shape[i], name,
                "row count overflows 64 bits");
        view.rows *= tensor.shape[i];
    }
    view.row_stride = row_stride != 0 ? row_stride : view.cols;
    return view;
}

NamedRows OpArgs::named_rows(const char* name, const qrt_tensor* tensor, const DTypeSet& dtypes) const {
    NamedRows result;
    result.name = name;
    result.tensor = this->tensor(name, tensor, dtypes);
    result.view = rows(name, result.tensor);
    return result;
}

void OpArgs::require_same_rows(const NamedRows& argument, const NamedRows& other) const {
    require(argument.view.rows == other.view.rows && argument.view.cols == other.view.cols, argument.name, "shape ",
            argument.tensor.shape_string(), " (", argument.view.rows, " rows of ", argument.view.cols,
            ") does not match ", other.name, "'s shape ", other.tensor.shape_string(), " (", other.view.rows,
            " rows of ", other.view.cols, ")");
}

HeadsView OpArgs::heads(const char* name, const TensorRef& tensor) const {
    require(tensor.rank == 3, name, "must be [tokens, heads, dim] (rank 3), got rank ", tensor.rank, " ",
            tensor.shape_string());
    require(tensor.shape[2] <= 1 || tensor.strides[2] == 1, name,
            "the last dimension must be contiguous "
            "(stride 1), got stride ",
            tensor.strides[2]);
    HeadsView view;
    view.data = tensor.data;
    view.dtype = tensor.dtype;
    view.tokens = tensor.shape[0];
    view.heads = tensor.shape[1];
    view.dim = tensor.shape[2];
    view.token_stride = tensor.strides[0];
    view.head_stride = tensor.strides[1];
    return view;
}

ScaleVector OpArgs::scale(const char* name, const TensorRef& tensor, int64_t count, const char* count_meaning) const {
    const int64_t elements = tensor.numel();
    require(elements == 1 || elements == count, name, "must have 1 element (per tensor) or ", count, " (",
            count_meaning, "), got shape ", tensor.shape_string());
    require(tensor.is_contiguous(), name, "must be contiguous");
    return ScaleVector{tensor.data, tensor.dtype, elements};
}

IndexVector OpArgs::indices(const char* name, const TensorRef& tensor, int64_t count) const {
    require(tensor.numel() == count, name, "must have ", count, " elements, got shape ", tensor.shape_string());
    require(tensor.is_contiguous(), name, "must be contiguous");
    return IndexVector{tensor.data, tensor.dtype, count};
}

}  // namespace qrt
