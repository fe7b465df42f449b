#pragma once
// What the runner prints about a failure: reproduce commands and the shrunk interleaving.

#include <omega/scenario.hpp>
#include <omega/sim/run.hpp>

#include <filesystem>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace omega::cli {

// Exit statuses of explore and its dfs mode.
inline constexpr int kNothingFound = 0, kFound = 1;

std::string shell_quote(const std::string& s);

// Every line of `text` with `indent` before it (a table inside a report).
std::string indent_lines(const std::string& text, const std::string& indent);

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

// What shrinking one failing schedule gave, computed once and rendered as text (shrink_text) or
// JSON (report_json.hpp; also how a worker process sends it to the parent).
struct ShrinkFigures {
  std::uint64_t preemptions_before = 0, preemptions_after = 0, decisions_before = 0, runs = 0, max_runs = 0;
  bool bound_reached = false, interrupted = false;  // either: the result may not be minimal
  std::vector<std::uint64_t> minimal;  // the minimal failing choice vector
  std::string message;                 // the minimal run's
  std::string choices;                 // the minimal vector as TEXT@DIGEST
  std::string reproduce;               // `run --choices` of the minimal vector
  std::string interleaving;            // the minimal run's table
  std::string interleaving_as_found;   // the failing run's table (--trace full only)
};

// A failure's shrinking: the figures, or why there are none ("stopped early", ...).
struct ShrinkOutcome {
  std::optional<ShrinkFigures> figures;
  std::string not_shrunk;
};

// Shrinks a failing choice vector: preemptions and decisions before and after, re-runs used, the
// reproduce command for the minimal vector, and its interleaving.
ShrinkFigures shrink_failure(const Scenario& s, const std::vector<std::uint64_t>& failing, const ShrinkPrint& how,
                             const std::string& prog);
// The text report, each line starting with `indent`.
std::string shrink_text(const ShrinkOutcome& o, const std::string& indent);

// What saving a case to the corpus gave: the file that holds it ("" when none) and what to print.
struct CorpusSaved {
  std::string path, text;
};
CorpusSaved not_saved(const std::string& why);  // "not saved: WHY"

// Saves a failing run to the corpus. A passing run is saved only when `passing` says so (it
// carries a critic finding).
CorpusSaved save_to_corpus(const std::filesystem::path& dir, const Scenario& s, const sim::RunOptions& o,
                           bool passing = false);

}  // namespace omega::cli
