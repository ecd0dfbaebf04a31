// Entry points for softmax, log-softmax and argmax along the last dimension.
#include <cstdint>
#include <limits>

#include "core/error.h"
#include "core/tensor.h"
#include "cpu/softmax.h"
#include "qrt.h"

#if defined(QRT_WITH_CUDA)
#  include "cuda/cuda_backend.h"
#endif

namespace {

bool same_shape(const qrt::TensorRef& a, const qrt::TensorRef& b) {
    if (a.rank != b.rank) return false;
    for (int i = 0; i < a.rank; ++i) {
        if (a.shape[i] != b.shape[i]) return false;
    }
    return true;
}

// x and y of softmax and log_softmax: float tensors of one shape, viewed as rows.
struct RowsPair {
    qrt::RowsView x;
    qrt::RowsView y;
};

RowsPair rows_pair(const qrt::OpArgs& args, const qrt_tensor* x, const qrt_tensor* y) {
    const qrt::TensorRef x_ref = args.tensor("x", x, qrt::float_dtypes());
    const qrt::TensorRef y_ref = args.tensor("y", y, qrt::float_dtypes());
    args.require(same_shape(x_ref, y_ref), "y", "has shape ", y_ref.shape_string(), " but x has shape ",
                 x_ref.shape_string());
    return RowsPair{args.rows("x", x_ref), args.rows("y", y_ref)};
}

}  // namespace

extern "C" {

QRT_API qrt_status qrt_softmax(qrt_stream* stream, const qrt_tensor* x, qrt_tensor* y) {
    return qrt::guarded("qrt_softmax", [&] {
        qrt::OpArgs args("qrt_softmax", stream);
        const RowsPair rows = rows_pair(args, x, y);
        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::softmax(rows.x, rows.y); return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA: qrt::cuda::softmax(stream, rows.x, rows.y); return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

QRT_API qrt_status qrt_log_softmax(qrt_stream* stream, const qrt_tensor* x, qrt_tensor* y) {
    return qrt::guarded("qrt_log_softmax", [&] {
        qrt::OpArgs args("qrt_log_softmax", stream);
        const RowsPair rows = rows_pair(args, x, y);
        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::log_softmax(rows.x, rows.y); return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA: qrt::cuda::log_softmax(stream, rows.x, rows.y); return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

QRT_API qrt_status qrt_argmax(qrt_stream* stream, const qrt_tensor* x, qrt_tensor* indices) {
    return qrt::guarded("qrt_argmax", [&] {
        qrt::OpArgs args("qrt_argmax", stream);
        const qrt::TensorRef x_ref = args.tensor("x", x, qrt::float_dtypes());
        args.require(x_ref.rank >= 1 && x_ref.size(-1) >= 1, "x",
                     "needs at least one element per row to take "
                     "the argmax of, got shape ",
                     x_ref.shape_string());
        const qrt::RowsView x_rows = args.rows("x", x_ref);
        const qrt::TensorRef indices_ref = args.tensor("indices", indices, qrt::index_dtypes());
        args.indices("indices", indices_ref, x_rows.rows);
        args.require(indices_ref.dtype == QRT_DTYPE_I64 || x_rows.cols - 1 <= std::numeric_limits<int32_t>::max(),
                     "indices", "is I32 but rows of x have ", x_rows.cols, " elements; use I64");
        switch (args.backend()) {
            case QRT_BACKEND_CPU: qrt::cpu::argmax(x_rows, indices_ref.data, indices_ref.dtype); return;
#if defined(QRT_WITH_CUDA)
            case QRT_BACKEND_CUDA: qrt::cuda::argmax(stream, x_rows, indices_ref.data, indices_ref.dtype); return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}

}  // extern "C"
