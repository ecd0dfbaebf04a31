// FP8 (e4m3) linear layers on the shared FP32 core. Widening an e4m3 value to FP32 is exact, and so is
// the product of two of them (4 + 4 significant bits), so W8A8 accumulates exactly what the FP8 tensor
// cores of a GPU multiply; only the accumulation and the final scaling round.
#include "cpu/gemm.h"
#include "cpu/gemm_panel.h"

namespace qrt::cpu {

void gemm_w8a8_fp8(const RowsView& a, const ScaleVector& a_scale, const RowsView& w, const ScaleVector& w_scale,
                   const ScaleVector& bias, const RowsView& y) {
    const GemmOutput output(y, a_scale, w_scale, bias);
    gemm_by_panels(a, w.rows, WideningPanels(w), output);
}

// The weight scale is constant along K for each output channel, so it multiplies the finished dot
// product rather than each decoded weight: K multiplications per row become one, and the decoded
// weights stay exact, leaving the accumulation and one final product as the only roundings.
void gemm_w8a16_fp8(const RowsView& x, const RowsView& w, const ScaleVector& w_scale, const ScaleVector& bias,
                    const RowsView& y) {
    const GemmOutput output(y, FloatVector{}, w_scale, bias);
    gemm_by_panels(x, w.rows, WideningPanels(w), output);
}

}  // namespace qrt::cpu
