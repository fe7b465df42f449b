#pragma once
// The runner's `run` and `shrink` commands: one schedule (a seed and policy, or a choice vector),
// its outcome, and for shrink the minimal failing schedule.

#include <cstdint>
#include <optional>
#include <string>

namespace omega::cli {

struct RunArgs {
  std::string scenario, policy = "random", trace = "short", format = "text";
  std::optional<std::string> choices, save, junit;
  std::optional<std::string> trace_out;  // run --trace-out: the run for Perfetto / chrome://tracing
  std::uint64_t seed = 0, pct_steps = 0, max_runs = 0;
  bool table = false, events = false;
};

// Runs (or, with `shrink`, shrinks) the schedule `a` selects; returns the exit status.
int cmd_run(const RunArgs& a, const std::string& prog, bool shrink);

}  // namespace omega::cli
