// The CPU as a device: what it is, and host memory for tensors.
#pragma once

#include <cstddef>

#include "qrt.h"

namespace qrt::cpu {

constexpr size_t kAllocationAlignment = 64;  // a cache line, and enough for any vector load

void fill_device_info(qrt_device_info* info);

// Aligned host memory; never returns NULL (throws std::bad_alloc).
void* allocate(size_t bytes);
void release(void* ptr) noexcept;

}  // namespace qrt::cpu
