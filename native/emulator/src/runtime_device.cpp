// The emulated device: one H100 (sm_90) whose memory is host memory under a limit. Its count, properties and
// versions, the per-kernel shared-memory attribute, and the occupancy calculator.
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

#include "qrt_emulator/runtime.h"
#include "runtime_state.h"

namespace qrt::emu::runtime {
namespace {

constexpr size_t kKiB = 1024;
constexpr size_t kGiB = kKiB * kKiB * kKiB;
constexpr size_t kDefaultMemory = 8 * kGiB;
constexpr const char* kDeviceName = "emulated H100 (sm_90) on the CPU (qrt emulator)";
// Shared memory is handed out to blocks in units of 128 bytes on sm_90.
constexpr size_t kSharedAllocationUnit = 128;
constexpr size_t kReservedSharedPerBlock = kKiB;

// "8G", "512MiB", "1073741824": a whole number of bytes with an optional binary unit.
MemorySetting parse_memory(const char* text) {
    MemorySetting setting;
    const std::string value = text;
    const std::string problem = "QRT_EMULATOR_MEMORY='" + value +
                                "' is not a size: give bytes, or a whole number with K, M, G or T (binary units), "
                                "more than 0";
    size_t position = 0;
    unsigned long long number = 0;
    while (position < value.size() && std::isdigit(static_cast<unsigned char>(value[position]))) {
        const unsigned digit = static_cast<unsigned>(value[position] - '0');
        if (number > (~0ull - digit) / 10) {
            setting.problem = problem;
            return setting;
        }
        number = number * 10 + digit;
        ++position;
    }
    std::string unit = value.substr(position);
    for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    int shift = -1;
    if (unit.empty() || unit == "B") shift = 0;
    if (unit == "K" || unit == "KB" || unit == "KIB") shift = 10;
    if (unit == "M" || unit == "MB" || unit == "MIB") shift = 20;
    if (unit == "G" || unit == "GB" || unit == "GIB") shift = 30;
    if (unit == "T" || unit == "TB" || unit == "TIB") shift = 40;
    if (position == 0 || shift < 0 || number == 0 || number > (~0ull >> shift)) {
        setting.problem = problem;
        return setting;
    }
    setting.bytes = static_cast<size_t>(number << shift);
    return setting;
}

std::string format_bytes(size_t bytes) {
    char text[64];
    if (bytes % kGiB == 0) {
        std::snprintf(text, sizeof text, "%zu GiB", bytes / kGiB);
    } else if (bytes % (kKiB * kKiB) == 0) {
        std::snprintf(text, sizeof text, "%zu MiB", bytes / (kKiB * kKiB));
    } else {
        std::snprintf(text, sizeof text, "%zu bytes", bytes);
    }
    return text;
}

std::mutex g_attributes_mutex;
std::unordered_map<const void*, size_t> g_max_dynamic_shared;

size_t round_up(size_t value, size_t unit) { return (value + unit - 1) / unit * unit; }

}  // namespace

const MemorySetting& memory_setting() {
    static const MemorySetting setting = [] {
        const char* text = std::getenv("QRT_EMULATOR_MEMORY");
        if (text == nullptr || *text == '\0') return MemorySetting{kDefaultMemory, {}};
        return parse_memory(text);
    }();
    return setting;
}

size_t max_dynamic_shared_bytes(const void* kernel) {
    std::lock_guard<std::mutex> lock(g_attributes_mutex);
    const auto found = g_max_dynamic_shared.find(kernel);
    return found != g_max_dynamic_shared.end() ? found->second : DeviceLimits::kDefaultSharedPerBlock;
}

int resident_blocks_per_multiprocessor(unsigned threads, size_t shared_bytes) {
    if (threads == 0 || threads > static_cast<unsigned>(DeviceLimits::kMaxThreadsPerBlock)) return 0;
    const unsigned warp_threads = (threads + 31) / 32 * 32;
    const int by_threads = DeviceLimits::kMaxThreadsPerMultiprocessor / static_cast<int>(warp_threads);
    const size_t per_block = round_up(shared_bytes, kSharedAllocationUnit) + kReservedSharedPerBlock;
    const int by_shared = static_cast<int>(DeviceLimits::kSharedPerMultiprocessor / per_block);
    int blocks = DeviceLimits::kMaxBlocksPerMultiprocessor;
    if (by_threads < blocks) blocks = by_threads;
    if (by_shared < blocks) blocks = by_shared;
    return blocks;
}

}  // namespace qrt::emu::runtime

namespace qrt::emu {

size_t memory_limit() { return runtime::memory_setting().bytes; }

std::string runtime_description() {
    const runtime::MemorySetting& memory = runtime::memory_setting();
    const std::string what = "qrt CUDA emulator (CUDA 12.4 runtime API on the CPU";
    // A setting that is not a size is explained by cudaGetDeviceCount's error, which follows this.
    if (!memory.problem.empty()) return what + ")";
    return what + "; an emulated H100, sm_90; " + runtime::format_bytes(memory.bytes) +
           " of memory, QRT_EMULATOR_MEMORY)";
}

}  // namespace qrt::emu

using namespace qrt::emu::runtime;
using qrt::emu::DeviceLimits;

cudaError_t cudaGetDeviceCount(int* count) {
    if (count == nullptr) return fail(cudaErrorInvalidValue, "cudaGetDeviceCount: count is NULL");
    *count = 0;
    const std::string& problem = memory_setting().problem;
    if (!problem.empty()) return fail(cudaErrorInitializationError, problem);
    *count = 1;
    return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
    if (device != 0) {
        return fail(cudaErrorInvalidDevice,
                    "cudaSetDevice(" + std::to_string(device) + "): the emulator has one device, 0");
    }
    const std::string& problem = memory_setting().problem;
    if (!problem.empty()) return fail(cudaErrorInitializationError, problem);
    return cudaSuccess;
}

cudaError_t cudaGetDevice(int* device) {
    if (device == nullptr) return fail(cudaErrorInvalidValue, "cudaGetDevice: device is NULL");
    *device = 0;
    return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* properties, int device) {
    if (properties == nullptr) return fail(cudaErrorInvalidValue, "cudaGetDeviceProperties: properties is NULL");
    if (device != 0) {
        return fail(cudaErrorInvalidDevice,
                    "cudaGetDeviceProperties(" + std::to_string(device) + "): the emulator has one device, 0");
    }
    std::memset(properties, 0, sizeof *properties);
    std::snprintf(properties->name, sizeof properties->name, "%s", kDeviceName);
    properties->totalGlobalMem = memory_setting().bytes;
    properties->sharedMemPerBlock = DeviceLimits::kDefaultSharedPerBlock;
    properties->sharedMemPerBlockOptin = DeviceLimits::kMaxSharedPerBlockOptin;
    properties->sharedMemPerMultiprocessor = DeviceLimits::kSharedPerMultiprocessor;
    properties->reservedSharedMemPerBlock = kReservedSharedPerBlock;
    properties->totalConstMem = 64 * kKiB;
    properties->regsPerBlock = 65536;
    properties->regsPerMultiprocessor = 65536;
    properties->warpSize = DeviceLimits::kWarpSize;
    properties->maxThreadsPerBlock = DeviceLimits::kMaxThreadsPerBlock;
    properties->maxThreadsDim[0] = 1024;
    properties->maxThreadsDim[1] = 1024;
    properties->maxThreadsDim[2] = 64;
    properties->maxGridSize[0] = 2147483647;
    properties->maxGridSize[1] = 65535;
    properties->maxGridSize[2] = 65535;
    properties->maxThreadsPerMultiProcessor = DeviceLimits::kMaxThreadsPerMultiprocessor;
    properties->maxBlocksPerMultiProcessor = DeviceLimits::kMaxBlocksPerMultiprocessor;
    properties->multiProcessorCount = DeviceLimits::kMultiprocessors;
    properties->major = 9;
    properties->minor = 0;
    properties->l2CacheSize = 50 * 1024 * 1024;
    properties->memoryBusWidth = 5120;
    properties->concurrentKernels = 1;
    properties->cooperativeLaunch = 1;
    properties->unifiedAddressing = 1;
    properties->integrated = 0;
    return cudaSuccess;
}

cudaError_t cudaDriverGetVersion(int* version) {
    if (version == nullptr) return fail(cudaErrorInvalidValue, "cudaDriverGetVersion: version is NULL");
    *version = CUDART_VERSION;
    return cudaSuccess;
}

cudaError_t cudaRuntimeGetVersion(int* version) {
    if (version == nullptr) return fail(cudaErrorInvalidValue, "cudaRuntimeGetVersion: version is NULL");
    *version = CUDART_VERSION;
    return cudaSuccess;
}

cudaError_t cudaFuncSetAttribute(const void* kernel, cudaFuncAttribute attribute, int value) {
    if (const cudaError_t error = device_unusable()) return error;
    if (kernel == nullptr) return fail(cudaErrorInvalidDeviceFunction, "cudaFuncSetAttribute: kernel is NULL");
    if (attribute != cudaFuncAttributeMaxDynamicSharedMemorySize) {
        return fail(cudaErrorInvalidValue, "cudaFuncSetAttribute: attribute " +
                                               std::to_string(static_cast<int>(attribute)) +
                                               " is not one the emulator implements");
    }
    if (value < 0 || static_cast<size_t>(value) > DeviceLimits::kMaxSharedPerBlockOptin) {
        return fail(cudaErrorInvalidValue, "cudaFuncSetAttribute(MaxDynamicSharedMemorySize, " + std::to_string(value) +
                                               "): an H100 block may have at most " +
                                               std::to_string(DeviceLimits::kMaxSharedPerBlockOptin) + " bytes");
    }
    std::lock_guard<std::mutex> lock(g_attributes_mutex);
    g_max_dynamic_shared[kernel] = static_cast<size_t>(value);
    return cudaSuccess;
}

cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int* blocks, const void* kernel, int block_size,
                                                          size_t dynamic_shared_bytes) {
    if (const cudaError_t error = device_unusable()) return error;
    if (blocks == nullptr) return fail(cudaErrorInvalidValue, "cudaOccupancyMaxActiveBlocksPerMultiprocessor: NULL");
    if (kernel == nullptr) {
        return fail(cudaErrorInvalidDeviceFunction, "cudaOccupancyMaxActiveBlocksPerMultiprocessor: kernel is NULL");
    }
    if (block_size <= 0) {
        return fail(cudaErrorInvalidValue, "cudaOccupancyMaxActiveBlocksPerMultiprocessor: block size " +
                                               std::to_string(block_size) + " is not positive");
    }
    *blocks = dynamic_shared_bytes > max_dynamic_shared_bytes(kernel)
                  ? 0
                  : resident_blocks_per_multiprocessor(static_cast<unsigned>(block_size), dynamic_shared_bytes);
    return cudaSuccess;
}
