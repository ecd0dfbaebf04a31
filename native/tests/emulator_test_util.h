// What the emulator's own test programs share: running a kernel to see the fault it raises, the broken-kernel /
// corrected-twin check, and running this program again as a child (for AddressSanitizer's report or the launch
// statistics, which must not disturb the parent).
#pragma once

#include <cstdio>
#include <initializer_list>
#include <string>

#include "qrt_emulator/execution.h"
#include "test_util.h"

namespace qrt_test {

// Runs `body` as a kernel and returns the fault's message, or "" when it ran to the end.
template <class Body>
std::string fault_of(const qrt::emu::LaunchConfig& launch, Body body) {
    try {
        qrt::emu::run_grid(launch, body);
        return "";
    } catch (const qrt::emu::KernelFault& fault) {
        return fault.what();
    }
}

// The broken kernel must fault with a message holding every fragment; its corrected twin must run.
template <class Broken, class Fixed>
void expect_caught(const qrt::emu::LaunchConfig& launch, Broken broken, Fixed fixed,
                   std::initializer_list<const char*> fragments) {
    const std::string message = fault_of(launch, broken);
    if (message.empty()) {
        std::fprintf(stderr, "%s: the broken kernel was not caught\n", launch.kernel.c_str());
        ++failures();
    } else {
        std::printf("caught: %s\n", message.c_str());
        for (const char* fragment : fragments) {
            if (message.find(fragment) == std::string::npos) {
                std::fprintf(stderr, "%s: the message lacks \"%s\"\n", launch.kernel.c_str(), fragment);
                ++failures();
            }
        }
    }
    const std::string fixed_message = fault_of(launch, fixed);
    if (!fixed_message.empty()) {
        std::fprintf(stderr, "%s: the corrected kernel was reported: %s\n", launch.kernel.c_str(), fixed_message.c_str());
        ++failures();
    }
}

}  // namespace qrt_test
