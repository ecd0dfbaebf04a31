// Entry points for elementwise ops: qrt_copy, qrt_add and qrt_gather_columns.
#include <cstdint>

#include "core/error.h"
#include "core/tensor.h"
#include "cpu/elementwise.h"
#include "qrt.h"

#if defined(QRT_WITH_CUDA)
#  include "cuda/cuda_backend.h"
#endif

namespace {

using qrt::IndexVector;
using qrt::NamedRows;
using qrt::OpArgs;
using qrt::TensorRef;

qrt::DTypeSet any_dtype() {
    return {QRT_DTYPE_F32, QRT_DTYPE_F16, QRT_DTYPE_BF16, QRT_DTYPE_F8_E4M3,
            QRT_DTYPE_I8,  QRT_DTYPE_U8,  QRT_DTYPE_I32,  QRT_DTYPE_I64};
}

bool is_float(qrt_dtype dtype) { return qrt::is_float16_or_32(dtype) || dtype == QRT_DTYPE_F8_E4M3; }

void require_same_shape(const OpArgs& args, const char* name, const TensorRef& tensor, const char* other_name,
                        const TensorRef& other) {
    bool same = tensor.rank == other.rank;
    for (int d = 0; same && d < tensor.rank; ++d) same = tensor.shape[d] == other.shape[d];
    args.require(same, name, "shape ", tensor.shape_string(), " does not match ", other_name, "'s shape ",
                 other.shape_string());
}

// Fails unless `tensor`, which the op writes, is `other` itself or shares no byte with it: any other
// overlap would let a write land on an element still to be read.
void require_same_or_disjoint(const OpArgs& args, const char* name, const TensorRef& tensor, const char* other_name,
                              const TensorRef& other) {
    if (qrt::same_tensor(tensor, other)) return;
    args.require(!qrt::may_overlap(tensor, other), name, "overlaps ", other_name,
                 " (it must be the same tensor, with the same data, dtype and strides, or not overlap at all)");
}

// Every index must name a column of x. The values live in host memory on the CPU backend, so they are
// checked before any work.
void require_columns_in_range(const OpArgs& args, const IndexVector& indices, int64_t columns) {
    for (int64_t j = 0; j < indices.count; ++j) {
        const int64_t column = indices.at(j);
        args.require(column >= 0 && column < columns, "indices", "position ", j, " holds ", column, ", outside [0, ",
                     columns, ") (K = ", columns, ", the columns of x)");
    }
}

}  // namespace

extern "C" QRT_API qrt_status qrt_copy(qrt_stream* stream, const qrt_tensor* src, qrt_tensor* dst) {
    return qrt::guarded("qrt_copy", [&] {
        OpArgs args("qrt_copy", stream);
        const TensorRef source = args.tensor("src", src, any_dtype());
        const TensorRef target = args.tensor("dst", dst, any_dtype());
        require_same_shape(args, "dst", target, "src", source);
        if (is_float(source.dtype)) {
            args.require(is_float(target.dtype), "dst", "dtype ", qrt::dtype_name(target.dtype),
                         " cannot receive float ", qrt::dtype_name(source.dtype),
                         " values (expected F32, F16, BF16 or F8_E4M3)");
        } else {
            args.require(target.dtype == source.dtype, "dst", "dtype ", qrt::dtype_name(target.dtype),
                         " differs from src's integer dtype ", qrt::dtype_name(source.dtype),
                         " (integers copy only to the same dtype)");
        }
        if (qrt::same_tensor(source, target)) return;
        require_same_or_disjoint(args, "dst", target, "src", source);
        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::copy(source, target); return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA: qrt::cuda::copy(stream, source, target); return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

extern "C" QRT_API qrt_status qrt_add(qrt_stream* stream, const qrt_tensor* a, const qrt_tensor* b, qrt_tensor* y) {
    return qrt::guarded("qrt_add", [&] {
        OpArgs args("qrt_add", stream);
        const TensorRef lhs = args.tensor("a", a, qrt::float_dtypes());
        const TensorRef rhs = args.tensor("b", b, qrt::float_dtypes());
        const TensorRef sum = args.tensor("y", y, qrt::float_dtypes());
        require_same_shape(args, "b", rhs, "a", lhs);
        require_same_shape(args, "y", sum, "a", lhs);
        require_same_or_disjoint(args, "y", sum, "a", lhs);
        require_same_or_disjoint(args, "y", sum, "b", rhs);
        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::add(lhs, rhs, sum); return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA: qrt::cuda::add(stream, lhs, rhs, sum); return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

extern "C" QRT_API qrt_status qrt_gather_columns(qrt_stream* stream, const qrt_tensor* x, const qrt_tensor* indices,
                                                 qrt_tensor* y) {
    return qrt::guarded("qrt_gather_columns", [&] {
        OpArgs args("qrt_gather_columns", stream);
        const NamedRows source = args.named_rows("x", x, qrt::float_dtypes());
        const TensorRef index_ref = args.tensor("indices", indices, qrt::index_dtypes());
        const NamedRows target = args.named_rows("y", y, qrt::float_dtypes());
        args.require(target.tensor.dtype == source.tensor.dtype, "y", "dtype ", qrt::dtype_name(target.tensor.dtype),
                     " differs from x's dtype ", qrt::dtype_name(source.tensor.dtype),
                     " (a gather copies elements unchanged)");
        args.require(target.view.rows == source.view.rows, "y", "shape ", target.tensor.shape_string(), " has ",
                     target.view.rows, " rows but x's shape ", source.tensor.shape_string(), " has ", source.view.rows);
        args.require(index_ref.numel() == target.view.cols, "indices", "has ", index_ref.numel(),
                     " elements but y's shape ", target.tensor.shape_string(), " has J = ", target.view.cols,
                     " columns");
        const IndexVector columns = args.indices("indices", index_ref, target.view.cols);
        args.require(!qrt::may_overlap(target.tensor, source.tensor), "y", "overlaps x");
        switch (args.backend()) {
            case QRT_BACKEND_CPU:
                require_columns_in_range(args, columns, source.view.cols);
                qrt::cpu::gather_columns(source.view, columns, target.view);
                return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA: qrt::cuda::gather_columns(stream, source.view, columns, target.view); return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}
