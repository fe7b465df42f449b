#pragma once
// What the runner prints about a failure: reproduce commands and the shrunk interleaving.

#include <omega/scenario.hpp>
#include <omega/sim/run.hpp>

#include <filesystem>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace omega::cli {

// Exit statuses of explore and its dfs mode.
inline constexpr int kNothingFound = 0, kFound = 1;

std::string shell_quote(const std::string& s);

std::string reproduce_seed(const std::string& prog, const std::string& scenario, std::uint64_t seed,
                           const std::string& policy, std::uint64_t pct_steps);

struct ShrinkPrint {
  std::uint64_t max_runs = 0;
  bool trace_full = false;
  std::function<bool()> stop_requested;  // Ctrl-C or --max-time: print the best found so far
};

// "TEXT@DIGEST": a choice vector with the first 8 hex digits of its run's ledger hash, so that
// `run --choices` can tell when it no longer runs the schedule it was printed for.
std::string choices_with_digest(const std::vector<std::uint64_t>& choices, std::uint64_t ledger_hash);

struct Shrunk {
  std::string text;                     // the report
  std::vector<std::uint64_t> minimal;   // the minimal failing choice vector (empty if none)
};

// Shrinks a failing choice vector and returns the report: preemptions and decisions before and
// after, re-runs used, the reproduce command for the minimal vector, and its interleaving.
Shrunk shrunk_report(const Scenario& s, const std::vector<std::uint64_t>& failing, const ShrinkPrint& how,
                          const std::string& prog, const std::string& indent);

// Saves a failing run to the corpus; returns what to print ("" when nothing was found to save).
// A passing run is saved only when `passing` says so (it carries a critic finding).
std::string save_to_corpus(const std::filesystem::path& dir, const Scenario& s, const sim::RunOptions& o,
                           bool passing = false);

}  // namespace omega::cli
