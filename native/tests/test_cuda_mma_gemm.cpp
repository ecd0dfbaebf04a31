// A whole tensor-core kernel on whatever runs CUDA here (a GPU under nvcc, the emulator otherwise): the tiled BF16
// GEMM of test_cuda_mma_gemm_kernels.cu (cp.async pipeline, ldmatrix, mma.sync) against the exact product computed
// here in double. It also prints how long the 64 x 1024 x 1024 product took, the emulator's speed on a GEMM-shaped
// kernel (run it with QRT_EMULATOR_REPORT=1 for its launch statistics). Exits 77 (skipped) without a device.
//
// The bound: every mma adds 16 exact BF16 products to the accumulator and rounds once. A GPU's tensor cores align
// the (up to 17) terms of a k16 block to the largest and truncate each to 2 bits beyond FP32's 23 (H100), then round
// toward zero: at most 17·2⁻²⁵ + 2⁻²³ of the block's largest magnitude, which is at most Σ|xᵢwᵢ| over the whole
// row, per block. Over k/16 blocks: |y − y_exact| ≤ (k/16)·(17·2⁻²⁵ + 2⁻²³)·Σ|xᵢwᵢ|. The emulator, which rounds the
// exact block sum once to nearest, stays well within it; a wrong fragment, a missed cp.async wait or a stale stage
// moves y by whole products.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "cuda_runtime_test_util.h"
#include "cuda_test_util.h"
#include "test_cuda_mma_gemm_kernels.h"
#include "test_formats.h"

using namespace qrt_test;
using namespace mma_gemm_test;

namespace {

std::vector<uint16_t> random_bf16(size_t count, uint32_t seed) {
    std::mt19937 generator(seed);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    std::vector<uint16_t> values(count);
    for (auto& value : values) value = to_bf16(uniform(generator));
    return values;
}

void check_gemm(int m, int n, int k, bool report_time) {
    const auto x = random_bf16(static_cast<size_t>(m) * k, 1);
    const auto w = random_bf16(static_cast<size_t>(n) * k, 2);
    uint16_t* x_device = device_copy(x);
    uint16_t* w_device = device_copy(w);
    float* y_device = device_copy(std::vector<float>(static_cast<size_t>(m) * n, std::nanf("")));

    const auto start = std::chrono::steady_clock::now();
    CHECK_CUDA(launch_bf16_gemm(nullptr, x_device, w_device, y_device, m, n, k));
    CHECK_CUDA(cudaDeviceSynchronize());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    const std::vector<float> y = host_copy(y_device, static_cast<size_t>(m) * n);
    const double factor = (k / 16.0) * (17.0 * std::ldexp(1.0, -25) + std::ldexp(1.0, -23));
    long bad = 0;
    double worst = 0.0;
    for (int row = 0; row < m; ++row) {
        for (int column = 0; column < n; ++column) {
            double exact = 0.0;
            double magnitude = 0.0;
            for (int i = 0; i < k; ++i) {
                const double product = static_cast<double>(from_bf16(x[static_cast<size_t>(row) * k + i])) *
                                       from_bf16(w[static_cast<size_t>(column) * k + i]);
                exact += product;
                magnitude += std::fabs(product);
            }
            const double error = std::fabs(y[static_cast<size_t>(row) * n + column] - exact);
            worst = std::max(worst, error / magnitude);
            if (!(error <= factor * magnitude)) {
                if (bad++ < 3) {
                    std::fprintf(stderr, "%dx%dx%d: y[%d][%d] = %.9g, exact %.9g (bound %.3g)\n", m, n, k, row, column,
                                 y[static_cast<size_t>(row) * n + column], exact, factor * magnitude);
                }
            }
        }
    }
    QRT_CHECK(bad == 0);
    std::printf("%dx%dx%d bf16 mma GEMM: worst |y - exact| / sum|x w| = %.2e (bound %.2e)\n", m, n, k, worst, factor);
    if (report_time) std::printf("%dx%dx%d bf16 mma GEMM: %.3f s including launch and synchronisation\n", m, n, k, seconds);
    CHECK_CUDA(cudaFree(x_device));
    CHECK_CUDA(cudaFree(w_device));
    CHECK_CUDA(cudaFree(y_device));
}

}  // namespace

int main() {
    const std::string unavailable = cuda_unavailable_reason();
    if (!unavailable.empty()) return skip_without_cuda("test_cuda_mma_gemm", unavailable);
    check_gemm(kTileM, kTileN, kTileK, false);   // one block, one pipeline step
    check_gemm(128, 192, 96, false);             // a grid of 3 x 2 blocks, three steps
    check_gemm(64, 1024, 1024, true);            // the decode-shaped product whose time the note quotes
    return finish("test_cuda_mma_gemm");
}
