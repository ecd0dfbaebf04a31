// QRT_UNROLL before a loop of constant trip count over fragment or accumulator arrays: nvcc unrolls it fully, so the
// arrays live in registers (indexed by a run-time counter they would go to local memory). GCC, compiling the
// emulation, needs no hint.
#pragma once

#if defined(QRT_CUDA_EMULATOR)
#  define QRT_UNROLL
#else
#  define QRT_UNROLL _Pragma("unroll")
#endif
