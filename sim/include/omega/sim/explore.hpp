#pragma once
// Exploration: one scenario over a range of seeds, each (scenario, seed) an independent run.
// N worker threads take seeds in order (a simulation per thread at a time; fibers never migrate)
// and the report is assembled in seed order, so it does not depend on the number of workers.

#include <omega/sim/run.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace omega::sim {

struct Shard {
  std::uint64_t index = 0, count = 1;  // this shard explores seeds with (seed - first) % count == index
};

struct ExploreProgress {
  std::uint64_t done = 0, total = 0, failures = 0;
  double seconds = 0;
};

struct ExploreOptions {
  std::uint64_t first_seed = 0, end_seed = 1000;  // [first_seed, end_seed)
  std::string policy = "random";  // random | round-robin | fair-rr:Q | pct:D | portfolio
  std::uint64_t pct_steps = 0;    // PCT's k; 0: one round-robin calibration run measures it
  unsigned jobs = 1;
  std::uint64_t stop_after = 0;   // stop after this many failing schedules (seed order); 0: never
  Shard shard;
  bool check_determinism = false;  // re-run every failure and one passing schedule in twenty
  RunOptions base;                 // budgets, governance, stack size; policy and seed are per run
  std::function<void(const ExploreProgress&)> progress;  // called about every 200 ms
};

struct FailureSignature {
  std::string signature;  // outcome kind and message with numbers masked
  Outcome outcome = Outcome::pass;
  std::string message;    // of the first failing seed
  std::uint64_t first_seed = 0;
  std::string policy;     // the policy of the first failing seed ("pct:2", ...)
  std::uint64_t count = 0;
};

struct Nondeterminism {
  std::uint64_t seed = 0;
  std::string policy;
  std::string detail;  // the first differing event
};

struct ExploreReport {
  std::uint64_t schedules = 0, distinct_schedules = 0, failures = 0;
  std::vector<FailureSignature> signatures;  // in order of first seed
  std::vector<Nondeterminism> nondeterminism;
  std::uint64_t pct_steps = 0;  // k used (0 if no PCT)
  bool stopped_early = false;
  double seconds = 0;
};

ExploreReport explore(const ExploreOptions& options, const std::function<void()>& scenario);

// The policy a seed runs under: the spec itself, or for "portfolio" one of random, pct:1,
// pct:2, pct:3 and fair-rr spread over the seeds.
Policy policy_for_seed(const std::string& spec, std::uint64_t seed, std::uint64_t pct_steps);
bool spec_uses_pct(const std::string& spec);

// "assertion: check failed in fiber # (root) at step #: counter == # (got #)"
std::string failure_signature(Outcome outcome, const std::string& message);

// The seeds a shard explores, in order.
std::vector<std::uint64_t> shard_seeds(std::uint64_t first, std::uint64_t end, Shard shard);

}  // namespace omega::sim
