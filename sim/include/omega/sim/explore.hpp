#pragma once
// Exploration: one scenario over a range of seeds, each (scenario, seed) an independent run.
// N worker threads take seeds in order (a simulation per thread at a time; fibers never migrate)
// in windows of a few thousand seeds; each window is folded into the report in seed order, so the
// report does not depend on the number of workers, and memory does not grow with the range: the
// report keeps per-signature results, never per-seed ones.

#include <omega/sim/distinct.hpp>
#include <omega/sim/run.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace omega::sim {

struct Shard {
  std::uint64_t index = 0, count = 1;  // this shard explores seeds with (seed - first) % count == index
};

// The seeds one shard explores out of [first, last] (both inclusive; last may be 2^64-1), in
// order, computed rather than stored: the i-th is first + index + i * count.
class ShardSeeds {
 public:
  ShardSeeds(std::uint64_t first, std::uint64_t last, Shard shard);  // UsageError on a bad shard or range
  bool empty() const noexcept { return empty_; }
  std::uint64_t last_index() const noexcept { return last_index_; }  // meaningful unless empty()
  std::uint64_t operator[](std::uint64_t i) const noexcept { return start_ + i * step_; }
  std::uint64_t size_saturated() const noexcept;  // the number of seeds, at most 2^64-1

 private:
  std::uint64_t start_ = 0, step_ = 1, last_index_ = 0;
  bool empty_ = true;
};

struct ExploreProgress {
  std::uint64_t done = 0, total = 0, failures = 0;
  double seconds = 0;
};

struct FailureSignature {
  std::string signature;  // outcome kind and message with numbers that are values masked (not digits in names)
  Outcome outcome = Outcome::pass;
  std::string message;    // of the first failing seed
  std::uint64_t first_seed = 0;
  std::string policy;     // the policy of the first failing seed ("pct:2", ...)
  std::uint64_t count = 0;
};

struct ExploreOptions {
  std::uint64_t first_seed = 0, last_seed = 999;  // both inclusive
  std::string policy = "random";  // random | round-robin | fair-rr:Q | pct:D | pos | portfolio
  std::uint64_t pct_steps = 0;    // PCT's k; 0: one round-robin calibration run measures it
  unsigned jobs = 1;
  std::uint64_t stop_after = 0;   // stop after this many failing schedules (seed order); 0: never
  Shard shard;
  bool check_determinism = false;  // re-run every failure and one passing schedule in twenty
  RunOptions base;                 // budgets, governance, stack size; policy and seed are per run
  std::function<void(const ExploreProgress&)> progress;  // called about every 200 ms
  // Polled before each run (from worker threads): true stops the exploration cleanly; the runs in
  // flight finish and everything run so far is reported (ExploreReport::interrupted).
  std::function<bool()> stop_requested;
  // Called once per new failure signature, the moment it is folded in (seed order), with the
  // PCT k in use: the runner saves the case to its corpus then, so nothing found is lost even if
  // the process is killed later. Not from inside a run.
  std::function<void(const FailureSignature&, std::uint64_t pct_steps)> on_signature;
  // Analysis of every run where it ran (a worker thread; must be thread-safe), e.g. the critic:
  // returns what to keep of it ("" for nothing), handed to on_inspection in seed order.
  std::function<std::string(const RunResult&, std::uint64_t seed, const Policy&)> inspect;
  std::function<void(std::uint64_t seed, const std::string& inspection)> on_inspection;
};


struct Nondeterminism {
  std::uint64_t seed = 0;
  std::string policy;
  std::string detail;  // the first differing event
};

struct ExploreReport {
  std::uint64_t schedules = 0, distinct_schedules = 0, failures = 0;
  bool distinct_approximate = false;  // past 65 536 distinct ledgers the count is a HyperLogLog estimate
  std::vector<FailureSignature> signatures;  // in order of first seed, at most kMaxSignatures
  std::uint64_t signatures_dropped = 0;      // failures whose new signature found the list full
  std::vector<Nondeterminism> nondeterminism;  // at most kMaxNondeterminism, in seed order
  std::uint64_t nondeterminism_dropped = 0;
  std::uint64_t pct_steps = 0;  // k used (0 if no PCT)
  bool stopped_early = false;   // --stop-after cut the range
  bool interrupted = false;     // stop_requested ended it: not every seed of the range ran
  double seconds = 0;

  static constexpr std::size_t kMaxSignatures = 1000, kMaxNondeterminism = 100;
};

ExploreReport explore(const ExploreOptions& options, const std::function<void()>& scenario);

// One schedule's result as exploration keeps it until it is folded into the report.
struct SeedOutcome {
  Outcome outcome = Outcome::pass;
  std::uint64_t ledger_hash = 0;  // Ledger::fingerprint(): distinct schedules, determinism check
  std::string message;         // failures only
  std::string nondeterminism;  // empty unless the re-run differed
  std::string inspection;      // ExploreOptions::inspect's result
};

// Folds seed results into a report, in seed order: counts, distinct schedules, signatures (the
// first seed of each, capped), nondeterminism (capped). Every explorer (threads here, worker
// processes in the runner) folds through this one, so their reports agree.
class ReportBuilder {
 public:
  ReportBuilder(const ExploreOptions& options, std::uint64_t pct_steps, ExploreReport& report);
  // Returns false when --stop-after's cut is reached at this seed.
  bool fold(const SeedOutcome& r, std::uint64_t seed);
  void finish();  // sets the distinct count

 private:
  std::string policy_name(std::uint64_t seed) const;

  const ExploreOptions& options_;
  std::uint64_t pct_steps_;
  ExploreReport& report_;
  DistinctCounter distinct_;
  std::map<std::string, std::size_t> by_signature_;
};

// The policy a seed runs under: the spec itself, or for "portfolio" one of pos, pct:1, pct:2,
// pct:3, random and fair-rr by seed % 12 (two seeds each; pos's two adjacent, a mirrored pair).
Policy policy_for_seed(const std::string& spec, std::uint64_t seed, std::uint64_t pct_steps);
bool spec_uses_pct(const std::string& spec);

// PCT's k: the longest run (in scheduling steps) of one round-robin run and kPctCalibrationRuns
// random ones. One round-robin run alone can fail early (a queue-shaped program at step 14 of 87)
// and give a k so short that change points never land late, losing PCT's guarantee.
constexpr std::uint64_t kPctCalibrationRuns = 8;
std::uint64_t calibrate_pct_steps(const RunOptions& base, const std::function<void()>& scenario);

// The first event at which two ledgers differ, for the uncontrolled-nondeterminism report.
std::string first_difference(const Ledger& a, const Ledger& b);

// "assertion: check failed in fiber # (root) at step #: counter == # (got #)"
// Leaves out the notes on fibers abandoned in teardown (kTeardownNote onwards).
std::string failure_signature(Outcome outcome, const std::string& message);

}  // namespace omega::sim
