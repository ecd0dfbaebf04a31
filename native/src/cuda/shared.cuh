// Shared memory declarations that compile both with nvcc and in the CUDA emulator. Under nvcc they are plain
// __shared__ arrays and pointers; in the emulator they are checked views of the block's arena (see
// native/emulator/include/qrt_emulator/shared_memory.h). Kernels keep shared pointers in `auto` variables or in
// SharedPointer<T>, and reinterpret them with shared_cast<U>, so that one source serves both.
#pragma once

#if defined(QRT_CUDA_EMULATOR)

#  include "qrt_emulator/shared_memory.h"

#  define QRT_SHARED(T, name, count) QRT_EMU_SHARED(T, name, count)
#  define QRT_DYNAMIC_SHARED(T, name) QRT_EMU_DYNAMIC_SHARED(T, name)

namespace qrt::cuda {
template <class T>
using SharedPointer = ::qrt::emu::SharedPtr<T>;

template <class U, class T>
__device__ __forceinline__ SharedPointer<U> shared_cast(SharedPointer<T> pointer) {
    return pointer.template as<U>();
}
template <class U, class T>
__device__ __forceinline__ SharedPointer<U> shared_cast(const ::qrt::emu::SharedArray<T>& array) {
    return array.data().template as<U>();
}
}  // namespace qrt::cuda

#else

#  define QRT_SHARED(T, name, count) __shared__ T name[count]
#  define QRT_DYNAMIC_SHARED(T, name) extern __shared__ __align__(16) T name[]

namespace qrt::cuda {
template <class T>
using SharedPointer = T*;

template <class U, class T>
__device__ __forceinline__ U* shared_cast(T* pointer) {
    return reinterpret_cast<U*>(pointer);
}
}  // namespace qrt::cuda

#endif
