// The PTX instructions the kernels use, one wrapper each. This is the only file with inline PTX: under nvcc every
// wrapper is the instruction itself; in the CUDA emulator (QRT_CUDA_EMULATOR) it calls the instruction's semantics
// from the PTX ISA (native/emulator/include/qrt_emulator/ptx.h), so the emulator never parses asm.
//
// Notation used in the layout comments (PTX ISA 9.x, "Matrix fragments for mma.m16n8k*"):
//   lane = %laneid (0..31), g = lane >> 2 (the "groupID"), t = lane % 4 (the "threadID_in_group").
//   A register holding several narrow elements keeps the lower-indexed element in the less significant bits: for
//   16-bit types element 2j is bits [15:0] and 2j+1 bits [31:16]; for 8-bit types element 4j+q is bits [8q+7:8q].
//   "row.col" means A is M x K row-major and B is K x N stored column-major (N x K with K contiguous).
// Facts and sources: shared/reference/ptx-semantics.md.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#if defined(QRT_CUDA_EMULATOR)
#  include "qrt_emulator/ptx.h"
#  include "qrt_emulator/shared_memory.h"
#else
#  include <cstdio>
#endif

// FP8 mma.sync (e4m3) arrived in PTX ISA 8.4, which CUDA 12.4 ships, and runs on sm_89 and later. The emulator always
// has it. QRT_PTX_FP8_MMA_TOOLKIT says whether this compiler can emit it at all; the architecture is checked per
// compilation pass below, and a kernel compiled without it refuses to run (see mma_e4m3_m16n8k32).
#if defined(QRT_CUDA_EMULATOR)
#  define QRT_PTX_FP8_MMA_TOOLKIT 1
#elif defined(__CUDACC_VER_MAJOR__) && \
    (__CUDACC_VER_MAJOR__ > 12 || (__CUDACC_VER_MAJOR__ == 12 && __CUDACC_VER_MINOR__ >= 4))
#  define QRT_PTX_FP8_MMA_TOOLKIT 1
#else
#  define QRT_PTX_FP8_MMA_TOOLKIT 0
#endif

namespace qrt::cuda::ptx {

// ---- Shared-memory addresses ------------------------------------------------------------------------------------

// The 32-bit shared-state-space address that ldmatrix, cp.async and st.shared take. It converts from whatever a
// kernel holds for shared memory: a T* into a __shared__ array under nvcc (cvta.to.shared), a SharedPtr or
// SharedArray view in the emulator (whose offsets are these addresses), or an address already computed.
struct SharedAddress {
    uint32_t value;

    __device__ __forceinline__ SharedAddress(uint32_t address) : value(address) {}
#if defined(QRT_CUDA_EMULATOR)
    template <class T>
    SharedAddress(::qrt::emu::SharedPtr<T> pointer) : value(pointer.offset()) {}
    template <class T>
    SharedAddress(const ::qrt::emu::SharedArray<T>& array) : value(array.data().offset()) {}
#else
    template <class T>
    __device__ __forceinline__ SharedAddress(T* pointer)
        : value(static_cast<uint32_t>(__cvta_generic_to_shared(pointer))) {}
#endif
};

// ---- mma.sync: one warp multiplies a 16 x K tile of A by a K x 8 tile of B ------------------------------------------
//
// All 32 lanes execute it together (.sync.aligned); each holds a slice of A, B and the accumulator as follows.
// These wrappers accumulate in place: acc = A * B + acc, with acc in the C/D layout.
//
// m16n8k16 with f16 or bf16 inputs (the two types share one layout):
//   A, 16 x 16, four registers of two elements:      B, 16 x 8, two registers of two elements:
//     a[0] = { A[g][2t],     A[g][2t+1]     }          b[0] = { B[2t][g],   B[2t+1][g] }
//     a[1] = { A[g+8][2t],   A[g+8][2t+1]   }          b[1] = { B[2t+8][g], B[2t+9][g] }
//     a[2] = { A[g][2t+8],   A[g][2t+9]     }
//     a[3] = { A[g+8][2t+8], A[g+8][2t+9]   }
//   C/D, 16 x 8 in f32: acc[0] = D[g][2t], acc[1] = D[g][2t+1], acc[2] = D[g+8][2t], acc[3] = D[g+8][2t+1].
//
// The tensor cores' f32 accumulation order and rounding are unspecified (the hardware aligns each block of products
// to its largest term and truncates); the emulator sums the exact products and C in double in k order and rounds
// once to f32, which is at least as accurate as any GPU.

__device__ __forceinline__ void mma_bf16_m16n8k16(float (&acc)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
#if defined(QRT_CUDA_EMULATOR)
    ::qrt::emu::ptx::mma_m16n8k16_f32(::qrt::emu::ptx::MmaInput::BF16, acc, a, b);
#else
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
        "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
        : "+f"(acc[0]), "+f"(acc[1]), "+f"(acc[2]), "+f"(acc[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
}

__device__ __forceinline__ void mma_f16_m16n8k16(float (&acc)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
#if defined(QRT_CUDA_EMULATOR)
    ::qrt::emu::ptx::mma_m16n8k16_f32(::qrt::emu::ptx::MmaInput::F16, acc, a, b);
#else
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
        "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
        : "+f"(acc[0]), "+f"(acc[1]), "+f"(acc[2]), "+f"(acc[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
}

// m16n8k32 with 8-bit inputs (s8 and e4m3 share one layout); byte q of a register is the element at column (or
// row) +q:
//   A, 16 x 32, four registers of four elements:     B, 32 x 8, two registers of four elements:
//     a[0] = A[g][4t .. 4t+3]                           b[0] = B[4t .. 4t+3][g]
//     a[1] = A[g+8][4t .. 4t+3]                         b[1] = B[4t+16 .. 4t+19][g]
//     a[2] = A[g][4t+16 .. 4t+19]
//     a[3] = A[g+8][4t+16 .. 4t+19]
//   C/D, 16 x 8: the same positions as for m16n8k16 above.

// s8 x s8 -> s32. Integer products and sums are exact; .satfinite clamps a result beyond the int32 range to
// INT32_MIN or INT32_MAX instead of wrapping (whether partial sums are clamped too is unspecified; for sums that
// stay in range it cannot matter).
__device__ __forceinline__ void mma_s8_m16n8k32_satfinite(int32_t (&acc)[4], const uint32_t (&a)[4],
                                                          const uint32_t (&b)[2]) {
#if defined(QRT_CUDA_EMULATOR)
    ::qrt::emu::ptx::mma_m16n8k32_s8_satfinite(acc, a, b);
#else
    asm volatile(
        "mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32 "
        "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
        : "+r"(acc[0]), "+r"(acc[1]), "+r"(acc[2]), "+r"(acc[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
}

// FP8 e4m3 x e4m3 -> f32 (1 sign, 4 exponent bits with bias 7, 3 mantissa bits; no infinity; 0x7F/0xFF are NaN).
// Needs sm_89+ and CUDA >= 12.4. Ada and Hopper keep only about 13 fraction bits in this accumulation, so kernels
// promote partial sums to f32 every few k-steps; the emulator, as for bf16, rounds the exact sum once.
// Compiled without that support the instruction does not exist: the kernel prints why and traps, and the host should
// have refused earlier (fp8_mma_compiled, and cudaFuncGetAttributes' binaryVersion >= 89 for the kernel).
__device__ __forceinline__ void mma_e4m3_m16n8k32(float (&acc)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
#if defined(QRT_CUDA_EMULATOR)
    ::qrt::emu::ptx::mma_m16n8k32_e4m3_f32(acc, a, b);
#elif QRT_PTX_FP8_MMA_TOOLKIT && defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 890
    asm volatile(
        "mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32 "
        "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
        : "+f"(acc[0]), "+f"(acc[1]), "+f"(acc[2]), "+f"(acc[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#elif defined(__CUDA_ARCH__)
    (void)acc;
    (void)a;
    (void)b;
    if ((threadIdx.x & 31) == 0) {
        printf("qrt: mma.m16n8k32.e4m3 needs sm_89 or later and CUDA 12.4 or later; this kernel was compiled for "
               "sm_%d by CUDA %d.%d\n",
               __CUDA_ARCH__ / 10, __CUDACC_VER_MAJOR__, __CUDACC_VER_MINOR__);
    }
    __trap();
#endif
}

// Whether this compiler can emit FP8 mma at all (a kernel also needs an sm_89+ target to use it).
constexpr bool fp8_mma_compiled = QRT_PTX_FP8_MMA_TOOLKIT != 0;

// ---- ldmatrix: a warp loads 8 x 8 matrices of 16-bit elements from shared memory into mma fragments -------------------
//
// Each matrix is eight rows of 16 bytes; the rows need not be contiguous, but each row address must be 16-byte
// aligned. Lanes 8j .. 8j+7 give the addresses of rows 0..7 of matrix j, so x1 reads lanes 0-7, x2 lanes 0-15 and x4
// all 32 (the other lanes' addresses are ignored). Register j of every lane receives a piece of matrix j:
//   without .trans: lane l gets row l/4, columns 2(l%4) (low half) and 2(l%4)+1 (high half): M[g][2t], M[g][2t+1];
//   with .trans:    lane l gets M[2t][g] (low half) and M[2t+1][g] (high half), the matrix read column-major.
// So a non-transposed load of A's rows is an A fragment, and a transposed load of a K x N row-major B is a B fragment.
// Marlin's ldsm4: an x4 in which lane l passes row l%16, column 8*(l/16) of a 16 x 16 tile returns exactly the
// m16n8k16 A fragment a[0..3] above (matrices: rows 0-7 | 8-15 of columns 0-7, then of columns 8-15).
//
// Like every other .sync.aligned instruction, all 32 lanes must execute it together. No "memory" clobber: the loads
// it must follow (stores, then a barrier or cp.async wait) are ordered by those instructions' own clobbers.

template <int Count>
__device__ __forceinline__ void ldmatrix(uint32_t (&r)[Count], SharedAddress row) {
    static_assert(Count == 1 || Count == 2 || Count == 4, "ldmatrix loads 1, 2 or 4 matrices");
#if defined(QRT_CUDA_EMULATOR)
    ::qrt::emu::ptx::ldmatrix(Count, false, row.value, r);
#else
    if constexpr (Count == 1) {
        asm volatile("ldmatrix.sync.aligned.m8n8.x1.shared.b16 {%0}, [%1];\n" : "=r"(r[0]) : "r"(row.value));
    } else if constexpr (Count == 2) {
        asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];\n"
                     : "=r"(r[0]), "=r"(r[1])
                     : "r"(row.value));
    } else {
        asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                     : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                     : "r"(row.value));
    }
#endif
}

template <int Count>
__device__ __forceinline__ void ldmatrix_trans(uint32_t (&r)[Count], SharedAddress row) {
    static_assert(Count == 1 || Count == 2 || Count == 4, "ldmatrix loads 1, 2 or 4 matrices");
#if defined(QRT_CUDA_EMULATOR)
    ::qrt::emu::ptx::ldmatrix(Count, true, row.value, r);
#else
    if constexpr (Count == 1) {
        asm volatile("ldmatrix.sync.aligned.m8n8.x1.trans.shared.b16 {%0}, [%1];\n" : "=r"(r[0]) : "r"(row.value));
    } else if constexpr (Count == 2) {
        asm volatile("ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16 {%0, %1}, [%2];\n"
                     : "=r"(r[0]), "=r"(r[1])
                     : "r"(row.value));
    } else {
        asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                     : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                     : "r"(row.value));
    }
#endif
}

// ---- cp.async: copies from global to shared memory that complete later, in groups ----------------------------------
//
// A thread issues copies of Bytes (4, 8 or 16) with source and destination both aligned to Bytes. They are not in
// the thread's program order: the destination must not be read, nor the source changed, until a wait covers them.
//   commit_group closes the thread's copies issued since the last commit into a group (possibly empty);
//   wait_group<N> returns once at most the N newest groups are pending and every older one is complete;
//   wait_all is commit_group then wait_group<0>.
// The copied bytes are then visible to the issuing thread only; other threads need a barrier after that wait.
// Cache levels are hints: .ca caches at every level, .cg (16 bytes only) in L2 only, and the evict-first form tells
// L2 to drop the line first (data read once, such as streamed weights). The emulator queues each copy per thread,
// keeps its destination poisoned until the covering wait, and reports a kernel that exits with copies pending.

enum class CacheAt {
    AllLevels,            // cp.async.ca
    L2,                   // cp.async.cg
    L2EvictFirst,         // cp.async.cg with an L2::evict_first cache policy
};

namespace detail {
template <CacheAt Cache, int Bytes>
__device__ __forceinline__ void check_cp_async_form() {
    static_assert(Bytes == 4 || Bytes == 8 || Bytes == 16, "cp.async copies 4, 8 or 16 bytes");
    static_assert(Cache == CacheAt::AllLevels || Bytes == 16, "cp.async.cg copies 16 bytes only");
}

#if defined(QRT_CUDA_EMULATOR)
__device__ __forceinline__ uint4 to_uint4(const uint32_t (&v)[4]) {
    uint4 result;
    result.x = v[0];
    result.y = v[1];
    result.z = v[2];
    result.w = v[3];
    return result;
}
#else
// A 64-bit L2 cache policy that marks lines evict-first (createpolicy, sm_80).
__device__ __forceinline__ uint64_t evict_first_policy() {
    uint64_t policy;
    asm volatile("createpolicy.fractional.L2::evict_first.b64 %0, 1.0;\n" : "=l"(policy));
    return policy;
}
#endif
}  // namespace detail

// Copies Bytes from `source` (global) to `destination` (shared).
template <int Bytes, CacheAt Cache = CacheAt::AllLevels>
__device__ __forceinline__ void cp_async(SharedAddress destination, const void* source) {
    detail::check_cp_async_form<Cache, Bytes>();
#if defined(QRT_CUDA_EMULATOR)
    ::qrt::emu::ptx::cp_async(destination.value, source, Bytes, Bytes);
#else
    if constexpr (Cache == CacheAt::AllLevels) {
        asm volatile("cp.async.ca.shared.global [%0], [%1], %2;\n" ::"r"(destination.value), "l"(source), "n"(Bytes)
                     : "memory");
    } else if constexpr (Cache == CacheAt::L2) {
        asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(destination.value), "l"(source) : "memory");
    } else {
        asm volatile("cp.async.cg.shared.global.L2::cache_hint [%0], [%1], 16, %2;\n" ::"r"(destination.value),
                     "l"(source), "l"(detail::evict_first_policy())
                     : "memory");
    }
#endif
}

// src-size form: copies the first `source_bytes` (0 <= source_bytes <= Bytes) and fills the rest of the Bytes
// destination with zeros; with 0 nothing is read from `source`. This is how a tile's edge is padded with zeros.
template <int Bytes, CacheAt Cache = CacheAt::AllLevels>
__device__ __forceinline__ void cp_async_zfill(SharedAddress destination, const void* source, uint32_t source_bytes) {
    detail::check_cp_async_form<Cache, Bytes>();
#if defined(QRT_CUDA_EMULATOR)
    ::qrt::emu::ptx::cp_async(destination.value, source, Bytes, source_bytes);
#else
    if constexpr (Cache == CacheAt::AllLevels) {
        asm volatile("cp.async.ca.shared.global [%0], [%1], %2, %3;\n" ::"r"(destination.value), "l"(source),
                     "n"(Bytes), "r"(source_bytes)
                     : "memory");
    } else if constexpr (Cache == CacheAt::L2) {
        asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(destination.value), "l"(source),
                     "r"(source_bytes)
                     : "memory");
    } else {
        asm volatile("cp.async.cg.shared.global.L2::cache_hint [%0], [%1], 16, %2, %3;\n" ::"r"(destination.value),
                     "l"(source), "r"(source_bytes), "l"(detail::evict_first_policy())
                     : "memory");
    }
#endif
}

// ignore-src form (PTX 7.5): when ignore_source is true, nothing is read and the destination is filled with zeros.
template <int Bytes, CacheAt Cache = CacheAt::AllLevels>
__device__ __forceinline__ void cp_async_ignore_src(SharedAddress destination, const void* source,
                                                    bool ignore_source) {
    detail::check_cp_async_form<Cache, Bytes>();
#if defined(QRT_CUDA_EMULATOR)
    ::qrt::emu::ptx::cp_async(destination.value, source, Bytes, ignore_source ? 0u : static_cast<unsigned>(Bytes));
#else
    const uint32_t ignore = ignore_source ? 1u : 0u;
    if constexpr (Cache == CacheAt::AllLevels) {
        asm volatile(
            "{\n .reg .pred ignore;\n setp.ne.b32 ignore, %2, 0;\n"
            " cp.async.ca.shared.global [%0], [%1], %3, ignore;\n}\n" ::"r"(destination.value),
            "l"(source), "r"(ignore), "n"(Bytes)
            : "memory");
    } else if constexpr (Cache == CacheAt::L2) {
        asm volatile(
            "{\n .reg .pred ignore;\n setp.ne.b32 ignore, %2, 0;\n"
            " cp.async.cg.shared.global [%0], [%1], 16, ignore;\n}\n" ::"r"(destination.value),
            "l"(source), "r"(ignore)
            : "memory");
    } else {
        asm volatile(
            "{\n .reg .pred ignore;\n setp.ne.b32 ignore, %2, 0;\n"
            " cp.async.cg.shared.global.L2::cache_hint [%0], [%1], 16, ignore, %3;\n}\n" ::"r"(destination.value),
            "l"(source), "r"(ignore), "l"(detail::evict_first_policy())
            : "memory");
    }
#endif
}

// Predicated form (Marlin's cp_async4_pred): when `copy` is false the instruction does not execute at all and the
// destination keeps what it held. Unlike the two forms above it does not zero-fill.
template <int Bytes, CacheAt Cache = CacheAt::AllLevels>
__device__ __forceinline__ void cp_async_if(bool copy, SharedAddress destination, const void* source) {
    detail::check_cp_async_form<Cache, Bytes>();
#if defined(QRT_CUDA_EMULATOR)
    if (copy) ::qrt::emu::ptx::cp_async(destination.value, source, Bytes, Bytes);
#else
    const uint32_t execute = copy ? 1u : 0u;
    if constexpr (Cache == CacheAt::AllLevels) {
        asm volatile(
            "{\n .reg .pred execute;\n setp.ne.b32 execute, %0, 0;\n"
            " @execute cp.async.ca.shared.global [%1], [%2], %3;\n}\n" ::"r"(execute),
            "r"(destination.value), "l"(source), "n"(Bytes)
            : "memory");
    } else if constexpr (Cache == CacheAt::L2) {
        asm volatile(
            "{\n .reg .pred execute;\n setp.ne.b32 execute, %0, 0;\n"
            " @execute cp.async.cg.shared.global [%1], [%2], 16;\n}\n" ::"r"(execute),
            "r"(destination.value), "l"(source)
            : "memory");
    } else {
        asm volatile(
            "{\n .reg .pred execute;\n setp.ne.b32 execute, %0, 0;\n"
            " @execute cp.async.cg.shared.global.L2::cache_hint [%1], [%2], 16, %3;\n}\n" ::"r"(execute),
            "r"(destination.value), "l"(source), "l"(detail::evict_first_policy())
            : "memory");
    }
#endif
}

__device__ __forceinline__ void cp_async_commit_group() {
#if defined(QRT_CUDA_EMULATOR)
    ::qrt::emu::ptx::cp_async_commit_group();
#else
    asm volatile("cp.async.commit_group;\n" ::: "memory");
#endif
}

// Waits until at most the N newest committed groups are pending (N is an immediate in the instruction).
template <int N>
__device__ __forceinline__ void cp_async_wait_group() {
    static_assert(N >= 0, "wait_group takes a non-negative count");
#if defined(QRT_CUDA_EMULATOR)
    ::qrt::emu::ptx::cp_async_wait_group(N);
#else
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
#endif
}

__device__ __forceinline__ void cp_async_wait_all() {
#if defined(QRT_CUDA_EMULATOR)
    ::qrt::emu::ptx::cp_async_wait_all();
#else
    asm volatile("cp.async.wait_all;\n" ::: "memory");
#endif
}

// ---- Bit manipulation --------------------------------------------------------------------------------------------
// Plain (non-volatile) asm: these have no side effects, so the compiler may schedule, merge or drop them.

// lop3.b32: any three-input bitwise function, given as its truth table. Lut is the function applied to the
// constants a = 0xF0, b = 0xCC, c = 0xAA, so bit (4a + 2b + c) of Lut is the result for input bits a, b, c.
// Examples: (a & b) | c is 0xEA (Marlin's dequantiser: mask, then OR in the exponent), a ^ b ^ c is 0x96,
// a & b & c is 0x80.
template <uint8_t Lut>
__device__ __forceinline__ uint32_t lop3(uint32_t a, uint32_t b, uint32_t c) {
#if defined(QRT_CUDA_EMULATOR)
    return ::qrt::emu::ptx::lop3(a, b, c, Lut);
#else
    uint32_t d;
    asm("lop3.b32 %0, %1, %2, %3, %4;\n" : "=r"(d) : "r"(a), "r"(b), "r"(c), "n"(Lut));
    return d;
#endif
}

// prmt.b32 in its default mode: picks four bytes out of the eight of {b, a} (bytes 0-3 are a's, 4-7 are b's).
// Result byte n is chosen by the nibble s = selector[4n+3 : 4n]: source byte s & 7, or, when s & 8, that byte's sign
// bit replicated (0x00 or 0xFF). Note CUDA's __byte_perm uses 3-bit selectors and has no sign replication.
// Example: prmt(q, 0x64646464, 0x5250) puts 0x64 above q's bytes 0 and 2, making two fp16 values 1024 + byte.
__device__ __forceinline__ uint32_t prmt(uint32_t a, uint32_t b, uint32_t selector) {
#if defined(QRT_CUDA_EMULATOR)
    return ::qrt::emu::ptx::prmt(a, b, selector);
#else
    uint32_t d;
    asm("prmt.b32 %0, %1, %2, %3;\n" : "=r"(d) : "r"(a), "r"(b), "r"(selector));
    return d;
#endif
}

// fma.rn.f16x2 / fma.rn.bf16x2: d = a * b + c on the two 16-bit halves of each register independently, rounded
// once to nearest even (f16 needs sm_53, bf16 sm_80). With the magic-number dequantisers (a half holding 1024 + n
// or 128 + n exactly), one of these turns the integer n into n - z, exactly, with z folded into c.
__device__ __forceinline__ uint32_t fma_rn_f16x2(uint32_t a, uint32_t b, uint32_t c) {
#if defined(QRT_CUDA_EMULATOR)
    return ::qrt::emu::ptx::fma_rn_x2(a, b, c, false);
#else
    uint32_t d;
    asm("fma.rn.f16x2 %0, %1, %2, %3;\n" : "=r"(d) : "r"(a), "r"(b), "r"(c));
    return d;
#endif
}

__device__ __forceinline__ uint32_t fma_rn_bf16x2(uint32_t a, uint32_t b, uint32_t c) {
#if defined(QRT_CUDA_EMULATOR)
    return ::qrt::emu::ptx::fma_rn_x2(a, b, c, true);
#else
    uint32_t d;
    asm("fma.rn.bf16x2 %0, %1, %2, %3;\n" : "=r"(d) : "r"(a), "r"(b), "r"(c));
    return d;
#endif
}

// ---- 16-byte global loads with cache hints -------------------------------------------------------------------------
// `address` must be 16-byte aligned. The hints change only where the line is cached, never the value.

// ld.global.nc: through the read-only (texture) path; the memory must not be written during the kernel.
__device__ __forceinline__ uint4 ld_global_nc_v4(const void* address) {
#if defined(QRT_CUDA_EMULATOR)
    uint32_t v[4];
    ::qrt::emu::ptx::ld_global_v4(address, v, "ld.global.nc.v4");
    return detail::to_uint4(v);
#else
    uint4 v;
    asm volatile("ld.global.nc.v4.u32 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(address));
    return v;
#endif
}

// ld.global.nc.L1::no_allocate: read-only and not kept in L1 (data each thread reads once).
__device__ __forceinline__ uint4 ld_global_nc_no_allocate_v4(const void* address) {
#if defined(QRT_CUDA_EMULATOR)
    uint32_t v[4];
    ::qrt::emu::ptx::ld_global_v4(address, v, "ld.global.nc.L1::no_allocate.v4");
    return detail::to_uint4(v);
#else
    uint4 v;
    asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(address));
    return v;
#endif
}

// ld.global.nc with an L2::evict_first cache policy: streamed data (weights read once per launch) leaves L2 first.
__device__ __forceinline__ uint4 ld_global_nc_evict_first_v4(const void* address) {
#if defined(QRT_CUDA_EMULATOR)
    uint32_t v[4];
    ::qrt::emu::ptx::ld_global_v4(address, v, "ld.global.nc.L2::cache_hint.v4");
    return detail::to_uint4(v);
#else
    uint4 v;
    asm volatile("ld.global.nc.L2::cache_hint.v4.u32 {%0, %1, %2, %3}, [%4], %5;\n"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(address), "l"(detail::evict_first_policy()));
    return v;
#endif
}

// ld.global.cg: cached in L2 only, never in L1. For data other blocks of the grid wrote during this kernel (split-K
// partial sums): L1 is not coherent between multiprocessors, L2 is, so after the writers' fence and a counter that
// says they are done, a .cg load sees their stores.
__device__ __forceinline__ uint4 ld_global_cg_v4(const void* address) {
#if defined(QRT_CUDA_EMULATOR)
    uint32_t v[4];
    ::qrt::emu::ptx::ld_global_v4(address, v, "ld.global.cg.v4");
    return detail::to_uint4(v);
#else
    uint4 v;
    asm volatile("ld.global.cg.v4.u32 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(address));
    return v;
#endif
}

// ---- 16-byte shared-memory stores and loads of a whole warp --------------------------------------------------------
// st.shared.v4 / ld.shared.v4 with a 16-byte aligned address. These wrappers are for code in which all 32 lanes of
// the warp store (or load) together, as a GEMM tile's epilogue does: the emulator executes them as a warp collective,
// which checks that, and counts their bank conflicts. A warp's 512 bytes go through the 32 four-byte banks in at
// least four wavefronts (eight lanes' 16 bytes each); two distinct 16-byte chunks in one phase that fall on the same
// banks cost one more. In divergent code, use a plain store through the shared pointer instead.

__device__ __forceinline__ void st_shared_v4(SharedAddress address, uint4 value) {
#if defined(QRT_CUDA_EMULATOR)
    const uint32_t v[4] = {value.x, value.y, value.z, value.w};
    ::qrt::emu::ptx::st_shared_v4(address.value, v);
#else
    asm volatile("st.shared.v4.u32 [%0], {%1, %2, %3, %4};\n" ::"r"(address.value), "r"(value.x), "r"(value.y),
                 "r"(value.z), "r"(value.w)
                 : "memory");
#endif
}

__device__ __forceinline__ uint4 ld_shared_v4(SharedAddress address) {
#if defined(QRT_CUDA_EMULATOR)
    uint32_t v[4];
    ::qrt::emu::ptx::ld_shared_v4(address.value, v);
    return detail::to_uint4(v);
#else
    uint4 v;
    asm volatile("ld.shared.v4.u32 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "r"(address.value)
                 : "memory");
    return v;
#endif
}

// ---- Named barriers ------------------------------------------------------------------------------------------------
// bar.sync / bar.arrive on barrier `id` (0-15; __syncthreads is barrier 0 with the whole block) that completes when
// `thread_count` threads (a multiple of 32) have arrived. Arrival counts whole warps: every lane of a warp executes
// the same instruction. bar_arrive signals without waiting (a producer); consumers bar_sync on the same id and count.
// A completed barrier orders the participants' earlier memory accesses before their later ones.

__device__ __forceinline__ void bar_sync(uint32_t id, uint32_t thread_count) {
#if defined(QRT_CUDA_EMULATOR)
    ::qrt::emu::named_barrier_sync(id, thread_count);
#else
    asm volatile("bar.sync %0, %1;\n" ::"r"(id), "r"(thread_count) : "memory");
#endif
}

__device__ __forceinline__ void bar_arrive(uint32_t id, uint32_t thread_count) {
#if defined(QRT_CUDA_EMULATOR)
    ::qrt::emu::named_barrier_arrive(id, thread_count);
#else
    asm volatile("bar.arrive %0, %1;\n" ::"r"(id), "r"(thread_count) : "memory");
#endif
}

// ---- Cross-block synchronisation (GPU scope) -----------------------------------------------------------------------
// For locks and flags between blocks of one grid, such as Marlin's striped reduction: a block publishes its partial
// results, then releases a counter; another acquires it before reading them. Such a grid must be co-resident
// (LaunchShape::co_resident), or a spinning block may wait for one that never runs. In the emulator each of these
// lets other blocks run, so a spin makes progress.

// ld.acquire.gpu: later loads and stores of this thread happen after it.
__device__ __forceinline__ int ld_acquire_gpu(const int* address) {
#if defined(QRT_CUDA_EMULATOR)
    return ::qrt::emu::ptx::ld_acquire_gpu(address);
#else
    int value;
    asm volatile("ld.acquire.gpu.global.b32 %0, [%1];\n" : "=r"(value) : "l"(address) : "memory");
    return value;
#endif
}

// st.release.gpu: earlier loads and stores of this thread happen before it.
__device__ __forceinline__ void st_release_gpu(int* address, int value) {
#if defined(QRT_CUDA_EMULATOR)
    ::qrt::emu::ptx::st_release_gpu(address, value);
#else
    asm volatile("st.release.gpu.global.b32 [%0], %1;\n" ::"l"(address), "r"(value) : "memory");
#endif
}

// red.release.gpu.add: an atomic add (no result) ordered after this thread's earlier loads and stores.
__device__ __forceinline__ void red_release_gpu_add(int* address, int value) {
#if defined(QRT_CUDA_EMULATOR)
    ::qrt::emu::ptx::red_add_gpu(address, value, true);
#else
    asm volatile("red.release.gpu.global.add.s32 [%0], %1;\n" ::"l"(address), "r"(value) : "memory");
#endif
}

// red.relaxed.gpu.add: an atomic add with no ordering (pair it with a fence or a release elsewhere).
__device__ __forceinline__ void red_relaxed_gpu_add(int* address, int value) {
#if defined(QRT_CUDA_EMULATOR)
    ::qrt::emu::ptx::red_add_gpu(address, value, false);
#else
    asm volatile("red.relaxed.gpu.global.add.s32 [%0], %1;\n" ::"l"(address), "r"(value) : "memory");
#endif
}

}  // namespace qrt::cuda::ptx
