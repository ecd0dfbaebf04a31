// What the emulated CUDA runtime offers beyond CUDA's own API: the sticky-fault reset that tests of deliberately
// broken kernels need, and facts for libqrt's description of the device.
#pragma once

#include <cstddef>
#include <string>

namespace qrt::emu {

// Clears a sticky kernel fault, so that later calls work again. A GPU needs a new process for this; the emulator
// offers it for tests that provoke faults on purpose. Memory, streams and graphs are kept.
void clear_sticky_error();

// The message of the sticky kernel fault (kernel, block, thread, address and what went wrong); "" without one.
std::string sticky_error_message();

// The emulated device's memory in bytes: QRT_EMULATOR_MEMORY (bytes, or a number with K, M, G or T: binary
// units), 8 GiB when unset. 0 when the variable is not a size: the device then fails to initialise, saying why.
size_t memory_limit();

// One line for libqrt's backend detail: what the emulator models and its settings.
std::string runtime_description();

}  // namespace qrt::emu
