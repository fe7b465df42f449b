#pragma once
// The figures of the runner's reports (run, explore and its dfs and rff searches), computed once
// by the commands and rendered as text here (report_text.cpp) or as JSON (report_json.hpp).

#include "cli_input.hpp"
#include "critic_explore.hpp"
#include "explore_command.hpp"
#include "junit.hpp"
#include "ledger_commands.hpp"
#include "report.hpp"

#include <omega/sim/dfs.hpp>
#include <omega/sim/explore.hpp>
#include <omega/sim/rff.hpp>
#include <omega/sim/run.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace omega::cli {

// `run`: one schedule and its outcome.
struct RunFigures {
  std::string scenario;
  std::optional<std::uint64_t> seed;  // the schedule: a seed and policy, or a choice vector
  std::string policy, choices_given, how;  // how: "seed 3, policy random" or "choices TEXT"
  std::uint64_t pct_steps = 0;              // PCT's k, when the policy is pct
  const sim::RunResult* result = nullptr;
  std::string choices;    // the run's choice vector
  std::string reproduce;  // the command that runs this schedule again
  std::optional<SavedLedger> saved;         // --save
  std::vector<std::string> events;          // --events
  std::string interleaving;                 // --trace
  bool with_events = false, with_interleaving = false;
};

// A failure an exploration found: a signature (sampling, rff) or dfs's first failure.
struct FailureFigures {
  sim::Outcome outcome = sim::Outcome::pass;
  std::string signature, message, found_by;
  std::uint64_t count = 1;
  std::optional<std::uint64_t> first_seed;   // none for dfs
  std::optional<std::uint64_t> preemptions;  // of the failing run, where it was run here
  std::string reproduce;
  std::string choices;                       // dfs and rff: the found run's TEXT@DIGEST
  std::optional<ShrinkOutcome> shrink;       // none with --no-shrink
  std::optional<CorpusSaved> corpus;         // none with --no-save
};

// explore --critic: a finding with its first seed, where it was saved.
struct CriticFigures {
  SeededFinding seeded;
  std::string reproduce;
  std::optional<CorpusSaved> corpus;
};

// One scenario of a sampling exploration (explore with a seeded policy).
struct ExploreFigures {
  std::string scenario;
  sim::ExploreReport report;
  std::string interrupted;  // why the range was cut short ("" if it was not)
  std::uint64_t seeds_total = 0;             // of this shard, saturated
  std::optional<std::uint64_t> up_to_seed;   // the last seed covered when interrupted
  std::vector<FailureFigures> failures;      // one per signature, in report.signatures' order
  std::optional<std::vector<CriticFigures>> critic;  // --critic
};

// One scenario of explore --policy dfs | dfs:pb=N.
struct DfsFigures {
  std::string scenario, search;  // search: describe_dfs
  sim::DfsOptions options;
  sim::DfsReport report;
  std::string incomplete;  // no failure and not complete: why ("--max-schedules 10 reached", ...)
  std::optional<FailureFigures> failure;
};

// One scenario of explore --policy rff.
struct RffFigures {
  std::string scenario;
  std::uint64_t epoch = 0;
  sim::RffReport report;
  std::vector<FailureFigures> failures;  // one per signature
};

// What an explore command was asked, for its report's header and the JSON document.
struct ExploreContext {
  std::string prog, policy, max_time;
  SeedRange range;
  bool seeded = true;  // dfs takes no seeds
  sim::Shard shard;
  std::uint64_t stop_after = 0;
  bool json = false;
};

ExploreContext explore_context(const ExploreArgs& a, const std::string& prog, SeedRange range, sim::Shard shard);

// Text renderers: the lines the commands print, exactly.
std::string run_text(const RunFigures& f);
std::string failure_text(std::size_t index, const FailureFigures& f);  // "  [1] ..." and its details
std::string failure_details(const FailureFigures& f);                 // reproduce, shrunk, corpus
std::string nondeterminism_text(const sim::Nondeterminism& n);      // without indent
std::string explore_text(const ExploreFigures& f, const ExploreContext& c);
std::string dfs_text(const DfsFigures& f);
std::string rff_text(const RffFigures& f, const ExploreContext& c);

// run --junit: one test case, failing with the reproduce command and the interleaving.
JunitCase run_junit_case(const RunFigures& f);
// explore --junit: a failing test case per signature and per nondeterministic seed, the reproduce
// command and the shrunk interleaving in its message (CI shows them without opening the log); a
// passing case when there is neither.
JunitSuite explore_junit_suite(const ExploreFigures& f, const ExploreContext& c);
// The same for dfs (its failure; else a passing case saying whether the search was complete) and rff.
JunitSuite dfs_junit_suite(const DfsFigures& f);
JunitSuite rff_junit_suite(const RffFigures& f, const ExploreContext& c);
// A scenario left out by Ctrl-C or --max-time: a skipped case.
JunitSuite not_explored_suite(const std::string& scenario);

// Prints the run's report on stdout: text, or with --format json one JSON document.
void print_run(const RunFigures& f, bool json);

// Where an explore command's report goes: text on stdout as each scenario ends, or with --format
// json one document on stdout at the end (finish), so that it parses whole.
class ExploreOutput {
 public:
  explicit ExploreOutput(ExploreContext c);
  ~ExploreOutput();
  ExploreOutput(const ExploreOutput&) = delete;
  ExploreOutput& operator=(const ExploreOutput&) = delete;

  const ExploreContext& context() const noexcept { return context_; }
  bool json() const noexcept { return context_.json; }
  void add(const ExploreFigures& f);
  void add(const DfsFigures& f);
  void add(const RffFigures& f);
  void not_explored(const std::string& scenario);  // JSON only: the text says it where it fits
  // Returns `status`, the command's exit status, after printing the JSON document (with it).
  int finish(int status);

 private:
  struct Document;  // report_json.cpp: nlohmann stays out of the commands that print only text
  ExploreContext context_;
  std::unique_ptr<Document> document_;
};

}  // namespace omega::cli
