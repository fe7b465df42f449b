#include <omega/sim/errors.hpp>
#include <omega/sim/explore.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <map>
#include <limits>
#include <mutex>
#include <thread>

namespace omega::sim {

namespace {

// Progress and rate are the only wall-clock uses; they never reach a run.
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();  // lint: allow(wall-clock) progress only
}

}  // namespace

std::string first_difference(const Ledger& a, const Ledger& b) {
  const auto ea = a.events(), eb = b.events();
  for (std::size_t i = 0; i < std::max(ea.size(), eb.size()); ++i) {
    const std::string da = i < ea.size() ? describe(ea[i]) : std::string("(end of ledger)");
    const std::string db = i < eb.size() ? describe(eb[i]) : std::string("(end of ledger)");
    if (da != db) return fmt::format("event {}: first run: {}; re-run: {}", i, da, db);
  }
  return "ledgers differ in bytes only";
}

bool spec_uses_pct(const std::string& spec) { return spec == "portfolio" || spec.substr(0, 4) == "pct:"; }

std::uint64_t calibrate_pct_steps(const RunOptions& base, const std::function<void()>& scenario) {
  std::uint64_t longest = 1;
  RunOptions o = base;
  o.policy = round_robin();
  o.seed = 0;
  longest = std::max(longest, run(o, scenario).steps);
  o.policy = random_policy();
  for (std::uint64_t seed = 0; seed < kPctCalibrationRuns; ++seed) {
    o.seed = seed;
    longest = std::max(longest, run(o, scenario).steps);
  }
  return longest;
}

Policy policy_for_seed(const std::string& spec, std::uint64_t seed, std::uint64_t pct_steps) {
  if (spec != "portfolio") return parse_policy(spec, pct_steps);
  // Each policy gets 2 seeds of every 12. pos takes the first two, adjacent: pos pairs an even seed
  // with the odd one after it (its mirror), and the pair must be one of pos's own runs.
  const std::uint64_t cycle = seed / 12;
  switch (seed % 12) {
    case 0:
    case 1: return pos_policy();
    case 2:
    case 7: return pct(1, pct_steps);
    case 3:
    case 8: return pct(2, pct_steps);
    case 4:
    case 9: return pct(3, pct_steps);
    case 5:
    case 10: return random_policy();
    default: return fair_rr(static_cast<std::uint32_t>(2 + (2 * cycle + (seed % 12 == 11)) % 3));  // quanta 2..4
  }
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || is_digit(c);
}

// A digit run inside a name ("m1", "worker-2", "stage_3") is part of the name; elsewhere it is a
// value (a step, a fiber id, a count, an auto-named object's id "mutex#3").
bool in_name(std::string_view s, std::size_t i) {
  if (i == 0) return false;
  const char p = s[i - 1];
  if (is_name_char(p)) return true;
  return (p == '-' || p == '.') && i >= 2 && is_name_char(s[i - 2]) && !is_digit(s[i - 2]);
}

}  // namespace

std::string failure_signature(Outcome outcome, const std::string& full_message) {
  // Notes on fibers abandoned in teardown (run.cpp) describe where the run happened to leave the
  // others, not the failure: one bug would get a signature per place, and a shrunk schedule would
  // have to leave a fiber parked in the same destructor to count as the same failure.
  const std::string_view message(full_message.data(), std::min(full_message.size(), full_message.find(kTeardownNote)));
  std::string masked;
  for (std::size_t i = 0; i < message.size();) {
    if (is_digit(message[i]) && in_name(message, i)) {
      while (i < message.size() && is_name_char(message[i])) masked += message[i++];
    } else if (is_digit(message[i])) {
      masked += '#';
      while (i < message.size() && message[i] >= '0' && message[i] <= '9') ++i;
    } else {
      masked += message[i++];
    }
  }
  return fmt::format("{}: {}", to_string(outcome), masked);
}

ShardSeeds::ShardSeeds(std::uint64_t first, std::uint64_t last, Shard shard) {
  if (shard.count == 0 || shard.index >= shard.count)
    throw UsageError(fmt::format("bad shard {}/{}: the index must be below the count", shard.index, shard.count));
  if (last < first) throw UsageError(fmt::format("bad seed range {}..{}: the first seed is after the last", first, last));
  step_ = shard.count;
  empty_ = last - first < shard.index;
  if (empty_) return;
  start_ = first + shard.index;
  last_index_ = (last - start_) / step_;
}

std::uint64_t ShardSeeds::size_saturated() const noexcept {
  if (empty_) return 0;
  return last_index_ == std::numeric_limits<std::uint64_t>::max() ? last_index_ : last_index_ + 1;
}

ReportBuilder::ReportBuilder(const ExploreOptions& options, std::uint64_t pct_steps, ExploreReport& report)
    : options_(options), pct_steps_(pct_steps), report_(report) {}

bool ReportBuilder::fold(const SeedOutcome& r, std::uint64_t seed) {
  ++report_.schedules;
  distinct_.add(r.ledger_hash);
  if (!r.nondeterminism.empty()) {
    if (report_.nondeterminism.size() < ExploreReport::kMaxNondeterminism)
      report_.nondeterminism.push_back({seed, policy_name(seed), r.nondeterminism});
    else
      ++report_.nondeterminism_dropped;
  }
  if (!r.inspection.empty() && options_.on_inspection) options_.on_inspection(seed, r.inspection);
  if (r.outcome == Outcome::pass) return true;
  ++report_.failures;
  std::string sig = failure_signature(r.outcome, r.message);
  auto it = by_signature_.find(sig);
  if (it != by_signature_.end()) {
    ++report_.signatures[it->second].count;
  } else if (report_.signatures.size() < ExploreReport::kMaxSignatures) {
    by_signature_.emplace(sig, report_.signatures.size());
    report_.signatures.push_back({std::move(sig), r.outcome, r.message, seed, policy_name(seed), 1});
    if (options_.on_signature) options_.on_signature(report_.signatures.back(), pct_steps_);
  } else {
    ++report_.signatures_dropped;
  }
  return !(options_.stop_after && report_.failures >= options_.stop_after);
}

void ReportBuilder::finish() {
  report_.distinct_schedules = distinct_.count();
  report_.distinct_approximate = distinct_.approximate();
}

std::string ReportBuilder::policy_name(std::uint64_t seed) const {
  return describe(policy_for_seed(options_.policy, seed, pct_steps_));
}

namespace {

constexpr std::uint64_t kWindow = 4096;  // seeds per window: results held at once

}  // namespace

ExploreReport explore(const ExploreOptions& options, const std::function<void()>& scenario) {
  const auto t0 = std::chrono::steady_clock::now();  // lint: allow(wall-clock) rate only
  ExploreReport report;
  const ShardSeeds seeds(options.first_seed, options.last_seed, options.shard);

  std::uint64_t pct_steps = options.pct_steps;
  if (spec_uses_pct(options.policy) && pct_steps == 0) {
    pct_steps = calibrate_pct_steps(options.base, scenario);
  }
  if (spec_uses_pct(options.policy)) report.pct_steps = pct_steps;
  (void)policy_for_seed(options.policy, 0, pct_steps);  // reject a bad spec before any thread starts
  if (seeds.empty()) return report;

  ReportBuilder builder(options, pct_steps, report);
  std::vector<SeedOutcome> slots(static_cast<std::size_t>(std::min(kWindow, seeds.size_saturated())));
  std::uint64_t window_base = 0;  // index of the window's first seed; changed only between windows
  std::uint64_t window_len = slots.size();
  bool finished = false;
  std::atomic<std::uint64_t> next{0}, done{0}, failures{0};
  std::atomic<bool> halt{false}, stop_seen{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto fail_with = [&](std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (!error) error = e;
    halt.store(true);
  };

  // Runs once per window while every worker waits: folds the window's runs (a prefix: workers
  // claim seeds in order and finish what they claim) and sets up the next window.
  auto end_window = [&]() noexcept {
    try {
      const std::uint64_t claimed = std::min(next.load(), window_len);
      for (std::uint64_t j = 0; j < claimed && !finished; ++j) {
        if (!builder.fold(slots[j], seeds[window_base + j])) {
          finished = true;
          report.stopped_early = window_base + j < seeds.last_index();
        }
      }
      for (std::uint64_t j = 0; j < claimed; ++j) slots[j] = SeedOutcome{};
      if (finished) return;
      const bool range_done = seeds.last_index() - window_base < window_len;
      if (claimed < window_len || range_done || halt.load()) {
        finished = true;
        report.interrupted = stop_seen.load() && !(range_done && claimed == window_len);
        return;
      }
      window_base += window_len;
      window_len = std::min<std::uint64_t>(kWindow, seeds.last_index() - window_base + 1);
      next.store(0);
    } catch (...) {
      finished = true;
      fail_with(std::current_exception());
    }
  };

  const unsigned jobs = std::max(1u, options.jobs);
  std::barrier sync(static_cast<std::ptrdiff_t>(jobs), end_window);
  auto run_window = [&] {
    const RunBatch batch;  // one signal-handler check per window, not per run
    for (;;) {
      if (halt.load(std::memory_order_relaxed)) return;
      if (options.stop_requested && options.stop_requested()) {
        stop_seen.store(true);
        halt.store(true);
        return;
      }
      if (options.stop_after && failures.load(std::memory_order_relaxed) >= options.stop_after) return;
      const std::uint64_t j = next.fetch_add(1);
      if (j >= window_len) return;
      const std::uint64_t i = window_base + j;
      RunOptions o = options.base;
      o.seed = seeds[i];
      o.policy = policy_for_seed(options.policy, o.seed, pct_steps);
      RunResult r = run(o, scenario);
      SeedOutcome& out = slots[j];
      out.outcome = r.outcome;
      out.ledger_hash = r.ledger.fingerprint();
      if (!r.passed()) {
        out.message = r.message;
        failures.fetch_add(1);
      }
      if (options.inspect) out.inspection = options.inspect(r, o.seed, o.policy);
      if (options.check_determinism && (!r.passed() || i % 20 == 0)) {
        RunResult again = run(o, scenario);
        if (again.ledger.bytes() != r.ledger.bytes()) out.nondeterminism = first_difference(r.ledger, again.ledger);
      }
      done.fetch_add(1);
    }
  };
  auto worker = [&] {
    for (;;) {
      try {
        run_window();
      } catch (...) {
        fail_with(std::current_exception());
      }
      sync.arrive_and_wait();
      if (finished) return;
    }
  };

  // With a progress callback every worker gets a thread and this one reports; otherwise this
  // thread is one of the workers.
  std::atomic<unsigned> exited{0};
  std::vector<std::thread> threads;
  for (unsigned j = options.progress ? 0 : 1; j < jobs; ++j)
    threads.emplace_back([&] {
      worker();
      exited.fetch_add(1);
    });
  if (options.progress) {
    double last_report = 0;
    while (exited.load() < jobs) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      const double now = seconds_since(t0);
      if (now - last_report >= 0.2) {
        last_report = now;
        options.progress(ExploreProgress{done.load(), seeds.size_saturated(), failures.load(), now});
      }
    }
  } else {
    worker();
  }
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);

  builder.finish();
  report.seconds = seconds_since(t0);
  if (options.progress)
    options.progress(ExploreProgress{report.schedules, seeds.size_saturated(), report.failures, report.seconds});
  return report;
}

}  // namespace omega::sim
