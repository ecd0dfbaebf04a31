// cuBLAS and cuBLASLt baselines for qrt-cuda-bench (see cublas_baseline.h).
//
// Every library here is column-major. With y, x and w row-major, y[m, n] = x[m, k] · w[n, k]ᵀ is, read
// column-major, the n x m matrix y = op(W) · X with W the k x n matrix w is (transposed: n x k) and X the k x m
// matrix x is: the "TN" form, which is also the only one cuBLASLt takes for INT8 and FP8.
#include "cublas_baseline.h"

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <chrono>
#include <cstring>
#include <map>
#include <vector>

namespace qrt_bench {
namespace {

constexpr size_t kLtWorkspaceBytes = 32u << 20;

std::string describe(cudaError_t error) { return std::string(cudaGetErrorName(error)) + " (" + cudaGetErrorString(error) + ")"; }

std::string describe(cublasStatus_t status) { return "cuBLAS status " + std::to_string(static_cast<int>(status)); }

// Device buffers owned by a baseline, freed together.
class DeviceBuffers {
public:
    ~DeviceBuffers() {
        for (void* p : owned_) cudaFree(p);
    }
    void* allocate(size_t bytes, std::string* error) {
        void* p = nullptr;
        const cudaError_t status = cudaMalloc(&p, bytes);
        if (status != cudaSuccess) {
            *error = "cudaMalloc of " + std::to_string(bytes) + " bytes: " + describe(status);
            return nullptr;
        }
        // Small values keep every product finite; the GEMM's speed does not depend on them.
        cudaMemset(p, 0x11, bytes);
        owned_.push_back(p);
        return p;
    }

private:
    std::vector<void*> owned_;
};

class GemmBaseline : public Baseline {
public:
    GemmBaseline(BaselineKind kind, int64_t n, int64_t k, int copies) : kind_(kind), n_(n), k_(k), copies_(copies) {}
    ~GemmBaseline() override {
        for (auto& [rows, plan] : plans_) release(plan);
        if (lt_ != nullptr) cublasLtDestroy(lt_);
        if (handle_ != nullptr) cublasDestroy(handle_);
        if (stream_ != nullptr) cudaStreamDestroy(stream_);
    }

    bool prepare(int64_t max_m, std::string* why) {
        cudaError_t cuda = cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking);
        if (cuda != cudaSuccess) return fail(why, "cudaStreamCreate: " + describe(cuda));
        const size_t element = kind_ == BaselineKind::CublasBf16 ? 2 : 1;
        const size_t output = kind_ == BaselineKind::CublasLtInt8 ? 4 : 2;
        for (int c = 0; c < copies_; ++c) {
            void* w = buffers_.allocate(static_cast<size_t>(n_ * k_) * element, why);
            if (w == nullptr) return false;
            weights_.push_back(w);
        }
        x_ = buffers_.allocate(static_cast<size_t>(max_m * k_) * element, why);
        y_ = buffers_.allocate(static_cast<size_t>(max_m * n_) * output, why);
        if (x_ == nullptr || y_ == nullptr) return false;
        if (kind_ == BaselineKind::CublasBf16) {
            const cublasStatus_t status = cublasCreate(&handle_);
            if (status != CUBLAS_STATUS_SUCCESS) return fail(why, "cublasCreate: " + describe(status));
            cublasSetStream(handle_, stream_);
            return true;
        }
        const cublasStatus_t status = cublasLtCreate(&lt_);
        if (status != CUBLAS_STATUS_SUCCESS) return fail(why, "cublasLtCreate: " + describe(status));
        workspace_ = buffers_.allocate(kLtWorkspaceBytes, why);
        if (workspace_ == nullptr) return false;
        if (kind_ == BaselineKind::CublasLtFp8) {
            scales_ = static_cast<float*>(buffers_.allocate(2 * sizeof(float), why));
            if (scales_ == nullptr) return false;
            const float ones[2] = {1.0f, 1.0f};
            cudaMemcpy(scales_, ones, sizeof ones, cudaMemcpyHostToDevice);
        }
        return true;
    }

    double time_calls(int64_t m, int calls) override {
        error_.clear();
        const auto start = std::chrono::steady_clock::now();
        for (int c = 0; c < calls; ++c) {
            if (!run(m, weights_[static_cast<size_t>(next_++ % copies_)])) return -1.0;
        }
        const cudaError_t status = cudaStreamSynchronize(stream_);
        if (status != cudaSuccess) {
            error_ = "cudaStreamSynchronize: " + describe(status);
            return -1.0;
        }
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / calls;
    }

    const std::string& error() const override { return error_; }

private:
    static bool fail(std::string* why, const std::string& text) {
        *why = text;
        return false;
    }

    bool run(int64_t m, const void* w) {
        const int n = static_cast<int>(n_), k = static_cast<int>(k_), rows = static_cast<int>(m);
        if (kind_ == BaselineKind::CublasBf16) {
            const float alpha = 1.0f, beta = 0.0f;
            const cublasStatus_t status =
                cublasGemmEx(handle_, CUBLAS_OP_T, CUBLAS_OP_N, n, rows, k, &alpha, w, CUDA_R_16BF, k, x_, CUDA_R_16BF, k,
                             &beta, y_, CUDA_R_16BF, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
            if (status != CUBLAS_STATUS_SUCCESS) error_ = "cublasGemmEx: " + describe(status);
            return status == CUBLAS_STATUS_SUCCESS;
        }
        return run_lt(rows, w);
    }

    // A cuBLASLt call's descriptors and chosen algorithm, made once per row count: building them per call would
    // add host time to the baseline that the GEMM itself does not cost.
    struct LtPlan {
        cublasLtMatmulDesc_t operation = nullptr;
        cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
        cublasLtMatmulAlgo_t algo{};
        bool ready = false;
    };

    // Creates the plan for `rows` (INT8 with INT32 out, or FP8 with BF16 out and per-tensor scales; TN; a 32 MB
    // workspace), or returns the failing status.
    cublasStatus_t plan_for(int rows, LtPlan& plan) {
        const bool fp8 = kind_ == BaselineKind::CublasLtFp8;
        const cudaDataType_t in = fp8 ? CUDA_R_8F_E4M3 : CUDA_R_8I;
        const cudaDataType_t out = fp8 ? CUDA_R_16BF : CUDA_R_32I;
        cublasStatus_t status =
            cublasLtMatmulDescCreate(&plan.operation, fp8 ? CUBLAS_COMPUTE_32F : CUBLAS_COMPUTE_32I, fp8 ? CUDA_R_32F : CUDA_R_32I);
        const cublasOperation_t transpose = CUBLAS_OP_T;
        if (status == CUBLAS_STATUS_SUCCESS) {
            status = cublasLtMatmulDescSetAttribute(plan.operation, CUBLASLT_MATMUL_DESC_TRANSA, &transpose, sizeof transpose);
        }
        if (status == CUBLAS_STATUS_SUCCESS && fp8) {
            const float* a_scale = scales_;
            const float* b_scale = scales_ + 1;
            status = cublasLtMatmulDescSetAttribute(plan.operation, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &a_scale, sizeof a_scale);
            if (status == CUBLAS_STATUS_SUCCESS) {
                status = cublasLtMatmulDescSetAttribute(plan.operation, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &b_scale, sizeof b_scale);
            }
        }
        if (status == CUBLAS_STATUS_SUCCESS) status = cublasLtMatrixLayoutCreate(&plan.a, in, k_, n_, k_);
        if (status == CUBLAS_STATUS_SUCCESS) status = cublasLtMatrixLayoutCreate(&plan.b, in, k_, rows, k_);
        if (status == CUBLAS_STATUS_SUCCESS) status = cublasLtMatrixLayoutCreate(&plan.c, out, n_, rows, n_);
        cublasLtMatmulPreference_t preference = nullptr;
        if (status == CUBLAS_STATUS_SUCCESS) status = cublasLtMatmulPreferenceCreate(&preference);
        const size_t workspace_bytes = kLtWorkspaceBytes;
        if (status == CUBLAS_STATUS_SUCCESS) {
            status = cublasLtMatmulPreferenceSetAttribute(preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                          &workspace_bytes, sizeof workspace_bytes);
        }
        cublasLtMatmulHeuristicResult_t heuristic{};
        int found = 0;
        if (status == CUBLAS_STATUS_SUCCESS) {
            status = cublasLtMatmulAlgoGetHeuristic(lt_, plan.operation, plan.a, plan.b, plan.c, plan.c, preference, 1,
                                                    &heuristic, &found);
            if (status == CUBLAS_STATUS_SUCCESS && found == 0) status = CUBLAS_STATUS_NOT_SUPPORTED;
        }
        if (preference != nullptr) cublasLtMatmulPreferenceDestroy(preference);
        plan.algo = heuristic.algo;
        plan.ready = status == CUBLAS_STATUS_SUCCESS;
        return status;
    }

    static void release(LtPlan& plan) {
        if (plan.c != nullptr) cublasLtMatrixLayoutDestroy(plan.c);
        if (plan.b != nullptr) cublasLtMatrixLayoutDestroy(plan.b);
        if (plan.a != nullptr) cublasLtMatrixLayoutDestroy(plan.a);
        if (plan.operation != nullptr) cublasLtMatmulDescDestroy(plan.operation);
        plan = LtPlan{};
    }

    bool run_lt(int rows, const void* w) {
        LtPlan& plan = plans_[rows];
        cublasStatus_t status = plan.ready ? CUBLAS_STATUS_SUCCESS : plan_for(rows, plan);
        if (status == CUBLAS_STATUS_SUCCESS) {
            const int32_t one_i = 1, zero_i = 0;
            const float one_f = 1.0f, zero_f = 0.0f;
            const bool fp8 = kind_ == BaselineKind::CublasLtFp8;
            const void* alpha = fp8 ? static_cast<const void*>(&one_f) : static_cast<const void*>(&one_i);
            const void* beta = fp8 ? static_cast<const void*>(&zero_f) : static_cast<const void*>(&zero_i);
            status = cublasLtMatmul(lt_, plan.operation, alpha, w, plan.a, x_, plan.b, beta, y_, plan.c, y_, plan.c,
                                    &plan.algo, workspace_, kLtWorkspaceBytes, stream_);
        }
        if (status != CUBLAS_STATUS_SUCCESS) {
            error_ = "cublasLt: " + describe(status);
            release(plan);
            plans_.erase(rows);
        }
        return status == CUBLAS_STATUS_SUCCESS;
    }

    BaselineKind kind_;
    int64_t n_, k_;
    int copies_;
    uint64_t next_ = 0;
    cudaStream_t stream_ = nullptr;
    cublasHandle_t handle_ = nullptr;
    cublasLtHandle_t lt_ = nullptr;
    DeviceBuffers buffers_;
    std::vector<void*> weights_;
    void* x_ = nullptr;
    void* y_ = nullptr;
    void* workspace_ = nullptr;
    float* scales_ = nullptr;
    std::map<int, LtPlan> plans_;
    std::string error_;
};

}  // namespace

const char* baseline_name(BaselineKind kind) {
    switch (kind) {
        case BaselineKind::CublasBf16: return "cublas-bf16";
        case BaselineKind::CublasLtInt8: return "cublaslt-int8";
        case BaselineKind::CublasLtFp8: return "cublaslt-fp8";
    }
    return "?";
}

bool cuda_device_facts(std::string* name, int64_t* l2_bytes, int* multiprocessors) {
    cudaDeviceProp properties{};
    if (cudaGetDeviceProperties(&properties, 0) != cudaSuccess) return false;
    *name = properties.name;
    *l2_bytes = properties.l2CacheSize;
    *multiprocessors = properties.multiProcessorCount;
    return true;
}

std::unique_ptr<Baseline> make_baseline(BaselineKind kind, int64_t n, int64_t k, int64_t max_m, int copies,
                                        std::string* why) {
    if (kind == BaselineKind::CublasLtFp8) {
        cudaDeviceProp properties{};
        if (cudaGetDeviceProperties(&properties, 0) != cudaSuccess) {
            *why = "no CUDA device";
            return nullptr;
        }
        if (properties.major * 10 + properties.minor < 89) {
            *why = "cuBLASLt FP8 needs compute capability 8.9 or later";
            return nullptr;
        }
    }
    auto baseline = std::make_unique<GemmBaseline>(kind, n, k, copies);
    if (!baseline->prepare(max_m, why)) return nullptr;
    return baseline;
}

}  // namespace qrt_bench
