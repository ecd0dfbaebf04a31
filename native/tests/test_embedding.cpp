// qrt_embedding against a lookup loop written from its definition in qrt.h: each output row is the
// table row its id selects, converted to y's dtype (exactly, with rounding to nearest even).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "test_formats.h"
#include "test_tensors.h"
#include "test_util.h"

using namespace qrt_test;

namespace {

struct Problem {
    int64_t vocab;
    int64_t dim;
    std::vector<int64_t> ids_shape;
    int64_t table_row_stride;  // ≥ dim: the table may be a column block of a wider matrix
    int64_t y_row_stride;      // ≥ dim: y's rows may be padded
};

std::string label(const Problem& p, qrt_dtype ids, qrt_dtype table, qrt_dtype y) {
    std::string shape;
    for (int64_t extent : p.ids_shape) shape += (shape.empty() ? "" : ", ") + std::to_string(extent);
    return std::string("embedding ids ") + qrt_dtype_name(ids) + " [" + shape + "] table " + qrt_dtype_name(table) +
           " [" + std::to_string(p.vocab) + ", " + std::to_string(p.dim) + "] y " + qrt_dtype_name(y);
}

void check_embedding(qrt_stream* stream, const Problem& p, qrt_dtype ids_dtype, qrt_dtype table_dtype,
                     qrt_dtype y_dtype, Random& random) {
    int64_t tokens = 1;
    for (int64_t extent : p.ids_shape) tokens *= extent;
    std::vector<int64_t> id_values(static_cast<size_t>(tokens));
    for (int64_t& id : id_values) id = random.integer(0, static_cast<int32_t>(p.vocab - 1));
    if (tokens >= 2) {  // the first and last rows of the table are reachable
        id_values.front() = 0;
        id_values.back() = p.vocab - 1;
    }
    IndexBuffer ids(ids_dtype, id_values);
    FloatBuffer table(table_dtype, random.normal(static_cast<size_t>(p.vocab * p.table_row_stride), 2.0f));
    const float kUntouched = 12345.0f;
    FloatBuffer y(y_dtype, std::vector<float>(static_cast<size_t>(tokens * p.y_row_stride), kUntouched));

    qrt_tensor ids_tensor{};
    ids_tensor.data = ids.data();
    ids_tensor.dtype = ids_dtype;
    ids_tensor.rank = static_cast<int32_t>(p.ids_shape.size());
    int64_t stride = 1;
    for (size_t d = p.ids_shape.size(); d-- > 0;) {
        ids_tensor.shape[d] = p.ids_shape[d];
        ids_tensor.strides[d] = stride;
        stride *= p.ids_shape[d];
    }
    ids_tensor.device = cpu_device();
    qrt_tensor table_tensor = tensor(table.data(), table_dtype, {p.vocab, p.dim});
    table_tensor.strides[0] = p.table_row_stride;
    qrt_tensor y_tensor = tensor(y.data(), y_dtype, {tokens, p.dim});
    y_tensor.strides[0] = p.y_row_stride;
    QRT_CHECK_OK(qrt_embedding(stream, &ids_tensor, &table_tensor, &y_tensor));

    size_t wrong = 0;
    for (size_t t = 0; t < ids.size(); ++t) {
        for (int64_t d = 0; d < p.y_row_stride; ++d) {
            const float actual = y.get(t * static_cast<size_t>(p.y_row_stride) + static_cast<size_t>(d));
            const float expected =
                d < p.dim ? round_to(y_dtype, table.get(static_cast<size_t>(ids[t] * p.table_row_stride + d)))
                          : round_to(y_dtype, kUntouched);  // padding between rows stays as it was
            if (std::memcmp(&actual, &expected, 4) != 0) ++wrong;
        }
    }
    if (wrong > 0) {
        std::fprintf(stderr, "%s: %zu wrong elements\n", label(p, ids_dtype, table_dtype, y_dtype).c_str(), wrong);
        ++failures();
    }
}

void test_lookup(qrt_stream* stream, Random& random) {
    const std::vector<Problem> problems = {
        {1, 1, {1}, 1, 1},
        {7, 3, {3}, 3, 3},
        {33, 17, {2, 7}, 17, 17},
        {127, 33, {}, 33, 33},  // a single id as a scalar
        {1000, 127, {17}, 130, 127},
        {50, 64, {3, 5}, 64, 70},
        {4096, 256, {513}, 300, 256},  // enough tokens to spread over the threads
    };
    for (const Problem& p : problems) {
        for (qrt_dtype ids : {QRT_DTYPE_I32, QRT_DTYPE_I64}) {
            for (qrt_dtype table : kFloatDtypes) {
                for (qrt_dtype y : kFloatDtypes) check_embedding(stream, p, ids, table, y, random);
            }
        }
    }
}

// An id outside [0, V) fails naming its position, its value and V, and nothing is written: every id is
// checked before the first row is copied.
void test_ids_out_of_range(qrt_stream* stream) {
    const int64_t vocab = 10;
    const int64_t dim = 4;
    std::vector<float> table(static_cast<size_t>(vocab * dim), 1.0f);
    qrt_tensor table_tensor = tensor(table.data(), QRT_DTYPE_F32, {vocab, dim});
    struct Case {
        qrt_dtype dtype;
        std::vector<int64_t> ids;
        const char* position;
        const char* value;
    };
    const std::vector<Case> cases = {
        {QRT_DTYPE_I32, {1, 2, 3, -1}, "position 3", "-1"},
        {QRT_DTYPE_I32, {10, 0, 0, 0}, "position 0", "10"},
        {QRT_DTYPE_I64, {0, 9, int64_t{1} << 40, 0}, "position 2", "1099511627776"},
        {QRT_DTYPE_I64, {0, 0, 0, std::numeric_limits<int64_t>::min()}, "position 3", "-9223372036854775808"},
    };
    for (const Case& c : cases) {
        IndexBuffer ids(c.dtype, c.ids);
        std::vector<float> y(static_cast<size_t>(4 * dim), -7.0f);
        qrt_tensor ids_tensor = tensor(ids.data(), c.dtype, {4});
        qrt_tensor y_tensor = tensor(y.data(), QRT_DTYPE_F32, {4, dim});
        QRT_CHECK_FAILS(qrt_embedding(stream, &ids_tensor, &table_tensor, &y_tensor), QRT_STATUS_INVALID_ARGUMENT,
                        "argument 'ids'");
        QRT_CHECK(std::strstr(qrt_last_error(), c.position) != nullptr);
        QRT_CHECK(std::strstr(qrt_last_error(), c.value) != nullptr);
        QRT_CHECK(std::strstr(qrt_last_error(), "10") != nullptr);
        QRT_CHECK(std::all_of(y.begin(), y.end(), [](float v) { return v == -7.0f; }));
    }
}

void test_bad_arguments(qrt_stream* stream) {
    std::vector<int32_t> id_values = {0, 1, 2, 3, 4, 5};
    std::vector<float> table(10 * 4);
    std::vector<float> y(6 * 4);
    qrt_tensor ids = tensor(id_values.data(), QRT_DTYPE_I32, {2, 3});
    qrt_tensor t = tensor(table.data(), QRT_DTYPE_F32, {10, 4});
    qrt_tensor out = tensor(y.data(), QRT_DTYPE_F32, {2, 3, 4});

    QRT_CHECK_OK(qrt_embedding(stream, &ids, &t, &out));
    QRT_CHECK_FAILS(qrt_embedding(nullptr, &ids, &t, &out), QRT_STATUS_INVALID_ARGUMENT, "argument 'stream'");
    QRT_CHECK_FAILS(qrt_embedding(stream, nullptr, &t, &out), QRT_STATUS_INVALID_ARGUMENT, "argument 'ids'");
    QRT_CHECK_FAILS(qrt_embedding(stream, &ids, nullptr, &out), QRT_STATUS_INVALID_ARGUMENT, "argument 'table'");
    QRT_CHECK_FAILS(qrt_embedding(stream, &ids, &t, nullptr), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");

    qrt_tensor float_ids = tensor(table.data(), QRT_DTYPE_F32, {2, 3});
    QRT_CHECK_FAILS(qrt_embedding(stream, &float_ids, &t, &out), QRT_STATUS_INVALID_ARGUMENT, "argument 'ids'");
    qrt_tensor strided_ids = tensor(id_values.data(), QRT_DTYPE_I32, {3});
    strided_ids.strides[0] = 2;
    qrt_tensor three_rows = tensor(y.data(), QRT_DTYPE_F32, {3, 4});
    QRT_CHECK_FAILS(qrt_embedding(stream, &strided_ids, &t, &three_rows), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'ids'");
    qrt_tensor int_table = tensor(table.data(), QRT_DTYPE_I32, {10, 4});
    QRT_CHECK_FAILS(qrt_embedding(stream, &ids, &int_table, &out), QRT_STATUS_INVALID_ARGUMENT, "argument 'table'");
    qrt_tensor flat_table = tensor(table.data(), QRT_DTYPE_F32, {40});
    QRT_CHECK_FAILS(qrt_embedding(stream, &ids, &flat_table, &out), QRT_STATUS_INVALID_ARGUMENT, "argument 'table'");
    qrt_tensor deep_table = tensor(table.data(), QRT_DTYPE_F32, {2, 5, 4});
    QRT_CHECK_FAILS(qrt_embedding(stream, &ids, &deep_table, &out), QRT_STATUS_INVALID_ARGUMENT, "argument 'table'");
    qrt_tensor column_table = tensor(table.data(), QRT_DTYPE_F32, {10, 4});
    column_table.strides[0] = 1;
    column_table.strides[1] = 10;  // the last dimension is not contiguous
    QRT_CHECK_FAILS(qrt_embedding(stream, &ids, &column_table, &out), QRT_STATUS_INVALID_ARGUMENT, "argument 'table'");
    qrt_tensor f8_y = tensor(y.data(), QRT_DTYPE_F8_E4M3, {6, 4});
    QRT_CHECK_FAILS(qrt_embedding(stream, &ids, &t, &f8_y), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");
    qrt_tensor narrow_y = tensor(y.data(), QRT_DTYPE_F32, {6, 3});
    QRT_CHECK_FAILS(qrt_embedding(stream, &ids, &t, &narrow_y), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");
    QRT_CHECK(std::strstr(qrt_last_error(), "[6, 3]") != nullptr &&
              std::strstr(qrt_last_error(), "[10, 4]") != nullptr);
    qrt_tensor short_y = tensor(y.data(), QRT_DTYPE_F32, {5, 4});
    QRT_CHECK_FAILS(qrt_embedding(stream, &ids, &t, &short_y), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");
    qrt_tensor no_ids = ids;
    no_ids.data = nullptr;
    QRT_CHECK_FAILS(qrt_embedding(stream, &no_ids, &t, &out), QRT_STATUS_INVALID_ARGUMENT, "argument 'ids'");
    qrt_tensor no_table = t;
    no_table.data = nullptr;
    QRT_CHECK_FAILS(qrt_embedding(stream, &ids, &no_table, &out), QRT_STATUS_INVALID_ARGUMENT, "argument 'table'");
    qrt_tensor on_gpu = t;
    on_gpu.device = qrt_device{QRT_BACKEND_CUDA, 0};
    QRT_CHECK_FAILS(qrt_embedding(stream, &ids, &on_gpu, &out), QRT_STATUS_INVALID_ARGUMENT, "argument 'table'");

    // No tokens: nothing to look up, even in an empty table.
    qrt_tensor no_tokens = tensor(nullptr, QRT_DTYPE_I64, {0});
    qrt_tensor empty_table = tensor(nullptr, QRT_DTYPE_F32, {0, 4});
    qrt_tensor empty_y = tensor(nullptr, QRT_DTYPE_F32, {0, 4});
    QRT_CHECK_OK(qrt_embedding(stream, &no_tokens, &empty_table, &empty_y));
    // An empty table has no valid id.
    QRT_CHECK_FAILS(qrt_embedding(stream, &ids, &empty_table, &out), QRT_STATUS_INVALID_ARGUMENT, "argument 'ids'");
}

}  // namespace

int main() {
    CpuStream stream;
    Random random(31337);
    test_lookup(stream, random);
    test_ids_out_of_range(stream);
    test_bad_arguments(stream);
    return finish("test_embedding");
}
