// Shared-memory bank conflicts of 16-byte accesses, as the emulator's launch statistics count them. Shared memory is
// 32 banks of four bytes; a 16-byte aligned chunk at address a covers banks 4 (a/16 % 8) .. +3, so the eight chunks
// of one wavefront are conflict-free when they fall on the eight distinct groups of four banks. A warp's 16-byte
// accesses are served eight lanes at a time (for ldmatrix, one 8 x 8 matrix at a time): in each such phase, distinct
// chunks on the same bank group serialise, while lanes reading the same chunk share one broadcast.
#include <algorithm>
#include <cstdint>

#include "qrt_emulator/ptx.h"

namespace qrt::emu::ptx {

Wavefronts shared_v4_wavefronts(const uint32_t (&addresses)[32], uint32_t present) {
    Wavefronts result{0, 0};
    for (unsigned phase = 0; phase < 4; ++phase) {
        uint32_t chunks[8];
        unsigned distinct = 0;
        for (unsigned lane = 8 * phase; lane < 8 * phase + 8; ++lane) {
            if (!(present >> lane & 1u)) continue;
            const uint32_t chunk = addresses[lane] / 16;
            if (std::find(chunks, chunks + distinct, chunk) == chunks + distinct) chunks[distinct++] = chunk;
        }
        if (distinct == 0) continue;
        unsigned per_bank_group[8] = {};
        for (unsigned i = 0; i < distinct; ++i) ++per_bank_group[chunks[i] % 8];
        result.needed += *std::max_element(per_bank_group, per_bank_group + 8);
        result.minimum += 1;
    }
    return result;
}

}  // namespace qrt::emu::ptx
