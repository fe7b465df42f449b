#pragma once
// Diagnostics of the runner through spdlog, to stderr: which scenarios were selected, PCT's
// calibration, shrinking, corpus writes. Quiet by default (warnings and errors only); --log-level
// or OMEGA_LOG_LEVEL raise it. Never on a run's hot path: only between runs and around reports.

#include <spdlog/spdlog.h>

#include <string>

namespace omega::cli {

// Sets the level from `flag` (--log-level), else OMEGA_LOG_LEVEL, else "warn". Levels: trace,
// debug, info, warn, error, off. Throws InputError naming the bad value.
void setup_logging(const std::string& flag);

}  // namespace omega::cli
