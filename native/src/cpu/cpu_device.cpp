#include "cpu/cpu_device.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <string>
#include <thread>

#if defined(_WIN32)
#  include <malloc.h>
#  include <windows.h>
#else
#  include <unistd.h>
#endif

namespace qrt::cpu {
namespace {

std::string processor_name() {
#if defined(__linux__)
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("model name", 0) == 0) {
            const size_t colon = line.find(':');
            if (colon != std::string::npos && colon + 2 <= line.size()) return line.substr(colon + 2);
        }
    }
#endif
    return "CPU";
}

// Total and available physical memory in bytes.
void physical_memory(uint64_t* total, uint64_t* available) {
    *total = 0;
    *available = 0;
#if defined(_WIN32)
    MEMORYSTATUSEX status;
    status.dwLength = sizeof status;
    if (GlobalMemoryStatusEx(&status)) {
        *total = status.ullTotalPhys;
        *available = status.ullAvailPhys;
    }
#else
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page_size = sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && page_size > 0) *total = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
#  if defined(__linux__)
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    uint64_t kilobytes = 0;
    std::string unit;
    while (meminfo >> key >> kilobytes >> unit) {
        if (key == "MemAvailable:") {
            *available = kilobytes * 1024;
            break;
        }
    }
#  endif
    if (*available == 0) *available = *total;
#endif
}

}  // namespace

void fill_device_info(qrt_device_info* info) {
    std::memset(info, 0, sizeof *info);
    info->device.backend = QRT_BACKEND_CPU;
    info->device.ordinal = 0;
    const std::string name = processor_name();
    std::strncpy(info->name, name.c_str(), sizeof info->name - 1);
    const unsigned threads = std::thread::hardware_concurrency();
    info->multiprocessor_count = threads == 0 ? 1 : static_cast<int32_t>(threads);
    physical_memory(&info->total_memory_bytes, &info->free_memory_bytes);
}

void* allocate(size_t bytes) {
    // Round up so the size is a multiple of the alignment, as aligned_alloc requires; a zero-byte
    // request still returns a unique pointer.
    if (bytes > SIZE_MAX - kAllocationAlignment) throw std::bad_alloc();
    const size_t rounded = (bytes + kAllocationAlignment - 1) / kAllocationAlignment * kAllocationAlignment;
    const size_t size = rounded == 0 ? kAllocationAlignment : rounded;
#if defined(_WIN32)
    void* ptr = _aligned_malloc(size, kAllocationAlignment);
#else
    void* ptr = std::aligned_alloc(kAllocationAlignment, size);
#endif
    if (ptr == nullptr) throw std::bad_alloc();
    return ptr;
}

void release(void* ptr) noexcept {
#if defined(_WIN32)
    _aligned_free(ptr);
#else
    std::free(ptr);
#endif
}

}  // namespace qrt::cpu
