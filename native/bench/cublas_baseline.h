// The vendor baselines qrt-cuda-bench measures in the same run as libqrt's kernels: cuBLAS BF16 GEMM and cuBLASLt
// INT8 and FP8 (e4m3) GEMM, on the same shapes. They use their own CUDA runtime and buffers; only the times are
// compared. Built only where cuBLAS is found (the GPU machine, and CI's CUDA 11.8 compile check).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace qrt_bench {

enum class BaselineKind {
    CublasBf16,   // cublasGemmEx: BF16 x and w, FP32 accumulation, BF16 y
    CublasLtInt8, // cublasLtMatmul: INT8 x and w, INT32 accumulation and y (no scaling epilogue)
    CublasLtFp8,  // cublasLtMatmul: e4m3 x and w, FP32 accumulation, per-tensor scales, BF16 y
};

const char* baseline_name(BaselineKind kind);

// One baseline GEMM y[m, n] = x[m, k] · w[n, k]ᵀ prepared for a shape, with `copies` weight buffers to rotate
// through (so weights come from HBM, not L2).
class Baseline {
public:
    virtual ~Baseline() = default;
    // Runs `calls` GEMMs of `m` rows back to back and waits for them; returns the seconds per call, or a negative
    // value (with error() set) when a call failed.
    virtual double time_calls(int64_t m, int calls) = 0;
    virtual const std::string& error() const = 0;
};

// Null with `why` set when the baseline cannot run here (no cuBLAS, no GPU, FP8 needs sm_89+).
std::unique_ptr<Baseline> make_baseline(BaselineKind kind, int64_t n, int64_t k, int64_t max_m, int copies,
                                        std::string* why);

// Device facts the report needs, read through the CUDA runtime: name, L2 bytes, SM count. False when no GPU.
bool cuda_device_facts(std::string* name, int64_t* l2_bytes, int* multiprocessors);

}  // namespace qrt_bench
