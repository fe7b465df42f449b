// `explore`: see explore_command.hpp. The exploration itself runs in worker processes
// (worker_pool.cpp) or threads (sim::explore); this file turns the report into the figures the
// report prints (results.hpp), the corpus and, with --critic, findings whose repairs are checked by
// exploring again with the repair imposed.

#include "explore_command.hpp"
#include "log.hpp"

#include "cli_input.hpp"
#include "critic_explore.hpp"
#include "interrupt.hpp"
#include "junit.hpp"
#include "report.hpp"
#include "results.hpp"
#include "worker.hpp"

#include <omega/corpus/ledger_file.hpp>
#include <omega/corpus/store.hpp>
#include <omega/scenario.hpp>
#include <omega/sim/dfs.hpp>
#include <omega/sim/explore.hpp>
#include <omega/sim/policies.hpp>

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define OMEGA_ON_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#else
#define OMEGA_ON_VALGRIND() false
#endif

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace omega::cli {

namespace {

// One exploration of one scenario: what to explore and how.
struct Plan {
  std::string prog, policy;
  SeedRange range;
  sim::Shard shard;
  std::uint64_t pct_steps = 0, stop_after = 0, max_runs = 0, watchdog_ms = 0;
  unsigned jobs = 1;
  bool in_workers = true, shrink = true, check_determinism = false, trace_full = false, critic = false;
  sim::RepairChecks checks;
  std::function<bool()> stop;
  std::function<void(const sim::ExploreProgress&)> progress;
  std::function<void(const sim::FailureSignature&, std::uint64_t)> on_signature;
};

struct Exploration {
  sim::ExploreReport report;
  std::vector<ShrinkOutcome> shrunk;  // in workers: per signature (in-process, shrinking happens later)
  CriticFold critic;
};

Exploration explore_one(const Scenario& s, const Plan& p) {
  Exploration out;
  const auto on_inspection = [&out](std::uint64_t seed, const std::string& inspection) {
    out.critic.fold(seed, inspection);
  };
  if (p.in_workers) {
    PoolOptions o;
    o.setup = {s.name, p.policy, p.range.first, p.range.last, p.pct_steps, p.max_runs, p.shard, p.check_determinism,
               p.trace_full, p.critic, p.checks};
    o.prog = p.prog;
    o.jobs = p.jobs;
    o.stop_after = p.stop_after;
    o.watchdog_ms = p.watchdog_ms;
    o.shrink = p.shrink;
    o.stop_requested = p.stop;
    o.progress = p.progress;
    o.on_signature = p.on_signature;
    o.on_inspection = on_inspection;
    PoolReport pr = explore_in_workers(o);
    out.report = std::move(pr.report);
    out.shrunk = std::move(pr.shrunk);
    return out;
  }
  RunInspector inspector(s.name);
  sim::ExploreOptions o;
  o.first_seed = p.range.first;
  o.last_seed = p.range.last;
  o.policy = p.policy;
  o.pct_steps = p.pct_steps;
  o.jobs = p.jobs;
  o.stop_after = p.stop_after;
  o.shard = p.shard;
  o.check_determinism = p.check_determinism;
  o.base.checks = p.checks;
  o.stop_requested = p.stop;
  o.progress = p.progress;
  o.on_signature = p.on_signature;
  if (p.critic) {
    o.inspect = [&inspector](const sim::RunResult& r, std::uint64_t seed, const sim::Policy& policy) {
      return inspector.inspect(r, seed, policy);
    };
    o.on_inspection = on_inspection;
  }
  out.report = sim::explore(o, s.body);
  return out;
}

std::string strip_kind(const std::string& target, std::string_view kind) {
  return target.rfind(kind, 0) == 0 ? target.substr(kind.size()) : target;
}

// The repairs explore can check: the scenario explored again with the repair imposed, over the
// first `check_seeds` seeds of the range (same policy), without shrinking or saving.
class RepairChecker {
 public:
  RepairChecker(const Scenario& s, const Plan& base, std::uint64_t seeds) : s_(s), base_(base) {
    base_.range.last = base_.range.first + std::min(seeds - 1, base.range.last - base.range.first);
    base_.shard = {};
    base_.stop_after = 0;
    base_.shrink = false;
    base_.check_determinism = false;
    base_.critic = false;
    base_.progress = nullptr;
    base_.on_signature = nullptr;
  }

  // A repair proposed by several findings (a deadlock and the lock-order cycle behind it) is
  // checked once.
  void check(critic::Finding& f) {
    for (auto& r : f.repairs) {
      if (base_.stop && base_.stop()) return;
      const auto key = std::make_pair(r.kind, r.targets);
      if (const auto it = checked_.find(key); it != checked_.end()) {
        r = it->second;
        continue;
      }
      if (r.kind == "impose_lock_order") lock_order(r);
      if (r.kind == "introduce_singleflight" || r.kind == "add_memo") dedupe(r);
      if (r.checked) checked_.emplace(key, r);
    }
  }

 private:
  struct Violations {
    std::uint64_t schedules = 0, count = 0;
    std::string first;  // "seed S: message"
  };

  Violations violations(const std::vector<std::string>& order) {
    Plan p = base_;
    for (const auto& m : order) p.checks.lock_order.push_back(strip_kind(m, "mutex "));
    const Exploration x = explore_one(s_, p);
    Violations v;
    v.schedules = x.report.schedules;
    for (const auto& sig : x.report.signatures) {
      if (sig.message.find("lock order violated") == std::string::npos) continue;
      v.count += sig.count;
      if (v.first.empty()) v.first = fmt::format("seed {}: {}", sig.first_seed, sig.message);
    }
    return v;
  }

  // The proposed order and its reverse: the one fewer schedules violate is proposed.
  void lock_order(critic::Repair& r) {
    std::vector<std::string> order = r.targets, reverse(r.targets.rbegin(), r.targets.rend());
    const Violations forward = violations(order), backward = violations(reverse);
    const bool flip = backward.count < forward.count;
    const Violations& v = flip ? backward : forward;
    if (flip) r.targets = reverse;
    r.checked = true;
    r.explanation = fmt::format("always take {}", fmt::join(r.targets, " before "));
    r.verdict = v.count == 0
                    ? fmt::format("enforced over {} schedules, none takes the locks against this order", v.schedules)
                    : fmt::format("enforced over {} schedules, {} take the locks against it (the code to change), "
                                  "first at {}",
                                  v.schedules, v.count, v.first);
  }

  void dedupe(critic::Repair& r) {
    Plan p = base_;
    p.critic = true;
    for (const auto& o : r.targets) p.checks.dedupe_oracles.push_back(strip_kind(o, "oracle "));
    const Exploration x = explore_one(s_, p);
    std::uint64_t still = 0;
    for (const auto& f : x.critic.findings(s_.name))
      if (f.finding.rule == "omega.duplicate-oracle" &&
          std::any_of(f.finding.repairs.begin(), f.finding.repairs.end(),
                      [&](const critic::Repair& other) { return other.targets == r.targets; }))
        ++still;
    r.checked = true;
    r.verdict = still == 0 ? fmt::format("with calls deduplicated by key over {} schedules the duplicate disappears "
                                         "({} failing)",
                                         x.report.schedules, x.report.failures)
                           : fmt::format("with calls deduplicated by key over {} schedules, duplicates remain",
                                         x.report.schedules);
  }

  const Scenario& s_;
  Plan base_;
  std::map<std::pair<std::string, std::vector<std::string>>, critic::Repair> checked_;  // (kind, targets as proposed)
};

// The critic's findings over an exploration: each with its first seed, its repairs checked where
// the simulator can, and its ledger saved to the corpus.
std::vector<CriticFigures> critic_figures(const Scenario& s, const Plan& plan, const ExploreArgs& a,
                                          const sim::ExploreReport& r, const CriticFold& fold,
                                          const std::optional<std::filesystem::path>& corpus_dir) {
  std::vector<CriticFigures> out;
  RepairChecker checker(s, plan, a.check_seeds);
  for (SeededFinding& f : fold.findings(s.name)) {
    checker.check(f.finding);
    CriticFigures c{f, reproduce_seed(plan.prog, s.name, f.seed, f.policy, r.pct_steps), std::nullopt};
    if (corpus_dir) {
      sim::RunOptions o;
      o.seed = f.seed;
      o.policy = sim::policy_for_seed(a.policy, f.seed, r.pct_steps);
      c.corpus = save_to_corpus(*corpus_dir, s, o, true);
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

int cmd_explore(const ExploreArgs& a, const std::string& prog) {
  if (spdlog::should_log(spdlog::level::info)) {
    std::string names;
    for (const Scenario* s : match_scenarios(a.scenario)) names += (names.empty() ? "" : ", ") + s->name;
    spdlog::info("explore: '{}' selects {}; policy {}", a.scenario, names.empty() ? "no scenario" : names, a.policy);
  }
  if (sim::is_dfs(a.policy)) return cmd_explore_dfs(a, prog);
  if (a.dfs_option_given)
    throw InputError(fmt::format("--max-schedules and --data-domain-max are for --policy dfs or dfs:pb=N, not {}",
                                 a.policy));
  if (a.policy == "rff") return cmd_explore_rff(a, prog);
  const auto selected = match_scenarios(a.scenario);
  if (selected.empty())
    throw InputError(fmt::format("no scenario matches '{}' ({} list shows them)", a.scenario, prog));
  const SeedRange range = seed_range(a.seeds);
  const sim::Shard shard = resolve_shard(a.shard, a.shards);
  (void)sim::policy_for_seed(a.policy, 0, 1);  // a bad policy is bad input, before anything runs
  if (a.check_seeds == 0) throw InputError("--check-seeds must be at least 1");
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> deadline;
  if (!a.max_time.empty()) deadline = Clock::now() + std::chrono::milliseconds(duration_ms("--max-time", a.max_time));  // lint: allow(wall-clock) time box only

  // Worker processes isolate crashes and hangs; in-process threads for debugging, and under
  // valgrind, which would not follow the spawned workers.
  const bool in_workers = !a.no_fork && !OMEGA_ON_VALGRIND();
  (void)sim::RunOptions{};  // reads and checks every OMEGA_* variable here, not in each worker
  if (!a.no_fork && !in_workers)
    std::fprintf(stderr, "%s: running under valgrind: exploring in this process with threads (workers would "
                         "escape valgrind); a crash or hang ends the exploration\n", prog.c_str());
  std::optional<std::filesystem::path> corpus_dir;
  if (!a.no_save) corpus_dir = corpus::corpus_dir(a.corpus);
  InterruptGuard guard;
  const auto stop = [&] { return stop_signal() != 0 || (deadline && Clock::now() >= *deadline); };  // lint: allow(wall-clock) time box only
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  ExploreOutput out(explore_context(a, prog, range, shard));
  bool found = false;
  std::vector<std::string> skipped;
  std::vector<JunitSuite> junit_suites;  // --junit: a test suite per scenario
  for (const Scenario* s : selected) {
    if (stop()) {
      skipped.push_back(s->name);
      continue;
    }
    double last_line = 0;
    Plan plan;
    plan.prog = prog;
    plan.policy = a.policy;
    plan.range = range;
    plan.shard = shard;
    plan.pct_steps = a.pct_steps;
    plan.stop_after = a.stop_after;
    plan.max_runs = a.max_runs;
    plan.watchdog_ms = watchdog_ms_from_env();
    plan.jobs = static_cast<unsigned>(a.jobs);
    plan.in_workers = in_workers;
    plan.shrink = !a.no_shrink;
    plan.check_determinism = a.check_determinism;
    plan.trace_full = a.trace == "full";
    plan.critic = a.critic;
    plan.stop = stop;
    if (!a.quiet) {
      plan.progress = [&](const sim::ExploreProgress& p) {
        const double rate = p.seconds > 0 ? static_cast<double>(p.done) / p.seconds : 0;
        const double eta = rate > 0 ? static_cast<double>(p.total - p.done) / rate : 0;
        const std::string line = fmt::format("explore {}: {}/{} schedules, {:.0f}/s, {} failures, ETA {:.1f}s",
                                             s->name, p.done, p.total, rate, p.failures, eta);
        if (tty) {
          std::fprintf(stderr, "\r%s\033[K", line.c_str());
        } else if (p.seconds - last_line >= 5.0) {
          last_line = p.seconds;
          std::fprintf(stderr, "%s\n", line.c_str());
        }
      };
    }
    // Each new signature goes to the corpus the moment it is folded in (in seed order).
    std::vector<CorpusSaved> saved;
    if (corpus_dir)
      plan.on_signature = [&](const sim::FailureSignature& sig, std::uint64_t k) {
        if (sig.outcome == sim::Outcome::crash || sig.outcome == sim::Outcome::hang) {
          saved.push_back(not_saved("a crash or hang has no ledger to save (its process died)"));
          return;
        }
        sim::RunOptions o;
        o.seed = sig.first_seed;
        o.policy = sim::policy_for_seed(a.policy, sig.first_seed, k);
        saved.push_back(save_to_corpus(*corpus_dir, *s, o));
      };
    spdlog::debug("explore {}: seeds {}..{}, {} {}", s->name, range.first, range.last, plan.jobs,
                  in_workers ? "worker processes" : "threads");
    Exploration x = explore_one(*s, plan);
    const sim::ExploreReport& r = x.report;
    if (r.pct_steps)
      spdlog::info("explore {}: PCT's k = {} steps{}", s->name, r.pct_steps,
                   a.pct_steps ? " (--pct-steps)" : " (the longest of one round-robin and 8 random runs)");
    spdlog::info("explore {}: {} schedules, {} failures, {} signatures", s->name, r.schedules, r.failures,
                 r.signatures.size());
    if (!a.quiet && tty) std::fprintf(stderr, "\r\033[K");
    ExploreFigures fig;
    fig.scenario = s->name;
    const sim::ShardSeeds seeds(range.first, range.last, shard);
    fig.seeds_total = seeds.size_saturated();
    if (r.interrupted) {
      fig.interrupted = stop_signal() == SIGINT    ? "interrupted (SIGINT)"
                        : stop_signal() == SIGTERM ? "interrupted (SIGTERM)"
                                                   : fmt::format("time box reached (--max-time {})", a.max_time);
      if (r.schedules) fig.up_to_seed = seeds[r.schedules - 1];
    }
    for (std::size_t i = 0; i < r.signatures.size(); ++i) {
      const auto& sig = r.signatures[i];
      FailureFigures f;
      f.outcome = sig.outcome;
      f.signature = sig.signature;
      f.message = sig.message;
      f.found_by = sig.policy;
      f.count = sig.count;
      f.first_seed = sig.first_seed;
      f.reproduce = reproduce_seed(prog, s->name, sig.first_seed, sig.policy, r.pct_steps);
      if (!a.no_shrink) {
        if (in_workers) {
          f.shrink = std::move(x.shrunk[i]);
        } else if (stop()) {
          f.shrink = ShrinkOutcome{std::nullopt, "stopped early"};
        } else {
          sim::RunOptions again;
          again.seed = sig.first_seed;
          again.policy = sim::policy_for_seed(a.policy, sig.first_seed, r.pct_steps);
          f.shrink = ShrinkOutcome{
              shrink_failure(*s, sim::run(again, s->body).choices(), {a.max_runs, a.trace == "full", stop}, prog), ""};
        }
      }
      if (corpus_dir && i < saved.size()) {
        if (f.shrink && f.shrink->figures && !saved[i].path.empty()) {
          sim::RunOptions o;
          o.policy = sim::vector_of(f.shrink->figures->minimal);
          saved[i] = save_to_corpus(*corpus_dir, *s, o);  // the shrunk case replaces the one found
        }
        f.corpus = saved[i];
      }
      fig.failures.push_back(std::move(f));
    }
    found = found || r.failures > 0 || !r.nondeterminism.empty();
    if (a.critic) {
      fig.critic = critic_figures(*s, plan, a, r, x.critic, corpus_dir);
      found = found || !fig.critic->empty();
    }
    fig.report = std::move(x.report);
    junit_suites.push_back(explore_junit_suite(fig, out.context()));
    out.add(fig);  // each scenario's report is out before the next one starts
  }
  if (!skipped.empty()) {
    std::string names;
    for (const auto& n : skipped) names += (names.empty() ? "" : ", ") + n;
    if (!out.json()) std::printf("not explored (stopped early): %s\n", names.c_str());
    for (const auto& n : skipped) {
      out.not_explored(n);
      junit_suites.push_back(not_explored_suite(n));
    }
  }
  if (a.junit) {
    write_junit(*a.junit, junit_suites);
    spdlog::info("explore: JUnit report written to {}", *a.junit);
  }
  return out.finish(stop_signal() ? 128 + stop_signal() : found ? kFound : kNothingFound);
}

}  // namespace omega::cli
