// Kernel launches: CUDA's launch checks, then the grid on the execution model (run_grid), as work on a stream.
#include "qrt_emulator/launch.h"

#include <exception>
#include <sstream>
#include <string>

#include "qrt_emulator/execution.h"
#include "runtime_state.h"

namespace qrt::emu {
namespace {

// Messages are built with a stream: GCC 12 warns falsely (-Wrestrict) about "literal" + std::string at -O3.
template <class... Parts>
std::string concat(const Parts&... parts) {
    std::ostringstream text;
    (text << ... << parts);
    return text.str();
}

std::string dims(dim3 d) { return concat("(", d.x, ", ", d.y, ", ", d.z, ")"); }

// Why CUDA would refuse the grid or block, or "".
std::string configuration_problem(const KernelLaunch& launch) {
    const dim3 grid = launch.grid;
    const dim3 block = launch.block;
    if (grid.x == 0 || grid.y == 0 || grid.z == 0 || block.x == 0 || block.y == 0 || block.z == 0) {
        return concat("a grid ", dims(grid), " or block ", dims(block), " with a zero dimension");
    }
    const unsigned long long threads = 1ull * block.x * block.y * block.z;
    if (block.x > 1024 || block.y > 1024 || block.z > 64 || threads > DeviceLimits::kMaxThreadsPerBlock) {
        return concat("a block ", dims(block), " beyond the H100's limits (1024, 1024, 64) and 1024 threads");
    }
    if (grid.x > 2147483647u || grid.y > 65535 || grid.z > 65535) {
        return concat("a grid ", dims(grid), " beyond the H100's limits (2^31 - 1, 65535, 65535)");
    }
    return {};
}

// QRT_LAUNCH names a template kernel in parentheses, "(k<T>)": messages show k<T>.
std::string kernel_name(const char* spelled) {
    std::string name = spelled != nullptr ? spelled : "kernel";
    if (name.size() >= 2 && name.front() == '(' && name.back() == ')') name = name.substr(1, name.size() - 2);
    return name;
}

}  // namespace

void launch_kernel(cudaStream_t stream, const KernelLaunch& launch, std::function<void()> body) {
    const std::string name = kernel_name(launch.name);
    const std::string configuration = configuration_problem(launch);
    if (!configuration.empty()) {
        runtime::fail(cudaErrorInvalidConfiguration, concat("launch of ", name, ": ", configuration));
        return;
    }
    const size_t shared_limit = runtime::max_dynamic_shared_bytes(launch.kernel);
    if (launch.dynamic_shared_bytes > shared_limit) {
        runtime::fail(cudaErrorInvalidValue,
                      concat("launch of ", name, ": ", launch.dynamic_shared_bytes,
                             " bytes of dynamic shared memory exceed the kernel's ", shared_limit,
                             shared_limit == DeviceLimits::kDefaultSharedPerBlock
                                 ? " (raise it with cudaFuncSetAttribute(cudaFuncAttributeMaxDynamicSharedMemorySize))"
                                 : ""));
        return;
    }
    const unsigned threads = launch.block.x * launch.block.y * launch.block.z;
    const unsigned long long blocks = 1ull * launch.grid.x * launch.grid.y * launch.grid.z;
    if (launch.co_resident) {
        const unsigned long long resident =
            1ull * DeviceLimits::kMultiprocessors *
            static_cast<unsigned>(runtime::resident_blocks_per_multiprocessor(threads, launch.dynamic_shared_bytes));
        if (blocks > resident) {
            runtime::fail(cudaErrorCooperativeLaunchTooLarge,
                          concat("launch of ", name, ": ", blocks, " blocks of ", threads,
                                 " threads must all be resident, and an H100 holds at most ", resident));
            return;
        }
    }

    LaunchConfig config;
    config.kernel = name;
    config.grid = launch.grid;
    config.block = launch.block;
    config.dynamic_shared_bytes = launch.dynamic_shared_bytes;
    // The opt-in raises what a block may use to the H100's 227 KiB; without it, 48 KiB for static and dynamic.
    config.max_shared_bytes = shared_limit > DeviceLimits::kDefaultSharedPerBlock
                                  ? DeviceLimits::kMaxSharedPerBlockOptin
                                  : DeviceLimits::kDefaultSharedPerBlock;
    config.co_resident = launch.co_resident;

    runtime::submit(stream, "kernel launch", [config, body = std::move(body)]() -> cudaError_t {
        try {
            run_grid(config, body);
        } catch (const LaunchError& refused) {
            return runtime::fail(cudaErrorInvalidValue, concat("launch of ", config.kernel, ": ", refused.what()));
        } catch (const KernelFault& fault) {
            runtime::set_sticky_fault(cudaErrorLaunchFailure, fault.what());
            return runtime::fail(cudaErrorLaunchFailure);
        } catch (const std::exception& thrown) {
            runtime::set_sticky_fault(cudaErrorLaunchFailure,
                                      concat("kernel ", config.kernel, " threw a C++ exception: ", thrown.what()));
            return runtime::fail(cudaErrorLaunchFailure);
        }
        return cudaSuccess;
    });
}

}  // namespace qrt::emu
