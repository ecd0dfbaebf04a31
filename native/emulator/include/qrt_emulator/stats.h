// Launch statistics of the CUDA emulator, for performance work without a GPU. With QRT_EMULATOR_REPORT=1 every
// launch prints, after it ends: its grid, block and shared memory; the bytes moved through the global load/store
// wrappers and cp.async, with the 32-byte sectors they touched (in all and distinct, so that a kernel that fetches
// each weight byte once shows distinct sectors = bytes / 32); the extra shared-memory wavefronts (bank conflicts)
// of ldmatrix and of the wrapper stores; and the number of mma instructions per shape.
//
// Only what goes through the wrappers (native/src/cuda/ptx.cuh) is counted: plain C++ loads and stores are not.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qrt::emu::stats {

// Whether QRT_EMULATOR_REPORT=1 (read once); the recording functions return at once when it is off.
bool enabled();

// One thread's global-memory access of `bytes` at `address` through a load or store wrapper.
void global_access(bool write, const void* address, size_t bytes);
// One thread's cp.async of `bytes` from global `source` into shared memory.
void cp_async(const void* source, size_t bytes);
// One warp-wide shared-memory instruction ("ldmatrix.x4", "st.shared.v4"): the wavefronts it needs beyond the
// minimum for its bytes, as the wrapper computed them from all lanes' addresses.
void shared_wavefronts(const char* instruction, unsigned extra_wavefronts);
// One warp-wide mma instruction of the given shape and types ("m16n8k16.bf16").
void mma(const char* shape);

}  // namespace qrt::emu::stats
