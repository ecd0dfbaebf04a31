// The CUDA embedding lookup against the CPU op on the same inputs: a gather, so every row must be the CPU's bits (a
// table of y's dtype copied unchanged, another dtype rounded once through FP32), and an id outside the table, which
// only the device reads, must give a row of NaN without touching anything else. Exits 77 (skipped) without a GPU.
#include <cmath>
#include <limits>

#include "cuda_ops_test_util.h"

using namespace qrt_test;

namespace {

// ids as bytes of I32 or I64.
std::vector<uint8_t> id_bytes(const std::vector<int64_t>& ids, qrt_dtype dtype) {
    std::vector<uint8_t> bytes(ids.size() * qrt_dtype_size(dtype));
    for (size_t t = 0; t < ids.size(); ++t) {
        if (dtype == QRT_DTYPE_I64) {
            std::memcpy(bytes.data() + 8 * t, &ids[t], 8);
        } else {
            const int32_t narrow = static_cast<int32_t>(ids[t]);
            std::memcpy(bytes.data() + 4 * t, &narrow, 4);
        }
    }
    return bytes;
}

// A table [vocab, cols] whose rows lie table_stride elements apart (a column block when the stride exceeds cols),
// looked up into y [ids, cols] with rows y_stride apart; the gaps of y must stay as they were (zero).
struct Lookup {
    int64_t vocab;
    int64_t cols;
    int64_t table_stride;
    int64_t y_stride;
};

void test_lookup(const Lookup& shape, qrt_dtype table_dtype, qrt_dtype y_dtype, qrt_dtype id_dtype,
                 const std::vector<int64_t>& ids, Random& random) {
    CpuStream cpu;
    CudaStream gpu;
    std::vector<float> table_values = random.normal(static_cast<size_t>(shape.vocab * shape.table_stride), 2.0f);
    // Special values in the first row: they must travel unchanged (same dtype) or convert as the CPU's do.
    const float specials[] = {std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity(),
                              -0.0f,
                              std::nanf(""),
                              1e-40f,
                              70000.0f};
    for (size_t i = 0; i < 6 && i < static_cast<size_t>(shape.cols); ++i) table_values[i] = specials[i];
    const auto table = encode(cpu, table_values, table_dtype);
    const auto id_data = id_bytes(ids, id_dtype);
    const int64_t tokens = static_cast<int64_t>(ids.size());
    const std::vector<uint8_t> y_zero(static_cast<size_t>(tokens * shape.y_stride) * qrt_dtype_size(y_dtype), 0);

    std::vector<uint8_t> y_cpu = y_zero;
    qrt_tensor table_host =
        matrix(const_cast<uint8_t*>(table.data()), table_dtype, shape.vocab, shape.cols, shape.table_stride);
    qrt_tensor ids_host = tensor(const_cast<uint8_t*>(id_data.data()), id_dtype, {tokens});
    qrt_tensor y_host = matrix(y_cpu.data(), y_dtype, tokens, shape.cols, shape.y_stride);
    QRT_CHECK_OK(qrt_embedding(cpu, &ids_host, &table_host, &y_host));

    DeviceBuffer<uint8_t> table_dev(gpu, table);
    DeviceBuffer<uint8_t> ids_dev(gpu, id_data);
    DeviceBuffer<uint8_t> y_dev(gpu, y_zero);
    qrt_tensor table_gpu = on_device(table_host, table_dev.data());
    qrt_tensor ids_gpu = on_device(ids_host, ids_dev.data());
    qrt_tensor y_gpu = on_device(y_host, y_dev.data());
    QRT_CHECK_OK(qrt_embedding(gpu, &ids_gpu, &table_gpu, &y_gpu));
    check_same_bits(y_dev.download(), y_cpu, y_dtype, "embedding");
}

// Ids the host cannot check: each bad one gives a NaN row; the good ones their rows; the gaps stay zero.
void test_ids_outside_table(qrt_dtype dtype, qrt_dtype id_dtype, Random& random) {
    CpuStream cpu;
    CudaStream gpu;
    const int64_t vocab = 10, cols = 37, stride = 40;
    const auto table = encode(cpu, random.normal(static_cast<size_t>(vocab * cols)), dtype);
    std::vector<int64_t> ids = {3, -1, 9, 10, 0};
    if (id_dtype == QRT_DTYPE_I64) ids.push_back(int64_t{1} << 40);  // beyond every 32-bit offset
    ids.push_back(std::numeric_limits<int32_t>::min());
    const int64_t tokens = static_cast<int64_t>(ids.size());
    const auto id_data = id_bytes(ids, id_dtype);
    const std::vector<uint8_t> y_zero(static_cast<size_t>(tokens * stride) * qrt_dtype_size(dtype), 0);

    DeviceBuffer<uint8_t> table_dev(gpu, table);
    DeviceBuffer<uint8_t> ids_dev(gpu, id_data);
    DeviceBuffer<uint8_t> y_dev(gpu, y_zero);
    qrt_tensor table_gpu = device_tensor(table_dev.data(), dtype, {vocab, cols});
    qrt_tensor ids_gpu = device_tensor(ids_dev.data(), id_dtype, {tokens});
    qrt_tensor y_gpu = on_device(matrix(nullptr, dtype, tokens, cols, stride), y_dev.data());
    QRT_CHECK_OK(qrt_embedding(gpu, &ids_gpu, &table_gpu, &y_gpu));
    const std::vector<uint8_t> y = y_dev.download();
    const size_t size = qrt_dtype_size(dtype);
    for (int64_t t = 0; t < tokens; ++t) {
        const bool inside = ids[t] >= 0 && ids[t] < vocab;
        for (int64_t c = 0; c < stride; ++c) {
            const size_t i = static_cast<size_t>(t * stride + c);
            const float value = element_value(y, dtype, i);
            if (c >= cols) {
                QRT_CHECK(std::memcmp(y.data() + i * size, y_zero.data(), size) == 0);
            } else if (!inside) {
                QRT_CHECK(std::isnan(value));
            } else {
                QRT_CHECK(std::memcmp(y.data() + i * size, table.data() + static_cast<size_t>(ids[t] * cols + c) * size,
                                      size) == 0);
            }
        }
    }
    // The stream is still usable: nothing faulted.
    QRT_CHECK_OK(qrt_stream_synchronize(gpu));
}

void test_bad_arguments() {
    CudaStream gpu;
    DeviceBuffer<float> table_dev(gpu, std::vector<float>(24, 1.0f));
    DeviceBuffer<int32_t> ids_dev(gpu, std::vector<int32_t>(2, 0));
    DeviceBuffer<float> y_dev(gpu, std::vector<float>(8, 0.0f));
    qrt_tensor table = device_tensor(table_dev.data(), QRT_DTYPE_F32, {6, 4});
    qrt_tensor ids = device_tensor(ids_dev.data(), QRT_DTYPE_I32, {2});
    qrt_tensor y = device_tensor(y_dev.data(), QRT_DTYPE_F32, {2, 4});
    QRT_CHECK_OK(qrt_embedding(gpu, &ids, &table, &y));
    qrt_tensor flat_table = device_tensor(table_dev.data(), QRT_DTYPE_F32, {24});
    QRT_CHECK_FAILS(qrt_embedding(gpu, &ids, &flat_table, &y), QRT_STATUS_INVALID_ARGUMENT, "'table'");
    qrt_tensor narrow_y = device_tensor(y_dev.data(), QRT_DTYPE_F32, {2, 3});
    QRT_CHECK_FAILS(qrt_embedding(gpu, &ids, &table, &narrow_y), QRT_STATUS_INVALID_ARGUMENT, "'y'");
    qrt_tensor float_ids = device_tensor(ids_dev.data(), QRT_DTYPE_F32, {2});
    QRT_CHECK_FAILS(qrt_embedding(gpu, &float_ids, &table, &y), QRT_STATUS_INVALID_ARGUMENT, "'ids'");
    std::vector<int32_t> host_ids(2, 0);
    qrt_tensor ids_on_host = tensor(host_ids.data(), QRT_DTYPE_I32, {2});
    QRT_CHECK_FAILS(qrt_embedding(gpu, &ids_on_host, &table, &y), QRT_STATUS_INVALID_ARGUMENT, "'ids'");
}

}  // namespace

int main() {
    const std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) return skip_without_cuda("test_cuda_embedding", reason);
    Random random(20261207);
    const Lookup shapes[] = {{1, 1, 1, 1}, {50, 17, 17, 20}, {300, 5120, 5120, 5120}, {64, 96, 160, 96}};
    for (const Lookup& shape : shapes) {
        std::vector<int64_t> ids;
        for (int t = 0; t < 7; ++t) ids.push_back(random.integer(0, static_cast<int32_t>(shape.vocab - 1)));
        ids.push_back(shape.vocab - 1);
        for (qrt_dtype dtype : kFloatDtypes) {
            test_lookup(shape, dtype, dtype, QRT_DTYPE_I32, ids, random);
            test_lookup(shape, dtype, dtype, QRT_DTYPE_I64, ids, random);
        }
        test_lookup(shape, QRT_DTYPE_F32, QRT_DTYPE_BF16, QRT_DTYPE_I32, ids, random);
        test_lookup(shape, QRT_DTYPE_BF16, QRT_DTYPE_F32, QRT_DTYPE_I64, ids, random);
        test_lookup(shape, QRT_DTYPE_F16, QRT_DTYPE_BF16, QRT_DTYPE_I32, ids, random);
    }
    for (qrt_dtype dtype : kFloatDtypes) {
        test_ids_outside_table(dtype, QRT_DTYPE_I32, random);
        test_ids_outside_table(dtype, QRT_DTYPE_I64, random);
    }
    test_bad_arguments();
    return finish("test_cuda_embedding");
}
