// The semantics of the PTX instructions that native/src/cuda/ptx.cuh wraps, for the CUDA emulator. Each function is
// what one thread's execution of the instruction does; the warp-wide ones (mma, ldmatrix, the warp's 16-byte shared
// stores) meet the other lanes in a warp collective, which also reports an incomplete or divergent warp.
// Facts and sources: shared/reference/ptx-semantics.md; the fragment layouts are spelled out in ptx.cuh.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qrt::emu::ptx {

// ---- mma.sync ----------------------------------------------------------------------------------------------------

enum class MmaInput { BF16, F16 };

// mma.sync.aligned.m16n8k16.row.col.f32.{bf16,f16}.{bf16,f16}.f32 with acc as both C and D: every D element is C
// plus the sum of its 16 exact products, summed in double in k order and rounded once to f32.
void mma_m16n8k16_f32(MmaInput input, float (&acc)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]);

// mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32: the exact sum, clamped to the int32 range.
void mma_m16n8k32_s8_satfinite(int32_t (&acc)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]);

// mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32: as the f16 form, with e4m3 inputs (0x7F and 0xFF are NaN).
void mma_m16n8k32_e4m3_f32(float (&acc)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]);

// ---- ldmatrix ----------------------------------------------------------------------------------------------------

// ldmatrix.sync.aligned.m8n8.x{count}{.trans}.shared.b16: this lane's row address (used when lane < 8 * count),
// and the `count` registers it receives.
void ldmatrix(int count, bool transpose, uint32_t row_address, uint32_t* registers);

// ---- cp.async ----------------------------------------------------------------------------------------------------

// cp.async of cp_size bytes from global `source` to shared `destination`, reading the first source_bytes and
// zero-filling the rest. The copy is queued in the issuing thread and its destination poisoned until a wait
// covers it.
void cp_async(uint32_t destination, const void* source, unsigned cp_size, unsigned source_bytes);
void cp_async_commit_group();
// Performs every copy of all but the newest `pending_groups` committed groups.
void cp_async_wait_group(int pending_groups);
void cp_async_wait_all();

// ---- Bit manipulation --------------------------------------------------------------------------------------------

// lop3.b32: bit i of the result is bit (4 a_i + 2 b_i + c_i) of lut.
inline uint32_t lop3(uint32_t a, uint32_t b, uint32_t c, uint8_t lut) {
    uint32_t d = 0;
    for (unsigned minterm = 0; minterm < 8; ++minterm) {
        if (!(lut >> minterm & 1u)) continue;
        d |= ((minterm & 4u) ? a : ~a) & ((minterm & 2u) ? b : ~b) & ((minterm & 1u) ? c : ~c);
    }
    return d;
}

// prmt.b32, default mode: result byte n is source byte (s & 7) of {b, a}, or its sign replicated when s & 8, where
// s is nibble n of the selector.
inline uint32_t prmt(uint32_t a, uint32_t b, uint32_t selector) {
    const uint64_t source = static_cast<uint64_t>(b) << 32 | a;
    uint32_t d = 0;
    for (unsigned n = 0; n < 4; ++n) {
        const unsigned s = selector >> (4 * n) & 0xFu;
        uint32_t byte = static_cast<uint32_t>(source >> (8 * (s & 7u))) & 0xFFu;
        if (s & 8u) byte = (byte & 0x80u) ? 0xFFu : 0x00u;
        d |= byte << (8 * n);
    }
    return d;
}

// fma.rn.f16x2 / fma.rn.bf16x2: each 16-bit half of the result is a * b + c of the same halves, rounded once to
// nearest even into the format (binary16 when bfloat16 is false).
uint32_t fma_rn_x2(uint32_t a, uint32_t b, uint32_t c, bool bfloat16);

// ---- Memory ------------------------------------------------------------------------------------------------------

// A 16-byte global load through one of the cache-hinted forms named by `form` (the hint has no effect here).
void ld_global_v4(const void* address, uint32_t (&value)[4], const char* form);

// st.shared.v4 / ld.shared.v4 executed by the whole warp together (see ptx.cuh).
void st_shared_v4(uint32_t address, const uint32_t (&value)[4]);
void ld_shared_v4(uint32_t address, uint32_t (&value)[4]);

// GPU-scope acquire load, release store and atomic add on global memory; each lets other blocks run.
int ld_acquire_gpu(const int* address);
void st_release_gpu(int* address, int value);
void red_add_gpu(int* address, int value, bool release);

// ---- Shared-memory bank conflicts --------------------------------------------------------------------------------

// The wavefronts a warp needs to move 16-byte chunks at these shared addresses (one per lane, 16-byte aligned),
// processed in phases of eight lanes (lanes 8p .. 8p+7; ldmatrix's matrix p): a phase takes as many wavefronts as the
// most distinct chunks that fall on one group of four banks ((address / 16) % 8); equal addresses are one broadcast.
// `present` names the lanes that take part. The minimum is the number of phases with any lane present.
struct Wavefronts {
    unsigned needed;
    unsigned minimum;
};
Wavefronts shared_v4_wavefronts(const uint32_t (&addresses)[32], uint32_t present);

}  // namespace qrt::emu::ptx
