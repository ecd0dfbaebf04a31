// Entry point for the embedding lookup: qrt_embedding.
#include <cstdint>

#include "core/error.h"
#include "core/tensor.h"
#include "cpu/embedding.h"
#include "qrt.h"

#if defined(QRT_WITH_CUDA)
#  include "cuda/cuda_backend.h"
#endif

extern "C" QRT_API qrt_status qrt_embedding(qrt_stream* stream, const qrt_tensor* ids, const qrt_tensor* table,
                                            qrt_tensor* y) {
    return qrt::guarded("qrt_embedding", [&] {
        qrt::OpArgs args("qrt_embedding", stream);
        const qrt::TensorRef ids_ref = args.tensor("ids", ids, qrt::index_dtypes());
        const qrt::IndexVector token_ids = args.indices("ids", ids_ref, ids_ref.numel());
        const qrt::TensorRef table_ref = args.tensor("table", table, qrt::float_dtypes());
        args.require(table_ref.rank == 2, "table", "must be [V, D] (rank 2), got shape ", table_ref.shape_string());
        const qrt::RowsView table_rows = args.rows("table", table_ref);
        const qrt::TensorRef y_ref = args.tensor("y", y, qrt::float_dtypes());
        const qrt::RowsView y_rows = args.rows("y", y_ref);
        args.require(y_rows.rows == token_ids.count && y_rows.cols == table_rows.cols, "y", "shape ",
                     y_ref.shape_string(), " does not match ids' shape ", ids_ref.shape_string(), " and table's shape ",
                     table_ref.shape_string(), " (expected ", token_ids.count, " rows of ", table_rows.cols, ")");
        switch (args.backend()) {
            case QRT_BACKEND_CPU: {
                // The ids are read here, where they live in host memory, and all of them before y is touched.
                const int64_t position = qrt::cpu::first_id_out_of_range(token_ids, table_rows.rows);
                if (position >= 0) {
                    args.fail(QRT_STATUS_INVALID_ARGUMENT, "ids",
                              qrt::concat("position ", position, " holds ", token_ids.at(position), ", outside [0, ",
                                          table_rows.rows, ") (V = ", table_rows.rows, ", the rows of table)"));
                }
                qrt::cpu::embedding(token_ids, table_rows, y_rows);
                return;
            }
#if defined(QRT_WITH_CUDA)
            // The ids live in device memory: the kernel writes a row of NaN for an id outside the table.
            case QRT_BACKEND_CUDA: qrt::cuda::embedding(stream, token_ids, table_rows, y_rows); return;
#endif
            default: args.unsupported_on_backend();
        }
    });
}
