// The CUDA C++ dialect on the host: the keywords, the built-in variables and the device intrinsics that kernels
// use, implemented over the emulator's execution model (execution.h). The emulator's cuda_runtime.h includes this,
// so a .cu file compiled as C++ sees the same names nvcc gives it.
#pragma once

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "qrt_emulator/execution.h"

// ---- Keywords ---------------------------------------------------------------------------------------------------

#define __global__
#define __device__
#define __host__
// No __noinline__: libstdc++ spells its own attribute __attribute__((__noinline__)), which such a macro would break
// in every standard header included after this one (the same clash CUDA 11.8 has with GCC 12).
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(...)
#define __restrict__ __restrict
#define __align__(n) alignas(n)
#define __grid_constant__
// __shared__ is not a storage class here: kernels declare shared memory with QRT_SHARED (cuda/shared.cuh).

using dim3 = ::qrt::emu::dim3;
using uint3 = ::qrt::emu::uint3;

// ---- Built-in variables -------------------------------------------------------------------------------------------

#define threadIdx (::qrt::emu::current_thread().thread_idx)
#define blockIdx (::qrt::emu::current_thread().block_idx)
#define blockDim (::qrt::emu::current_thread().block_dim)
#define gridDim (::qrt::emu::current_thread().grid_dim)
constexpr int warpSize = 32;

// ---- Barriers and warp synchronisation -------------------------------------------------------------------------------

inline void __syncthreads() { ::qrt::emu::sync_block(); }
inline int __syncthreads_count(int predicate) {
    return ::qrt::emu::sync_block(::qrt::emu::BarrierReduction::Count, predicate != 0);
}
inline int __syncthreads_and(int predicate) {
    return ::qrt::emu::sync_block(::qrt::emu::BarrierReduction::And, predicate != 0);
}
inline int __syncthreads_or(int predicate) {
    return ::qrt::emu::sync_block(::qrt::emu::BarrierReduction::Or, predicate != 0);
}
inline void __syncwarp(unsigned mask = 0xffffffffu) { ::qrt::emu::sync_warp(mask); }
inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __threadfence_block() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __nanosleep(unsigned) { ::qrt::emu::yield_point(); }

// ---- Warp shuffles and votes ------------------------------------------------------------------------------------

namespace qrt::emu::detail {

enum class ShuffleKind { Index, Up, Down, Xor };

// shfl.sync with the C++ API's clamp and segment rules (PTX ISA, "shfl.sync"): width splits the warp into segments;
// a source lane outside the segment (up/down/xor) leaves the caller its own value; a source lane that is not in the
// mask is undefined on a GPU and a fault here.
template <class T>
T shuffle(const char* operation, ShuffleKind kind, unsigned mask, T value, int operand, int width) {
    static_assert(std::is_trivially_copyable_v<T> && (sizeof(T) == 4 || sizeof(T) == 8), "shuffles move 32- or 64-bit values");
    if (width <= 0 || width > 32 || (width & (width - 1)) != 0) {
        fault(std::string(operation) + ": width " + std::to_string(width) + " is not a power of two from 1 to 32");
    }
    struct In {
        T value;
        int operand;
    };
    return ::qrt::emu::warp_collective<In, T>(operation, mask, false, In{value, operand},
        [kind, width, operation](unsigned present, const In* const* inputs, T* const* outputs) {
            for (unsigned lane = 0; lane < 32; ++lane) {
                if (!(present >> lane & 1u)) continue;
                const unsigned base = lane & ~static_cast<unsigned>(width - 1);
                const unsigned end = base + static_cast<unsigned>(width) - 1;
                const int operand_value = inputs[lane]->operand;
                long source = lane;
                bool inside = true;
                switch (kind) {
                    case ShuffleKind::Index: source = base + (static_cast<unsigned>(operand_value) % static_cast<unsigned>(width)); break;
                    case ShuffleKind::Up: source = static_cast<long>(lane) - operand_value; inside = source >= static_cast<long>(base); break;
                    case ShuffleKind::Down: source = static_cast<long>(lane) + operand_value; inside = source <= static_cast<long>(end); break;
                    case ShuffleKind::Xor: source = static_cast<long>(lane ^ static_cast<unsigned>(operand_value)); inside = source <= static_cast<long>(end); break;
                }
                if (!inside || source < 0 || source > 31) {
                    *outputs[lane] = inputs[lane]->value;
                    continue;
                }
                if (!(present >> source & 1u)) {
                    fault(std::string(operation) + ": lane " + std::to_string(lane) + " reads lane " + std::to_string(source) +
                          ", which is not in the mask");
                }
                *outputs[lane] = inputs[source]->value;
            }
        });
}

}  // namespace qrt::emu::detail

template <class T>
inline T __shfl_sync(unsigned mask, T value, int source_lane, int width = 32) {
    return ::qrt::emu::detail::shuffle("shfl.sync.idx", ::qrt::emu::detail::ShuffleKind::Index, mask, value, source_lane, width);
}
template <class T>
inline T __shfl_up_sync(unsigned mask, T value, unsigned delta, int width = 32) {
    return ::qrt::emu::detail::shuffle("shfl.sync.up", ::qrt::emu::detail::ShuffleKind::Up, mask, value, static_cast<int>(delta), width);
}
template <class T>
inline T __shfl_down_sync(unsigned mask, T value, unsigned delta, int width = 32) {
    return ::qrt::emu::detail::shuffle("shfl.sync.down", ::qrt::emu::detail::ShuffleKind::Down, mask, value, static_cast<int>(delta), width);
}
template <class T>
inline T __shfl_xor_sync(unsigned mask, T value, int lane_mask, int width = 32) {
    return ::qrt::emu::detail::shuffle("shfl.sync.bfly", ::qrt::emu::detail::ShuffleKind::Xor, mask, value, lane_mask, width);
}

namespace qrt::emu::detail {
// vote.sync.ballot: bit i is lane i's predicate, over the lanes of the mask.
inline unsigned ballot(const char* operation, unsigned mask, int predicate) {
    return ::qrt::emu::warp_collective<int, unsigned>(operation, mask, false, predicate != 0,
        [](unsigned present, const int* const* inputs, unsigned* const* outputs) {
            unsigned bits = 0;
            for (unsigned lane = 0; lane < 32; ++lane) {
                if ((present >> lane & 1u) && *inputs[lane]) bits |= 1u << lane;
            }
            for (unsigned lane = 0; lane < 32; ++lane) {
                if (present >> lane & 1u) *outputs[lane] = bits;
            }
        });
}
}  // namespace qrt::emu::detail

inline unsigned __ballot_sync(unsigned mask, int predicate) { return ::qrt::emu::detail::ballot("vote.sync.ballot", mask, predicate); }
inline int __any_sync(unsigned mask, int predicate) { return ::qrt::emu::detail::ballot("vote.sync.any", mask, predicate) != 0; }
inline int __all_sync(unsigned mask, int predicate) {
    return ::qrt::emu::detail::ballot("vote.sync.all", mask, predicate) == ::qrt::emu::detail::ballot("vote.sync.all", mask, 1);
}
unsigned __activemask();

// ---- Atomics on global memory (and on the host's memory, which is what device memory is here) ---------------------

namespace qrt::emu::detail {
// An atomic read-modify-write of *address: every block may run on its own OS thread, so it is a real CAS loop; in
// a co-resident grid it also lets other fibers run, so a spin on it makes progress.
template <class T, class Update>
T atomic_update(T* address, Update update) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::atomic_ref<T> target(*address);
    T old = target.load(std::memory_order_relaxed);
    T desired = update(old);
    while (!target.compare_exchange_weak(old, desired, std::memory_order_seq_cst, std::memory_order_relaxed)) {
        desired = update(old);
    }
    if (std::memcmp(&old, &desired, sizeof(T)) != 0) note_progress();
    yield_point();
    return old;
}
}  // namespace qrt::emu::detail

template <class T>
inline T atomicAdd(T* address, T value) {
    return ::qrt::emu::detail::atomic_update(address, [value](T old) { return static_cast<T>(old + value); });
}
template <class T>
inline T atomicSub(T* address, T value) {
    return ::qrt::emu::detail::atomic_update(address, [value](T old) { return static_cast<T>(old - value); });
}
template <class T>
inline T atomicMax(T* address, T value) {
    return ::qrt::emu::detail::atomic_update(address, [value](T old) { return old < value ? value : old; });
}
template <class T>
inline T atomicMin(T* address, T value) {
    return ::qrt::emu::detail::atomic_update(address, [value](T old) { return value < old ? value : old; });
}
template <class T>
inline T atomicExch(T* address, T value) {
    return ::qrt::emu::detail::atomic_update(address, [value](T) { return value; });
}
template <class T>
inline T atomicAnd(T* address, T value) {
    return ::qrt::emu::detail::atomic_update(address, [value](T old) { return static_cast<T>(old & value); });
}
template <class T>
inline T atomicOr(T* address, T value) {
    return ::qrt::emu::detail::atomic_update(address, [value](T old) { return static_cast<T>(old | value); });
}
template <class T>
inline T atomicXor(T* address, T value) {
    return ::qrt::emu::detail::atomic_update(address, [value](T old) { return static_cast<T>(old ^ value); });
}
template <class T>
inline T atomicCAS(T* address, T compare, T value) {
    return ::qrt::emu::detail::atomic_update(address, [compare, value](T old) { return old == compare ? value : old; });
}
inline unsigned atomicInc(unsigned* address, unsigned limit) {
    return ::qrt::emu::detail::atomic_update(address, [limit](unsigned old) { return old >= limit ? 0u : old + 1; });
}

// Atomics on shared memory: a block's threads take turns on one OS thread, so a read then a write is atomic; both
// go through the checked accessors (an atomic is not a race with another atomic: it is ordered by the hardware).
namespace qrt::emu {
template <class T>
class SharedPtr;
// Reads (old_value non-null) or writes (new_value non-null) `bytes` at `offset` as one side of an atomic.
void shared_atomic(uint32_t offset, void* old_value, const void* new_value, size_t bytes);
}  // namespace qrt::emu

namespace qrt::emu::detail {
template <class T, class Update>
T shared_atomic_update(SharedPtr<T> address, Update update) {
    T old;
    T desired;
    shared_atomic(address.offset(), &old, nullptr, sizeof(T));
    desired = update(old);
    shared_atomic(address.offset(), nullptr, &desired, sizeof(T));
    return old;
}
}  // namespace qrt::emu::detail

template <class T>
inline T atomicAdd(::qrt::emu::SharedPtr<T> address, T value) {
    return ::qrt::emu::detail::shared_atomic_update(address, [value](T old) { return static_cast<T>(old + value); });
}
template <class T>
inline T atomicMax(::qrt::emu::SharedPtr<T> address, T value) {
    return ::qrt::emu::detail::shared_atomic_update(address, [value](T old) { return old < value ? value : old; });
}
template <class T>
inline T atomicMin(::qrt::emu::SharedPtr<T> address, T value) {
    return ::qrt::emu::detail::shared_atomic_update(address, [value](T old) { return value < old ? value : old; });
}
template <class T>
inline T atomicExch(::qrt::emu::SharedPtr<T> address, T value) {
    return ::qrt::emu::detail::shared_atomic_update(address, [value](T) { return value; });
}
template <class T>
inline T atomicCAS(::qrt::emu::SharedPtr<T> address, T compare, T value) {
    return ::qrt::emu::detail::shared_atomic_update(address, [compare, value](T old) { return old == compare ? value : old; });
}

// ---- Loads and math ----------------------------------------------------------------------------------------------

template <class T>
inline T __ldg(const T* address) {
    return *address;
}

// The fast-math intrinsics: the GPU's approximations are not published, so these are the exact functions (results
// may differ from a GPU by a few units in the last place, see ptx-semantics.md §10).
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
inline float __fdividef(float x, float y) { return x / y; }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline float __saturatef(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x); }
inline int __float2int_rn(float x) { return static_cast<int>(std::nearbyint(x)); }
// IEEE multiplication and addition rounded to nearest, which nvcc never contracts into an FMA; this build compiles
// with -ffp-contract=off, so the plain operators are the same.
inline float __fmul_rn(float x, float y) { return x * y; }
inline float __fadd_rn(float x, float y) { return x + y; }
inline unsigned __float_as_uint(float x) { unsigned u; std::memcpy(&u, &x, 4); return u; }
inline float __uint_as_float(unsigned u) { float x; std::memcpy(&x, &u, 4); return x; }
inline int __float_as_int(float x) { int i; std::memcpy(&i, &x, 4); return i; }
inline float __int_as_float(int i) { float x; std::memcpy(&x, &i, 4); return x; }
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(static_cast<unsigned>(x)); }
inline int __ffs(int x) { return __builtin_ffs(x); }
