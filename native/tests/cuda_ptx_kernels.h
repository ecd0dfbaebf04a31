// Host entry points of the PTX conformance kernels (cuda_ptx_kernels.cu). Each runs one small kernel, on a GPU when
// built by nvcc and on the CPU in the CUDA emulator, with per-lane inputs from the host, and returns what every lane
// computed. The interface is plain C++ so that test_cuda_ptx.cpp, which works out the expected values from the PTX
// ISA tables, never includes CUDA headers. Each function throws std::runtime_error when the device reports an error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qrt_ptx_test {

constexpr int kLanes = 32;

// "" when the kernels can run here, else the reason (no device).
std::string device_unavailable_reason();
// "" when the FP8 mma kernel can run here, else the reason (it needs CUDA >= 12.4 and an sm_89+ target and device).
std::string fp8_mma_unavailable_reason();
// The device's name and compute capability, for the log.
std::string device_description();
// Whether these kernels were compiled for the CUDA emulator (where the emulator's documented choices for what the ISA
// leaves open, such as the rounding of mma's f32 accumulation, can be asserted too).
bool built_for_emulator();

// A warp's registers, lane-major: lane l's register i of n is element l * n + i.
using LaneWords = std::vector<uint32_t>;

// mma.sync with the warp's fragment registers: a (4 per lane), b (2 per lane) and c (4 per lane: f32 bits, or s32
// for S8), accumulated in place; returns d (4 per lane, same encoding as c).
enum class MmaKind { BF16, F16, S8, E4M3 };
LaneWords run_mma(MmaKind kind, const LaneWords& a, const LaneWords& b, const LaneWords& c);

// ldmatrix: shared memory is filled with `shared` (16-bit elements, from a 16-byte aligned base), lane l passes the
// address of element row_offsets[l]; returns `count` registers per lane.
LaneWords run_ldmatrix(int count, bool transpose, const std::vector<uint16_t>& shared,
                       const std::vector<uint32_t>& row_offsets);

// A 16 x 16 bf16 A tile (row-major, row stride 24 elements) loaded by ldmatrix.x4 with Marlin's addressing, and a
// 16 x 8 bf16 B tile (K x N row-major) loaded by ldmatrix.x2.trans, multiplied by mma.m16n8k16 with C = 0; returns D
// (4 f32 bit patterns per lane).
LaneWords run_ldmatrix_mma_bf16(const std::vector<uint16_t>& a_tile, const std::vector<uint16_t>& b_tile);

// cp.async: lane l fills its 16-byte shared slot with 0x77, copies from source[16 l ..] into it with the given form,
// waits (wait_all), and returns the slot; 16 bytes per lane. `argument` is per lane: the src-size for ZeroFill, and
// non-zero for "ignore the source" (IgnoreSource) or "execute" (Predicated); unused for Plain.
enum class CpAsyncForm { Ca4, Ca8, Ca16, Cg16, Cg16EvictFirst };
enum class CpAsyncVariant { Plain, ZeroFill, IgnoreSource, Predicated };
std::vector<uint8_t> run_cp_async(CpAsyncForm form, CpAsyncVariant variant, const std::vector<uint8_t>& source,
                                  const std::vector<uint32_t>& argument);

// Three commit groups, group s copying source[(32 s + l) * 16 ..] into lane l's slot of stage s. After wait_group 2,
// 1 and 0 in turn (each followed by __syncthreads), lane l reads stage 0, 1, 2 of lane (l + 1) % 32's slot; returns
// the three reads, stage-major (3 x 32 x 16 bytes).
std::vector<uint8_t> run_cp_async_groups(const std::vector<uint8_t>& source);

// lop3.b32 with one of the truth tables in kLop3Tables; one word per lane.
extern const uint8_t kLop3Tables[12];
LaneWords run_lop3(uint8_t lut, const LaneWords& a, const LaneWords& b, const LaneWords& c);

// prmt.b32 (default mode), per lane.
LaneWords run_prmt(const LaneWords& a, const LaneWords& b, const LaneWords& selector);

// fma.rn.f16x2 (bfloat16 false) or fma.rn.bf16x2, per lane.
LaneWords run_fma_x2(bool bfloat16, const LaneWords& a, const LaneWords& b, const LaneWords& c);

// __shfl_sync / __shfl_up_sync / __shfl_down_sync / __shfl_xor_sync over the full warp with the given width; the
// operand (source lane, delta or lane mask) is per lane. `wide` moves 64-bit values (all 64 bits of `values`).
enum class ShuffleKind { Index, Up, Down, Xor };
std::vector<uint64_t> run_shuffle(ShuffleKind kind, int width, bool wide, const std::vector<uint64_t>& values,
                                  const std::vector<int32_t>& operands);
// The lanes in `mask` only (the others skip it) run __shfl_xor_sync(mask, value, lane_mask, width); the other lanes
// return 0xFFFFFFFF.
LaneWords run_partial_shuffle_xor(uint32_t mask, int width, const LaneWords& values, int lane_mask);

// The lanes in `mask` run __ballot_sync, __any_sync and __all_sync(mask, predicate); the others return 0xFFFFFFFF.
struct VoteResults {
    LaneWords ballot;
    LaneWords any;
    LaneWords all;
};
VoteResults run_votes(uint32_t mask, const std::vector<int>& predicates);

// The three cache-hinted 16-byte global loads: lane l loads source[16 * source_index[l] ..] (source is 32 x 4 words)
// with ld.global.nc, .nc.L1::no_allocate and .nc with an L2 evict-first policy; returns 3 x 32 x 4 words.
LaneWords run_global_loads(const LaneWords& source, const std::vector<uint32_t>& source_index);

// st.shared.v4 of values[l] (4 words) into 16-byte slot store_slot[l], __syncthreads, then ld.shared.v4 from slot
// load_slot[l]; returns 4 words per lane.
LaneWords run_shared_v4(const LaneWords& values, const std::vector<uint32_t>& store_slot,
                        const std::vector<uint32_t>& load_slot);

// A block of 128 threads: threads 0-63 write shared word i = 7 i + 1 and bar.arrive on barrier 1 for 128 threads;
// threads 64-127 bar.sync on it and return word (t - 64) + word (127 - t); 64 results.
std::vector<uint32_t> run_named_barrier();

// `blocks` co-resident blocks of 32 threads pass a token in block order: block b's thread 0 spins with
// ld.acquire.gpu until the counter is b, stores data[b] = data[b - 1] + b + 1, and red.release.gpu.add's the counter;
// the last block also st.release.gpu's a done flag; every thread red.relaxed.gpu.add's 1 to a total.
struct TokenChain {
    std::vector<int> data;
    int counter;
    int done;
    int relaxed_total;
};
TokenChain run_token_chain(int blocks);

}  // namespace qrt_ptx_test
