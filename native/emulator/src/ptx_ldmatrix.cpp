// ldmatrix in the CUDA emulator. Each lane that supplies a row (lanes 0 .. 8*count-1) checks and reads its own 16
// bytes through the checked shared-memory accessors, so an unaligned row, a row outside the arena, or a row not
// written (or still pending under a cp.async) faults naming that lane. The warp then meets in a collective, whose
// last lane hands every lane its registers (PTX ISA, "ldmatrix") and counts the bank conflicts of the rows.
#include <cstdint>
#include <string>

#include "qrt_emulator/execution.h"
#include "qrt_emulator/ptx.h"
#include "qrt_emulator/shared_memory.h"
#include "qrt_emulator/stats.h"

namespace qrt::emu::ptx {
namespace {

struct Row {
    uint32_t address;
    uint16_t elements[8];
};

struct Registers {
    uint32_t r[4];
};

// The operation names, one per form: a lane arriving with another form than its warp is a divergent warp.
const char* operation_name(int count, bool transpose) {
    switch (count * 2 + (transpose ? 1 : 0)) {
        case 2: return "ldmatrix.sync.aligned.m8n8.x1.shared.b16";
        case 3: return "ldmatrix.sync.aligned.m8n8.x1.trans.shared.b16";
        case 4: return "ldmatrix.sync.aligned.m8n8.x2.shared.b16";
        case 5: return "ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16";
        case 8: return "ldmatrix.sync.aligned.m8n8.x4.shared.b16";
        default: return "ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16";
    }
}

const char* statistics_name(int count, bool transpose) {
    switch (count * 2 + (transpose ? 1 : 0)) {
        case 2: return "ldmatrix.x1";
        case 3: return "ldmatrix.x1.trans";
        case 4: return "ldmatrix.x2";
        case 5: return "ldmatrix.x2.trans";
        case 8: return "ldmatrix.x4";
        default: return "ldmatrix.x4.trans";
    }
}

uint32_t pack(uint16_t low, uint16_t high) { return static_cast<uint32_t>(low) | static_cast<uint32_t>(high) << 16; }

}  // namespace

void ldmatrix(int count, bool transpose, uint32_t row_address, uint32_t* registers) {
    if (count != 1 && count != 2 && count != 4) fault("ldmatrix: count " + std::to_string(count) + " is not 1, 2 or 4");
    const unsigned rows = 8u * static_cast<unsigned>(count);
    Row mine{row_address, {}};
    if (current_thread().lane < rows) {
        shared_check_range(row_address, 16, 16, "ldmatrix row (16 bytes, 16-byte aligned)");
        shared_read(row_address, mine.elements, sizeof mine.elements);
    }
    const Registers out = warp_collective<Row, Registers>(
        operation_name(count, transpose), 0xFFFFFFFFu, true, mine,
        [count, transpose, rows](unsigned, const Row* const* inputs, Registers* const* outputs) {
            // Matrix j's row r comes from lane 8j + r. Lane l = 4g + t receives, of each matrix,
            //   without .trans: M[g][2t] (low half) and M[g][2t+1] (high half);
            //   with .trans:    M[2t][g] and M[2t+1][g].
            for (unsigned lane = 0; lane < 32; ++lane) {
                const unsigned g = lane >> 2;
                const unsigned t = lane & 3;
                for (int j = 0; j < count; ++j) {
                    const Row* const* matrix = inputs + 8 * j;
                    outputs[lane]->r[j] = transpose
                                              ? pack(matrix[2 * t]->elements[g], matrix[2 * t + 1]->elements[g])
                                              : pack(matrix[g]->elements[2 * t], matrix[g]->elements[2 * t + 1]);
                }
            }
            uint32_t addresses[32] = {};
            for (unsigned lane = 0; lane < rows; ++lane) addresses[lane] = inputs[lane]->address;
            const uint32_t present = rows == 32 ? 0xFFFFFFFFu : (1u << rows) - 1u;
            const Wavefronts wavefronts = shared_v4_wavefronts(addresses, present);
            stats::shared_wavefronts(statistics_name(count, transpose), wavefronts.needed - wavefronts.minimum);
        });
    for (int j = 0; j < count; ++j) registers[j] = out.r[j];
}

}  // namespace qrt::emu::ptx
