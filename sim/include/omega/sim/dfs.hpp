#pragma once
// Bounded exhaustive search: depth-first over a scenario's choice tree, every schedule run from
// the start (stateless, as CHESS, Loom and Shuttle do), so that "complete" is a proof for what it
// covered: no failure in any schedule within the preemption bound, with data choices enumerated
// where their domain is at most `data_domain_max` and fixed to their default (0) elsewhere.
//
// Two modes (say which in reports, describe_dfs):
// - with a preemption bound (dfs:pb=N): BPOR (Coons, Musuvathi, McKinley, OOPSLA'13): DPOR over
//   the schedules with at most N preemptions. Plain DPOR would be unsound there (the bound makes
//   independent steps dependent: a reversal beyond the bound at a race can be within it from an
//   earlier point), so each race also back-tracks at the start of the earlier fiber's block of
//   steps, and there are no sleep sets; the racing fiber is tried where it is ready, else every
//   ready fiber (Flanagan and Godefroid's rule). Schedules that would exceed the bound are pruned.
// - unbounded (dfs): DPOR (Flanagan and Godefroid, POPL'05) with sleep sets: backtracking points
//   only where two dependent operations of different fibers race, and runs whose every ready
//   fiber is asleep abandoned as redundant. Each complete run explored is then a different
//   Mazurkiewicz trace (sleep sets: no two explored complete runs are equivalent), and every trace
//   is explored (DPOR). Dependence is conservative where the model is loose (internal::OpKinds).

#include <omega/sim/run.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace omega::sim {

struct DfsOptions {
  std::optional<std::uint32_t> preemption_bound;  // nullopt: unbounded, with DPOR
  std::uint64_t data_domain_max = 4;              // data choices with a larger domain stay at 0
  std::uint64_t max_schedules = 1'000'000;        // stop (incomplete) after this many runs
  std::uint64_t stop_after = 1;                   // failing schedules to stop after; 0: never
  RunOptions base;                                // budgets, governance; the policy is the search's
  std::function<bool()> stop_requested;           // polled between runs (Ctrl-C, --max-time)
  std::function<void(std::uint64_t runs)> progress;
  std::function<void(const RunResult&)> on_schedule;  // each complete run explored (not redundant ones)
  // A broken twin for tests' negative controls: back-track with the racing fiber alone
  // (Flanagan-Godefroid's rule), which misses traces when that fiber is asleep there.
  bool racing_fiber_only = false;
  // With a bound: false searches every schedule within it (plain depth-first, no reduction; what
  // BPOR is checked against). conservative_points = false is BPOR's broken twin: without the extra
  // back-tracking points at fiber-block starts, reversals the bound forbids where the race is are lost.
  bool partial_order_reduction = true;
  bool conservative_points = true;
  // A broken twin: takes each step for touching only the object it announced, not those of the
  // compound operations it is inside (PendingOp::within: a memo keeps its result in its flight's
  // last step), so it misses the orders of those steps against the compound's object.
  bool ignore_compounds = false;
};

// "dfs" or "dfs:pb=N" (N up to 1000); throws UsageError naming the bad text.
DfsOptions parse_dfs(std::string_view text);
bool is_dfs(std::string_view policy_text);
std::string describe_dfs(const DfsOptions& o);  // "dfs:pb=2 (BPOR: DPOR within at most 2 preemptions, ...)"

struct DfsReport {
  std::uint64_t runs = 0;        // every run, redundant ones included
  std::uint64_t schedules = 0;   // complete runs explored (with DPOR: one per Mazurkiewicz trace)
  std::uint64_t redundant = 0;   // DPOR: runs abandoned when every ready fiber was asleep
  std::uint64_t failures = 0;
  bool complete = false;         // the whole tree within the bound was explored
  bool stopped = false;          // stop_requested, or max_schedules reached
  std::uint64_t data_points_enumerated = 0, data_points_fixed = 0;  // data decisions seen, over all runs
  std::uint64_t max_depth = 0;   // the most decisions in one run
  std::optional<RunResult> first_failure;
  std::vector<std::uint64_t> first_failure_choices;  // replays it under sim::vector_of
};

DfsReport explore_dfs(const DfsOptions& options, const std::function<void()>& body);

}  // namespace omega::sim
