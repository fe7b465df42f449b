#pragma once
// Shrinking a failing schedule: our own bounded greedy loop over RapidCheck's shrink helpers
// (removeChunks, eachElement + towards 0). Each candidate choice vector is re-run under the Vector
// source and kept only if it fails with the same signature (outcome and message, numbers masked)
// and is better: fewer preemptions, then fewer non-zero choices, then shorter.

#include <omega/sim/run.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace omega::prop {

struct ShrinkOptions {
  std::uint64_t max_runs = 2000;  // re-runs allowed (--max-runs)
  sim::RunOptions base;           // budgets, governance; the policy is set per candidate
  std::function<bool()> stop_requested;  // polled between re-runs: true keeps the best found so far
};

struct ShrinkResult {
  std::string signature;
  std::vector<std::uint64_t> original, minimal;  // choice vectors
  sim::RunResult original_run, minimal_run;
  std::uint64_t runs = 0;
  bool bound_reached = false;
  bool interrupted = false;  // stop_requested ended the search early
};

// `failing` must make `scenario` fail (under the Vector source); throws UsageError otherwise.
ShrinkResult shrink(const std::function<void()>& scenario, const std::vector<std::uint64_t>& failing,
                    const ShrinkOptions& options = {});

}  // namespace omega::prop
