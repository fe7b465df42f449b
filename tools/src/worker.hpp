#pragma once
// Exploration in worker processes: one scenario's seeds spread over N processes of this same
// executable, so that a crash, an exit or a hang in user code ends one schedule, not the
// exploration. The report is folded in seed order and does not depend on N or on crashes.

#include <omega/scenario.hpp>
#include <omega/sim/explore.hpp>

#include "report.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace omega::cli {

// What both ends agree on: the worker is started with these as flags.
struct WorkerSetup {
  std::string scenario, policy = "random";
  std::uint64_t first_seed = 0, last_seed = 0, pct_steps = 0, max_runs = 0;
  sim::Shard shard;
  bool check_determinism = false, trace_full = false;
  bool critic = false;      // run the critic over every ledger (explore --critic)
  sim::RepairChecks checks; // a repair the critic checks in simulation
};

struct PoolOptions {
  WorkerSetup setup;
  std::string prog;  // argv[0], for reproduce commands
  unsigned jobs = 1;
  std::uint64_t stop_after = 0;
  std::uint64_t watchdog_ms = 10'000;  // no step for this long: a hang (0: no watchdog)
  bool shrink = true;
  std::function<bool()> stop_requested;
  std::function<void(const sim::ExploreProgress&)> progress;
  std::function<void(const sim::FailureSignature&, std::uint64_t pct_steps)> on_signature;  // see ExploreOptions
  std::function<void(std::uint64_t seed, const std::string& inspection)> on_inspection;     // see ExploreOptions
};

struct PoolReport {
  sim::ExploreReport report;
  std::vector<ShrinkOutcome> shrunk;  // per signature (when shrinking: empty with shrink off)
};

PoolReport explore_in_workers(const PoolOptions& options);

// The `__worker` mode: serves commands on the inherited descriptors until told to exit.
[[noreturn]] void worker_main(const WorkerSetup& setup, const std::string& prog, long parent_pid);

// OMEGA_WATCHDOG_MS, default 10 000; 0 turns the watchdog off.
std::uint64_t watchdog_ms_from_env();

}  // namespace omega::cli
