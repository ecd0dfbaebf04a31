// fma.rn.f16x2 and fma.rn.bf16x2 (PTX ISA "Half Precision Floating Point Instructions: fma"): each 16-bit lane is
// a * b + c computed exactly and rounded once to nearest even into the lane's format; overflow gives infinity.
#include <cstdint>

#include "qrt_emulator/float_encoding.h"
#include "qrt_emulator/ptx.h"

namespace qrt::emu::ptx {

uint32_t fma_rn_x2(uint32_t a, uint32_t b, uint32_t c, bool bfloat16) {
    const fp::Format& format = bfloat16 ? fp::kBfloat16 : fp::kBinary16;
    uint32_t d = 0;
    for (int half = 0; half < 2; ++half) {
        const int shift = 16 * half;
        auto lane = [&](uint32_t word) { return fp::decode((word >> shift) & 0xFFFFu, format, true); };
        const uint32_t code = fp::fused_multiply_add(lane(a), lane(b), lane(c), fp::Overflow::Infinity, format);
        d |= (code & 0xFFFFu) << shift;
    }
    return d;
}

}  // namespace qrt::emu::ptx
