// Recording launch statistics into the running scheduler's counters, and printing them after a launch.
#pragma once

#include <vector>

#include "launch_counters.h"
#include "qrt_emulator/execution.h"

namespace qrt::emu {

// The counters the stats functions of this OS thread add to (null: not recording).
void set_active_counters(LaunchCounters* counters);

// Prints one launch's statistics to stderr when QRT_EMULATOR_REPORT=1.
void report_launch(const LaunchConfig& config, const std::vector<LaunchCounters>& per_scheduler);

}  // namespace qrt::emu
