#include <omega/sim/errors.hpp>
#include <omega/sim/explore.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace omega::sim {

namespace {

struct SeedResult {
  bool done = false;
  Outcome outcome = Outcome::pass;
  std::uint64_t ledger_hash = 0;
  std::string message;       // failures only
  std::string nondeterminism;  // empty unless the re-run differed
};

// The first event at which two ledgers differ, for the uncontrolled-nondeterminism report.
std::string first_difference(const Ledger& a, const Ledger& b) {
  const auto ea = a.events(), eb = b.events();
  for (std::size_t i = 0; i < std::max(ea.size(), eb.size()); ++i) {
    const std::string da = i < ea.size() ? describe(ea[i]) : std::string("(end of ledger)");
    const std::string db = i < eb.size() ? describe(eb[i]) : std::string("(end of ledger)");
    if (da != db) return fmt::format("event {}: first run: {}; re-run: {}", i, da, db);
  }
  return "ledgers differ in bytes only";
}

// Progress and rate are the only wall-clock uses; they never reach a run.
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();  // lint: allow(wall-clock) progress only
}

}  // namespace

bool spec_uses_pct(const std::string& spec) { return spec == "portfolio" || spec.substr(0, 4) == "pct:"; }

Policy policy_for_seed(const std::string& spec, std::uint64_t seed, std::uint64_t pct_steps) {
  if (spec != "portfolio") return parse_policy(spec, pct_steps);
  switch (seed % 5) {
    case 0: return random_policy();
    case 1: return pct(1, pct_steps);
    case 2: return pct(2, pct_steps);
    case 3: return pct(3, pct_steps);
    default: return fair_rr(static_cast<std::uint32_t>(2 + (seed / 5) % 3));  // quanta 2..4
  }
}

std::string failure_signature(Outcome outcome, const std::string& message) {
  std::string masked;
  for (std::size_t i = 0; i < message.size();) {
    if (message[i] >= '0' && message[i] <= '9') {
      masked += '#';
      while (i < message.size() && message[i] >= '0' && message[i] <= '9') ++i;
    } else {
      masked += message[i++];
    }
  }
  return fmt::format("{}: {}", to_string(outcome), masked);
}

std::vector<std::uint64_t> shard_seeds(std::uint64_t first, std::uint64_t end, Shard shard) {
  if (shard.count == 0 || shard.index >= shard.count)
    throw UsageError(fmt::format("bad shard {}/{}: the index must be below the count", shard.index, shard.count));
  std::vector<std::uint64_t> seeds;
  for (std::uint64_t s = first + shard.index; s < end; s += shard.count) {
    seeds.push_back(s);
    if (end - s <= shard.count) break;  // no overflow past the end
  }
  return seeds;
}

ExploreReport explore(const ExploreOptions& options, const std::function<void()>& scenario) {
  const auto t0 = std::chrono::steady_clock::now();  // lint: allow(wall-clock) rate only
  if (options.end_seed < options.first_seed)
    throw UsageError(fmt::format("bad seed range {}..{}", options.first_seed, options.end_seed));
  ExploreReport report;
  const std::vector<std::uint64_t> seeds = shard_seeds(options.first_seed, options.end_seed, options.shard);

  std::uint64_t pct_steps = options.pct_steps;
  if (spec_uses_pct(options.policy) && pct_steps == 0) {
    RunOptions calibration = options.base;
    calibration.policy = round_robin();
    calibration.seed = 0;
    pct_steps = std::max<std::uint64_t>(1, run(calibration, scenario).steps);
  }
  if (spec_uses_pct(options.policy)) report.pct_steps = pct_steps;
  (void)policy_for_seed(options.policy, 0, pct_steps);  // reject a bad spec before any thread starts

  std::vector<SeedResult> results(seeds.size());
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> done{0}, failures{0};
  std::exception_ptr worker_error;
  std::mutex error_mutex;

  auto worker = [&] {
    try {
      for (;;) {
        if (options.stop_after && failures.load() >= options.stop_after) return;
        const std::size_t i = next.fetch_add(1);
        if (i >= seeds.size()) return;
        RunOptions o = options.base;
        o.seed = seeds[i];
        o.policy = policy_for_seed(options.policy, seeds[i], pct_steps);
        RunResult r = run(o, scenario);
        SeedResult& out = results[i];
        out.outcome = r.outcome;
        out.ledger_hash = r.ledger.hash();
        if (!r.passed()) {
          out.message = r.message;
          failures.fetch_add(1);
        }
        if (options.check_determinism && (!r.passed() || i % 20 == 0)) {
          RunResult again = run(o, scenario);
          if (again.ledger.bytes() != r.ledger.bytes()) out.nondeterminism = first_difference(r.ledger, again.ledger);
        }
        out.done = true;
        done.fetch_add(1);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!worker_error) worker_error = std::current_exception();
      next.store(seeds.size());
    }
  };

  // With a progress callback every worker gets a thread and this one reports; otherwise this
  // thread is one of the workers.
  const unsigned jobs = std::max(1u, options.jobs);
  std::atomic<unsigned> finished{0};
  auto counted_worker = [&] {
    worker();
    finished.fetch_add(1);
  };
  std::vector<std::thread> threads;
  for (unsigned j = options.progress ? 0 : 1; j < jobs; ++j) threads.emplace_back(counted_worker);
  if (options.progress) {
    double last_report = 0;
    while (finished.load() < jobs) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      const double now = seconds_since(t0);
      if (now - last_report >= 0.2) {
        last_report = now;
        options.progress(ExploreProgress{done.load(), seeds.size(), failures.load(), now});
      }
    }
  } else {
    worker();
  }
  for (auto& t : threads) t.join();
  if (worker_error) std::rethrow_exception(worker_error);

  // Assemble in seed order; with stop_after, cut at the stop_after-th failing seed, so the
  // report does not depend on how far the workers had run past it.
  std::size_t limit = seeds.size();
  if (options.stop_after) {
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < seeds.size(); ++i) {
      if (results[i].done && results[i].outcome != Outcome::pass && ++seen == options.stop_after) {
        limit = i + 1;
        report.stopped_early = limit < seeds.size();
        break;
      }
    }
  }
  std::set<std::uint64_t> distinct;
  std::map<std::string, std::size_t> by_signature;
  for (std::size_t i = 0; i < limit; ++i) {
    const SeedResult& r = results[i];
    if (!r.done) continue;
    ++report.schedules;
    distinct.insert(r.ledger_hash);
    const std::string policy = describe(policy_for_seed(options.policy, seeds[i], pct_steps));
    if (!r.nondeterminism.empty()) report.nondeterminism.push_back({seeds[i], policy, r.nondeterminism});
    if (r.outcome == Outcome::pass) continue;
    ++report.failures;
    const std::string sig = failure_signature(r.outcome, r.message);
    auto [it, fresh] = by_signature.emplace(sig, report.signatures.size());
    if (fresh) report.signatures.push_back({sig, r.outcome, r.message, seeds[i], policy, 0});
    ++report.signatures[it->second].count;
  }
  report.distinct_schedules = distinct.size();
  report.seconds = seconds_since(t0);
  if (options.progress)
    options.progress(ExploreProgress{report.schedules, seeds.size(), report.failures, report.seconds});
  return report;
}

}  // namespace omega::sim
