// Vectorisation support for the CPU kernels. Kernels are plain C++ written so the compiler can
// vectorise them without -ffast-math: reductions keep one accumulator per vector lane (an array of
// kLanes partial sums updated independently), and the lanes are summed in a fixed order at the end.
// Floating-point contraction is off (-ffp-contract=off), so every build computes the same bits.
#pragma once

namespace qrt::cpu {

// Partial sums kept per reduction: two AVX2 registers of FP32, enough independent chains to hide
// the latency of the adds.
constexpr int kLanes = 16;

}  // namespace qrt::cpu

// QRT_MULTIVERSION compiles a hot function twice, for x86-64-v3 (AVX2) and for the baseline, and picks
// one when the library loads, so one binary is both portable and fast. Elsewhere it does nothing.
#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__)
#  define QRT_MULTIVERSION __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#  define QRT_MULTIVERSION
#endif
