// Dense linear layer: the weight rows are widened to FP32 panel by panel and multiplied by the shared
// FP32 core.
#include "cpu/gemm.h"
#include "cpu/gemm_panel.h"

namespace qrt::cpu {

void gemm(const RowsView& x, const RowsView& w, const ScaleVector& bias, const RowsView& y) {
    const GemmOutput output(y, FloatVector{}, FloatVector{}, bias);
    gemm_by_panels(x, w.rows, WideningPanels(w), output);
}

}  // namespace qrt::cpu
