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

// The default bound on re-runs grows with the failing schedule: a few re-runs per decision (a
// 50-fiber run has hundreds of decisions, each a candidate), never fewer than 2 000.
inline constexpr std::uint64_t kRunsPerDecision = 40, kMinAutoRuns = 2000, kMaxAutoRuns = 100000;
std::uint64_t auto_max_runs(std::size_t decisions);

struct ShrinkOptions {
  std::uint64_t max_runs = 0;  // re-runs allowed (--max-runs); 0: auto_max_runs(decisions of the failing run)
  sim::RunOptions base;           // budgets, governance; the policy is set per candidate
  std::function<bool()> stop_requested;  // polled between re-runs: true keeps the best found so far
};

struct ShrinkResult {
  std::string signature;
  std::vector<std::uint64_t> original, minimal;  // choice vectors
  sim::RunResult original_run, minimal_run;
  std::uint64_t runs = 0;
  std::uint64_t max_runs = 0;  // the bound that applied (options.max_runs, or the automatic one)
  bool bound_reached = false;
  bool interrupted = false;  // stop_requested ended the search early
};

// `failing` must make `scenario` fail (under the Vector source); throws UsageError otherwise.
ShrinkResult shrink(const std::function<void()>& scenario, const std::vector<std::uint64_t>& failing,
                    const ShrinkOptions& options = {});

}  // namespace omega::prop
