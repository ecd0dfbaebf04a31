// qrt-bench's kernel rows (see bench_kernels.h).
#include "bench_kernels.h"

namespace qrt_bench {
namespace {

constexpr FillSpec kActivations{Fill::Bf16, 126};  // magnitudes around 1
constexpr FillSpec kBf16Weights{Fill::Bf16, 120};
constexpr FillSpec kScales{Fill::Bf16, 118};
constexpr FillSpec kF32Scales{Fill::F32, 118};

// `copies` buffers of `bytes` each, filled.
std::vector<void*> weight_copies(PreparedKernel& p, qrt_stream* stream, Random& random, int copies, size_t bytes,
                                 FillSpec fill) {
    std::vector<void*> result;
    for (int c = 0; c < copies; ++c) {
        void* buffer = p.allocate(stream, random, bytes, fill);
        if (buffer == nullptr) return {};
        result.push_back(buffer);
    }
    return result;
}

std::unique_ptr<PreparedKernel> prepare_gemm(qrt_device device, qrt_stream* stream, const LayerShape& s, int64_t max_m,
                                             int copies, Random& random, qrt_dtype dtype) {
    const size_t element = dtype == QRT_DTYPE_F32 ? 4 : 2;
    const FillSpec activations = dtype == QRT_DTYPE_F32 ? FillSpec{Fill::F32, 126} : kActivations;
    const FillSpec weights = dtype == QRT_DTYPE_F32 ? FillSpec{Fill::F32, 120} : kBf16Weights;
    auto p = std::make_unique<PreparedKernel>();
    p->device = device;
    void* x = p->allocate(stream, random, static_cast<size_t>(max_m * s.k) * element, activations);
    const auto w = weight_copies(*p, stream, random, copies, static_cast<size_t>(s.n * s.k) * element, weights);
    void* y = p->allocate(stream, random, static_cast<size_t>(max_m * s.n) * element, FillSpec{});
    if (x == nullptr || w.empty() || y == nullptr) return nullptr;
    p->weight_bytes = static_cast<size_t>(s.n * s.k) * element;
    p->activation_bytes_per_row = static_cast<size_t>(s.k) * element;
    p->output_bytes_per_row = static_cast<size_t>(s.n) * element;
    p->run = [=](qrt_stream* st, int64_t m, int copy) {
        qrt_tensor xt = tensor(device, x, dtype, {m, s.k});
        qrt_tensor wt = tensor(device, w[static_cast<size_t>(copy)], dtype, {s.n, s.k});
        qrt_tensor yt = tensor(device, y, dtype, {m, s.n});
        return qrt_gemm(st, &xt, &wt, nullptr, &yt);
    };
    return p;
}

std::unique_ptr<PreparedKernel> prepare_gemm_bf16(qrt_device device, qrt_stream* stream, const LayerShape& s,
                                                  int64_t max_m, int copies, Random& random) {
    return prepare_gemm(device, stream, s, max_m, copies, random, QRT_DTYPE_BF16);
}

std::unique_ptr<PreparedKernel> prepare_gemm_f32(qrt_device device, qrt_stream* stream, const LayerShape& s,
                                                 int64_t max_m, int copies, Random& random) {
    return prepare_gemm(device, stream, s, max_m, copies, random, QRT_DTYPE_F32);
}

std::unique_ptr<PreparedKernel> prepare_wna16_w4g128(qrt_device device, qrt_stream* stream, const LayerShape& s,
                                                     int64_t max_m, int copies, Random& random) {
    constexpr int64_t kGroupSize = 128;
    auto p = std::make_unique<PreparedKernel>();
    p->device = device;
    const int64_t words = (s.k + 7) / 8;
    const int64_t groups = (s.k + kGroupSize - 1) / kGroupSize;
    void* x = p->allocate(stream, random, static_cast<size_t>(max_m * s.k) * 2, kActivations);
    // Every 4-bit value is a valid weight.
    const auto packed = weight_copies(*p, stream, random, copies, static_cast<size_t>(s.n * words) * 4, FillSpec{});
    const auto scale = weight_copies(*p, stream, random, copies, static_cast<size_t>(s.n * groups) * 2, kScales);
    void* y = p->allocate(stream, random, static_cast<size_t>(max_m * s.n) * 2, FillSpec{});
    if (x == nullptr || packed.empty() || scale.empty() || y == nullptr) return nullptr;
    p->weight_bytes = static_cast<size_t>(s.n * words) * 4 + static_cast<size_t>(s.n * groups) * 2;
    p->activation_bytes_per_row = static_cast<size_t>(s.k) * 2;
    p->output_bytes_per_row = static_cast<size_t>(s.n) * 2;
    p->run = [=](qrt_stream* st, int64_t m, int copy) {
        const auto c = static_cast<size_t>(copy);
        qrt_tensor xt = tensor(device, x, QRT_DTYPE_BF16, {m, s.k});
        qrt_tensor pt = tensor(device, packed[c], QRT_DTYPE_I32, {s.n, words});
        qrt_tensor scale_t = tensor(device, scale[c], QRT_DTYPE_BF16, {s.n, groups});
        qrt_tensor yt = tensor(device, y, QRT_DTYPE_BF16, {m, s.n});
        return qrt_gemm_wna16(st, &xt, &pt, &scale_t, nullptr, nullptr, 4, kGroupSize, nullptr, &yt);
    };
    return p;
}

// The same layer on the repacked W4A16 layout (qrt_gemm_wna16_repacked, the tensor-core kernel on a GPU): each weight
// copy is repacked once here, as a loader does, and the calls share one preallocated workspace for the K splits.
std::unique_ptr<PreparedKernel> prepare_wna16_repacked_w4g128(qrt_device device, qrt_stream* stream,
                                                              const LayerShape& s, int64_t max_m, int copies,
                                                              Random& random) {
    constexpr int64_t kGroupSize = 128;
    auto p = std::make_unique<PreparedKernel>();
    p->device = device;
    const int64_t words = (s.k + 7) / 8;
    const int64_t groups = (s.k + kGroupSize - 1) / kGroupSize;
    void* x = p->allocate(stream, random, static_cast<size_t>(max_m * s.k) * 2, kActivations);
    void* packed = p->allocate(stream, random, static_cast<size_t>(s.n * words) * 4, FillSpec{});
    void* scale = p->allocate(stream, random, static_cast<size_t>(s.n * groups) * 2, kScales);
    const auto repacked = weight_copies(*p, stream, random, copies, static_cast<size_t>(s.n * words) * 4, FillSpec{});
    const auto repacked_scale = weight_copies(*p, stream, random, copies, static_cast<size_t>(s.n * groups) * 2, kScales);
    void* y = p->allocate(stream, random, static_cast<size_t>(max_m * s.n) * 2, FillSpec{});
    if (x == nullptr || packed == nullptr || scale == nullptr || repacked.empty() || repacked_scale.empty() ||
        y == nullptr) {
        return nullptr;
    }
    qrt_tensor pt = tensor(device, packed, QRT_DTYPE_I32, {s.n, words});
    qrt_tensor st = tensor(device, scale, QRT_DTYPE_BF16, {s.n, groups});
    for (int c = 0; c < copies; ++c) {
        qrt_tensor rw = tensor(device, repacked[static_cast<size_t>(c)], QRT_DTYPE_I32, {s.k / 16, 2 * s.n});
        qrt_tensor rs = tensor(device, repacked_scale[static_cast<size_t>(c)], QRT_DTYPE_BF16, {groups, s.n});
        if (qrt_repack_wna16(stream, &pt, &st, nullptr, 4, kGroupSize, &rw, &rs, nullptr) != QRT_STATUS_OK) return nullptr;
    }
    size_t workspace_bytes = 0;
    if (qrt_gemm_wna16_repacked_workspace_size(device, max_m, s.n, s.k, &workspace_bytes) != QRT_STATUS_OK) return nullptr;
    void* workspace = nullptr;
    if (workspace_bytes > 0) {
        workspace = p->allocate(stream, random, workspace_bytes, FillSpec{});
        if (workspace == nullptr || qrt_memset(stream, workspace, 0, workspace_bytes) != QRT_STATUS_OK) return nullptr;
    }
    if (qrt_stream_synchronize(stream) != QRT_STATUS_OK) return nullptr;
    p->weight_bytes = static_cast<size_t>(s.n * words) * 4 + static_cast<size_t>(s.n * groups) * 2;
    p->activation_bytes_per_row = static_cast<size_t>(s.k) * 2;
    p->output_bytes_per_row = static_cast<size_t>(s.n) * 2;
    p->run = [=](qrt_stream* st_, int64_t m, int copy) {
        const auto c = static_cast<size_t>(copy);
        qrt_tensor xt = tensor(device, x, QRT_DTYPE_BF16, {m, s.k});
        qrt_tensor rw = tensor(device, repacked[c], QRT_DTYPE_I32, {s.k / 16, 2 * s.n});
        qrt_tensor rs = tensor(device, repacked_scale[c], QRT_DTYPE_BF16, {groups, s.n});
        qrt_tensor wt = tensor(device, workspace, QRT_DTYPE_U8, {static_cast<int64_t>(workspace_bytes)});
        qrt_tensor yt = tensor(device, y, QRT_DTYPE_BF16, {m, s.n});
        return qrt_gemm_wna16_repacked(st_, &xt, &rw, &rs, nullptr, 4, kGroupSize, nullptr,
                                       workspace != nullptr ? &wt : nullptr, &yt);
    };
    return p;
}

// W8A8 with dynamic per-token activation scales: either quantize + GEMM per call (what a layer costs), or the GEMM
// alone on random activation codes and scales written during setup (its time does not depend on their values, and
// it then needs no quantize kernel on the device).
template <bool kFp8, bool kIncludeQuantize>
std::unique_ptr<PreparedKernel> prepare_w8a8(qrt_device device, qrt_stream* stream, const LayerShape& s, int64_t max_m,
                                             int copies, Random& random) {
    constexpr qrt_dtype kCode = kFp8 ? QRT_DTYPE_F8_E4M3 : QRT_DTYPE_I8;
    auto p = std::make_unique<PreparedKernel>();
    p->device = device;
    void* x = p->allocate(stream, random, static_cast<size_t>(max_m * s.k) * 2, kActivations);
    void* a = p->allocate(stream, random, static_cast<size_t>(max_m * s.k), kFp8 ? FillSpec{Fill::Fp8, 0} : FillSpec{});
    void* a_scale = p->allocate(stream, random, static_cast<size_t>(max_m) * 4, kF32Scales);
    const auto w = weight_copies(*p, stream, random, copies, static_cast<size_t>(s.n * s.k),
                                 kFp8 ? FillSpec{Fill::Fp8, 0} : FillSpec{});
    const auto w_scale = weight_copies(*p, stream, random, copies, static_cast<size_t>(s.n) * 4, kF32Scales);
    void* y = p->allocate(stream, random, static_cast<size_t>(max_m * s.n) * 2, FillSpec{});
    if (x == nullptr || a == nullptr || a_scale == nullptr || w.empty() || w_scale.empty() || y == nullptr) return nullptr;
    p->weight_bytes = static_cast<size_t>(s.n * s.k) + static_cast<size_t>(s.n) * 4;
    p->activation_bytes_per_row = kIncludeQuantize ? static_cast<size_t>(s.k) * 2 : static_cast<size_t>(s.k) + 4;
    p->output_bytes_per_row = static_cast<size_t>(s.n) * 2;
    auto quantize = [=](qrt_stream* st, int64_t m) {
        qrt_tensor xt = tensor(device, x, QRT_DTYPE_BF16, {m, s.k});
        qrt_tensor at = tensor(device, a, kCode, {m, s.k});
        qrt_tensor scale_t = tensor(device, a_scale, QRT_DTYPE_F32, {m});
        return kFp8 ? qrt_quantize_fp8(st, &xt, nullptr, &at, &scale_t)
                    : qrt_quantize_int8(st, &xt, nullptr, nullptr, &at, &scale_t);
    };
    auto gemm = [=](qrt_stream* st, int64_t m, int copy) {
        const auto c = static_cast<size_t>(copy);
        qrt_tensor at = tensor(device, a, kCode, {m, s.k});
        qrt_tensor ast = tensor(device, a_scale, QRT_DTYPE_F32, {m});
        qrt_tensor wt = tensor(device, w[c], kCode, {s.n, s.k});
        qrt_tensor wst = tensor(device, w_scale[c], QRT_DTYPE_F32, {s.n});
        qrt_tensor yt = tensor(device, y, QRT_DTYPE_BF16, {m, s.n});
        return kFp8 ? qrt_gemm_w8a8_fp8(st, &at, &ast, &wt, &wst, nullptr, &yt)
                    : qrt_gemm_w8a8_int8(st, &at, &ast, nullptr, &wt, &wst, nullptr, &yt);
    };
    if (kIncludeQuantize) {
        p->run = [=](qrt_stream* st, int64_t m, int copy) {
            const qrt_status status = quantize(st, m);
            return status != QRT_STATUS_OK ? status : gemm(st, m, copy);
        };
    } else {
        p->run = gemm;
    }
    return p;
}

std::unique_ptr<PreparedKernel> prepare_w8a16_fp8(qrt_device device, qrt_stream* stream, const LayerShape& s,
                                                  int64_t max_m, int copies, Random& random) {
    auto p = std::make_unique<PreparedKernel>();
    p->device = device;
    void* x = p->allocate(stream, random, static_cast<size_t>(max_m * s.k) * 2, kActivations);
    const auto w = weight_copies(*p, stream, random, copies, static_cast<size_t>(s.n * s.k), FillSpec{Fill::Fp8, 0});
    const auto w_scale = weight_copies(*p, stream, random, copies, static_cast<size_t>(s.n) * 4, kF32Scales);
    void* y = p->allocate(stream, random, static_cast<size_t>(max_m * s.n) * 2, FillSpec{});
    if (x == nullptr || w.empty() || w_scale.empty() || y == nullptr) return nullptr;
    p->weight_bytes = static_cast<size_t>(s.n * s.k) + static_cast<size_t>(s.n) * 4;
    p->activation_bytes_per_row = static_cast<size_t>(s.k) * 2;
    p->output_bytes_per_row = static_cast<size_t>(s.n) * 2;
    p->run = [=](qrt_stream* st, int64_t m, int copy) {
        const auto c = static_cast<size_t>(copy);
        qrt_tensor xt = tensor(device, x, QRT_DTYPE_BF16, {m, s.k});
        qrt_tensor wt = tensor(device, w[c], QRT_DTYPE_F8_E4M3, {s.n, s.k});
        qrt_tensor scale_t = tensor(device, w_scale[c], QRT_DTYPE_F32, {s.n});
        qrt_tensor yt = tensor(device, y, QRT_DTYPE_BF16, {m, s.n});
        return qrt_gemm_w8a16_fp8(st, &xt, &wt, &scale_t, nullptr, &yt);
    };
    return p;
}

}  // namespace

void* PreparedKernel::allocate(qrt_stream* stream, Random& random, size_t bytes, FillSpec fill) {
    buffers.push_back(std::make_unique<DeviceBuffer>(device, bytes));
    return buffers.back()->fill(stream, random, fill) ? buffers.back()->data() : nullptr;
}

const std::vector<KernelCase>& kernel_cases() {
    static const std::vector<KernelCase> cases = {
        {"gemm-bf16", "qrt_gemm, BF16 x, w and y", Family::Dense, prepare_gemm_bf16},
        {"gemm-f32", "qrt_gemm, F32 x, w and y (CPU only)", Family::Dense, prepare_gemm_f32},
        {"wna16-w4g128", "qrt_gemm_wna16, 4-bit symmetric, group 128, BF16 x/scales/y", Family::WeightOnly,
         prepare_wna16_w4g128},
        {"wna16r-w4g128",
         "qrt_gemm_wna16_repacked (tensor-core kernel on a GPU), 4-bit symmetric, group 128, BF16 x/scales/y",
         Family::WeightOnly, prepare_wna16_repacked_w4g128},
        {"w8a8-int8", "qrt_quantize_int8 (dynamic, per token) + qrt_gemm_w8a8_int8, BF16 x/y", Family::Int8,
         prepare_w8a8<false, true>},
        {"w8a8-int8-gemm", "qrt_gemm_w8a8_int8 alone, per-token/per-channel scales, BF16 y", Family::Int8,
         prepare_w8a8<false, false>},
        {"w8a8-fp8", "qrt_quantize_fp8 (dynamic, per token) + qrt_gemm_w8a8_fp8, BF16 x/y", Family::Fp8,
         prepare_w8a8<true, true>},
        {"w8a8-fp8-gemm", "qrt_gemm_w8a8_fp8 alone, per-token/per-channel scales, BF16 y", Family::Fp8,
         prepare_w8a8<true, false>},
        {"w8a16-fp8", "qrt_gemm_w8a16_fp8, per-channel scales, BF16 x/y", Family::WeightOnly, prepare_w8a16_fp8},
    };
    return cases;
}

}  // namespace qrt_bench
