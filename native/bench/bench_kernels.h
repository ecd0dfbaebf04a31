// The rows of qrt-bench: each kernel of libqrt's GEMM family, set up for one layer shape on one device, as the call
// to time. Weights come in `copies` buffers that the calls rotate through, so that on a GPU the weights of every call
// come from memory, not from the L2 cache left warm by the call before.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "bench_data.h"
#include "qrt.h"

namespace qrt_bench {

struct LayerShape {
    const char* model;
    const char* layer;
    int64_t n;  // out_features
    int64_t k;  // in_features
};

// The baseline a row is compared with on a GPU: cuBLAS BF16 for every row, and the vendor's library for the same
// 8-bit format where there is one.
enum class Family { Dense, WeightOnly, Int8, Fp8 };

// One kernel set up for one shape: the buffers it owns and the call to time for a given M and weight copy.
struct PreparedKernel {
    qrt_device device{};
    std::vector<std::unique_ptr<DeviceBuffer>> buffers;
    size_t weight_bytes = 0;              // weights, scales and zero points read per call
    size_t activation_bytes_per_row = 0;  // the input activations of one row
    size_t output_bytes_per_row = 0;
    std::function<qrt_status(qrt_stream*, int64_t m, int copy)> run;

    // A buffer on the kernel's device filled with seeded values, or null (qrt_last_error() set).
    void* allocate(qrt_stream* stream, Random& random, size_t bytes, FillSpec fill);
};

struct KernelCase {
    const char* name;
    const char* description;
    Family family;
    // Null with qrt_last_error() set when a libqrt call of the setup fails.
    std::unique_ptr<PreparedKernel> (*prepare)(qrt_device device, qrt_stream* stream, const LayerShape& shape,
                                               int64_t max_m, int copies, Random& random);
};

const std::vector<KernelCase>& kernel_cases();

}  // namespace qrt_bench
