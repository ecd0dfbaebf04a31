// Pointwise activation kernels: y = act(x), and the gated form y = act(gate) · up of SwiGLU-style MLPs.
// Computed in FP32, rounded once to y's dtype.
#pragma once

#include "core/tensor.h"
#include "qrt.h"

namespace qrt::cpu {

// y = act(x); x and y have equal rows and cols, and y may be x.
void activate(qrt_activation activation, const RowsView& x, const RowsView& y);

// y = act(gate) · up; gate, up and y have equal rows and cols, and y may be gate or up.
void activate_gated(qrt_activation activation, const RowsView& gate, const RowsView& up, const RowsView& y);

}  // namespace qrt::cpu
