#pragma once
// What the runner prints about a failure: reproduce commands and the shrunk interleaving.

#include <omega/scenario.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace omega::cli {

std::string shell_quote(const std::string& s);

std::string reproduce_seed(const std::string& prog, const std::string& scenario, std::uint64_t seed,
                           const std::string& policy, std::uint64_t pct_steps);

struct ShrinkPrint {
  std::uint64_t max_runs = 2000;
  bool trace_full = false;
  std::function<bool()> stop_requested;  // Ctrl-C or --max-time: print the best found so far
};

// Shrinks a failing choice vector and returns the report: preemptions and decisions before and
// after, re-runs used, the reproduce command for the minimal vector, and its interleaving.
std::string shrunk_report(const Scenario& s, const std::vector<std::uint64_t>& failing, const ShrinkPrint& how,
                          const std::string& prog, const std::string& indent);

}  // namespace omega::cli
