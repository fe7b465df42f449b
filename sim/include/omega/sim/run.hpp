#pragma once
// One simulated run: the body runs as the root fiber under a choice source; the result carries
// the outcome, a message naming fibers and step, and the ledger.

#include <omega/sim/budgets.hpp>
#include <omega/sim/governance.hpp>
#include <omega/sim/ledger.hpp>
#include <omega/sim/policies.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace omega::sim {

// crash and hang never come from run() itself: the runner's worker processes report a schedule
// that killed its process (signal, unexpected exit) or stopped reaching scheduling points.
enum class Outcome : std::uint8_t { pass, assertion, exception, deadlock, budget, divergence, denied, crash, hang };
std::string_view to_string(Outcome o) noexcept;

// What the critic asks of a run when it checks a proposed repair in simulation (explore --critic);
// empty in every other run, and then costs nothing.
struct RepairChecks {
  std::vector<std::string> lock_order;      // mutex names: taking one while holding a later one fails the run
  std::vector<std::string> dedupe_oracles;  // oracle names whose calls are deduplicated by key (singleflight + memo)
  bool empty() const noexcept { return lock_order.empty() && dedupe_oracles.empty(); }
};

struct RunOptions {
  Policy policy = round_robin();
  std::uint64_t seed = 0;  // feeds Random and the data choices of policies without a rule for them
  Budgets budgets = Budgets::from_env();
  Governance governance;  // default: every operation allowed, every cap granted
  std::size_t stack_bytes = default_stack_bytes();  // kStackKbMin..kStackKbMax KiB (budgets.hpp)
  RepairChecks checks;
};

struct OracleStats {
  std::uint64_t calls = 0;       // calls made by the program
  std::uint64_t executions = 0;  // calls the service answered (not faulted)
  std::uint64_t faults = 0;      // injected errors and timeouts
  friend bool operator==(const OracleStats&, const OracleStats&) = default;
};

// Where a failure's message ends and the notes on fibers abandoned in teardown begin (a run with
// no other failure has notes only, after "teardown: "). Signatures leave the notes out.
inline constexpr std::string_view kTeardownNote = "; teardown: ";

struct RunResult {
  Outcome outcome = Outcome::pass;
  std::string message;  // empty on pass
  Ledger ledger;
  std::uint64_t steps = 0;        // scheduling points
  std::uint64_t decisions = 0;    // choices consumed (scheduling and data)
  std::uint64_t preemptions = 0;  // switches away from a runnable fiber that did not yield
  std::uint32_t fibers = 0;       // fibers spawned, the root included

  bool passed() const noexcept { return outcome == Outcome::pass; }
  // The run's choice stream, index i = decision i (what Vector replays and the shrinker shrinks).
  std::vector<std::uint64_t> choices() const;
  // Per oracle name, from the ledger's OracleCall events.
  std::map<std::string, OracleStats> oracle_stats() const;
};

// Runs `body` as fiber 0 ("root") on this thread. Throws UsageError if called inside a run or
// with stack_bytes out of bounds, and HarnessError if user code broke a harness rule (e.g. a
// catch (...) swallowed the teardown unwind without rethrowing).
RunResult run(const RunOptions& options, std::function<void()> body);

// Every run makes sure the stack-overflow signal handler is still ours (a test framework may have
// swapped it since: doctest does around each test case), which is a syscall per run. While a
// RunBatch lives on a thread, runs there skip that check: it was made once when the batch began.
// For loops of many runs in which nothing installs signal handlers (explore and its workers, the
// shrinker, dfs, rff, prop::check). Batches nest; a batch changes nothing a run records.
class RunBatch {
 public:
  RunBatch();
  ~RunBatch();
  RunBatch(const RunBatch&) = delete;
  RunBatch& operator=(const RunBatch&) = delete;
};

}  // namespace omega::sim
