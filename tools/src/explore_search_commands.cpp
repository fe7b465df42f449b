// explore --policy dfs:pb=N | dfs | rff: the searches whose runs depend on the runs before them,
// in this process: the bounded exhaustive search (one sequence of runs, no seeds to share out) and
// reads-from guided fuzzing (its corpus changes between epochs; workers would need it shipped).

#include "explore_command.hpp"
#include "log.hpp"

#include "cli_input.hpp"
#include "interrupt.hpp"
#include "junit.hpp"
#include "report.hpp"
#include "results.hpp"

#include <omega/corpus/store.hpp>
#include <omega/scenario.hpp>
#include <omega/sim/choice_text.hpp>
#include <omega/sim/dfs.hpp>
#include <omega/sim/errors.hpp>
#include <omega/sim/explore.hpp>
#include <omega/sim/rff.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <cstdio>
#include <optional>
#include <tuple>
#include <string>
#include <vector>

namespace omega::cli {

namespace {

void reject_unsupported(const ExploreArgs& a, bool takes_seeds) {
  auto no = [&](bool given, const char* what, const char* why) {
    if (given) throw InputError(fmt::format("--policy {} does not take {}: {}", a.policy, what, why));
  };
  if (!takes_seeds) no(a.seeds_given, "--seeds", "it explores every schedule within its bound, not a seed range");
  no(a.shard_given, "--shard", "one search cannot be split into shards");
  no(a.jobs_given && a.jobs > 1, "--jobs above 1", "its runs depend on the runs before them: one after another in this process");
  no(a.critic, "--critic", "run the critic over its failures with `critic` on the corpus files it saves");
  no(a.check_determinism, "--check-determinism",
     takes_seeds ? "not supported for it yet" : "every run replays the last one's prefix and checks it is the same");
  const sim::Shard env_shard = resolve_shard("", 0);
  if (env_shard.count > 1)
    throw InputError(fmt::format("--policy {} cannot run as shard {}/{} (set by the environment): one search cannot "
                                 "be split into shards", a.policy, env_shard.index, env_shard.count));
}

std::vector<const Scenario*> selected_scenarios(const ExploreArgs& a, const std::string& prog) {
  auto selected = match_scenarios(a.scenario);
  if (selected.empty())
    throw InputError(fmt::format("no scenario matches '{}' ({} list shows them)", a.scenario, prog));
  return selected;
}

using Clock = std::chrono::steady_clock;

// What both commands set up: the --max-time deadline, the corpus, Ctrl-C handling, the stop test.
class Session {
 public:
  explicit Session(const ExploreArgs& a) {
    if (!a.max_time.empty()) deadline_ = Clock::now() + std::chrono::milliseconds(duration_ms("--max-time", a.max_time));  // lint: allow(wall-clock) time box only
    if (!a.no_save) corpus_dir_ = corpus::corpus_dir(a.corpus);
    stop_ = [this] { return stop_signal() != 0 || (deadline_ && Clock::now() >= *deadline_); };  // lint: allow(wall-clock) time box only
    tty_ = ::isatty(STDERR_FILENO) == 1;
  }
  auto parts() { return std::tie(deadline_, corpus_dir_, stop_, tty_); }
  // After a stop (Ctrl-C, --max-time) the scenarios left are named, not explored.
  bool skipped(const Scenario& s, ExploreOutput& out) {
    if (!stop_()) return false;
    if (out.json()) out.not_explored(s.name);
    else std::printf("%s: not explored (stopped early)\n", s.name.c_str());
    junit_.push_back(not_explored_suite(s.name));
    return true;
  }
  // --junit: a test suite per scenario, written when the command ends (interrupted or not).
  void add_suite(JunitSuite suite) { junit_.push_back(std::move(suite)); }
  void write_junit_report(const std::optional<std::string>& path) const {
    if (!path) return;
    write_junit(*path, junit_);
    spdlog::info("explore: JUnit report written to {}", *path);
  }

 private:
  InterruptGuard guard_;
  std::optional<Clock::time_point> deadline_;
  std::optional<std::filesystem::path> corpus_dir_;
  std::function<bool()> stop_;
  bool tty_ = false;
  std::vector<JunitSuite> junit_;
};

// A found schedule: its reproduce command (by choices: these searches' seeds do not reproduce
// alone), shrunk unless --no-shrink, and saved (shrunk) to the corpus.
FailureFigures found_failure(const Scenario& s, const std::vector<std::uint64_t>& choices, const sim::RunResult& r,
                             const ExploreArgs& a, const std::string& prog, const std::function<bool()>& stop,
                             const std::optional<std::filesystem::path>& corpus_dir) {
  FailureFigures f;
  f.outcome = r.outcome;
  f.message = r.message;
  f.signature = sim::failure_signature(r.outcome, r.message);
  f.found_by = a.policy;
  f.preemptions = r.preemptions;
  f.choices = choices_with_digest(choices, r.ledger.hash());
  f.reproduce = fmt::format("{} run --scenario {} --choices {}", prog, shell_quote(s.name), shell_quote(f.choices));
  std::vector<std::uint64_t> to_save = choices;
  if (!a.no_shrink) {
    if (stop()) {
      f.shrink = ShrinkOutcome{std::nullopt, "stopped early"};
    } else {
      f.shrink = ShrinkOutcome{shrink_failure(s, choices, {a.max_runs, a.trace == "full", stop}, prog), ""};
      if (!f.shrink->figures->minimal.empty()) to_save = f.shrink->figures->minimal;
    }
  }
  if (corpus_dir) {
    sim::RunOptions saved;
    saved.policy = sim::vector_of(to_save);
    f.corpus = save_to_corpus(*corpus_dir, s, saved);
  }
  return f;
}

}  // namespace

int cmd_explore_dfs(const ExploreArgs& a, const std::string& prog) {
  sim::DfsOptions base = sim::parse_dfs(a.policy);
  base.data_domain_max = a.data_domain_max;
  reject_unsupported(a, false);
  const auto selected = selected_scenarios(a, prog);
  Session session(a);
  auto [deadline, corpus_dir, stop, tty] = session.parts();
  ExploreContext context = explore_context(a, prog, {}, {});
  context.seeded = false;
  ExploreOutput out(context);
  bool found = false;
  for (const Scenario* s : selected) {
    if (session.skipped(*s, out)) continue;
    sim::DfsOptions o = base;
    o.max_schedules = a.max_schedules;
    o.stop_after = std::max<std::uint64_t>(1, a.stop_after);  // like Loom: the first failure, unless asked
    o.stop_requested = stop;
    double last_line = 0;
    const auto started = Clock::now();  // lint: allow(wall-clock) progress line only
    if (!a.quiet)
      o.progress = [&](std::uint64_t runs) {
        const double seconds = std::chrono::duration<double>(Clock::now() - started).count();  // lint: allow(wall-clock) progress line only
        if (runs % 256 != 0) return;
        const std::string line = fmt::format("explore {}: {} runs, {:.0f}/s", s->name, runs, runs / std::max(seconds, 1e-9));
        if (tty) {
          std::fprintf(stderr, "\r%s\033[K", line.c_str());
        } else if (seconds - last_line >= 5.0) {
          last_line = seconds;
          std::fprintf(stderr, "%s\n", line.c_str());
        }
      };
    DfsFigures fig{s->name, sim::describe_dfs(base), base, sim::explore_dfs(o, s->body), "", std::nullopt};
    const sim::DfsReport& r = fig.report;
    spdlog::info("explore {}: {} runs, {} schedules, {} redundant, complete {}", s->name, r.runs, r.schedules,
                 r.redundant, r.complete);
    if (!a.quiet && tty) std::fprintf(stderr, "\r\033[K");
    if (!r.complete && r.failures == 0)
      fig.incomplete = stop_signal() ? "interrupted"
                       : (deadline && Clock::now() >= *deadline) ? fmt::format("time box reached (--max-time {})", a.max_time)  // lint: allow(wall-clock) time box only
                                                                  : fmt::format("--max-schedules {} reached", a.max_schedules);
    if (r.first_failure) {
      found = true;
      fig.failure = found_failure(*s, r.first_failure_choices, *r.first_failure, a, prog, stop, corpus_dir);
    }
    session.add_suite(dfs_junit_suite(fig));
    out.add(fig);
  }
  session.write_junit_report(a.junit);
  return out.finish(stop_signal() ? 128 + stop_signal() : found ? kFound : kNothingFound);
}

int cmd_explore_rff(const ExploreArgs& a, const std::string& prog) {
  reject_unsupported(a, true);
  const auto selected = selected_scenarios(a, prog);
  const SeedRange range = seed_range(a.seeds);
  Session session(a);
  auto [deadline, corpus_dir, stop, tty] = session.parts();
  ExploreOutput out(explore_context(a, prog, range, {}));
  bool found = false;
  for (const Scenario* s : selected) {
    if (session.skipped(*s, out)) continue;
    sim::RffOptions o;
    o.first_seed = range.first;
    o.last_seed = range.last;
    o.stop_after = a.stop_after;
    o.stop_requested = stop;
    const std::uint64_t total = range.last - range.first + 1;  // 0 for the whole 2^64 range
    if (!a.quiet && tty)
      o.progress = [&](std::uint64_t runs, std::uint64_t failures) {
        if (runs % 256 == 0)
          std::fprintf(stderr, "\rexplore %s: %llu/%llu schedules, %llu failures\033[K", s->name.c_str(),
                       static_cast<unsigned long long>(runs), static_cast<unsigned long long>(total),
                       static_cast<unsigned long long>(failures));
      };
    RffFigures fig{s->name, o.epoch, sim::explore_rff(o, s->body), {}};
    const sim::RffReport& r = fig.report;
    spdlog::info("explore {}: {} runs, {} reads-from pairs, corpus {}", s->name, r.runs, r.pairs, r.corpus);
    if (!a.quiet && tty) std::fprintf(stderr, "\r\033[K");
    for (const sim::RffSignature& sig : r.signatures) {
      found = true;
      // Not the seed: an rff seed's schedule depends on the corpus the earlier epochs built.
      FailureFigures f = found_failure(*s, sig.choices, sig.first, a, prog, stop, corpus_dir);
      f.signature = sig.signature;
      f.found_by = "rff";
      f.count = sig.count;
      f.first_seed = sig.first_seed;
      fig.failures.push_back(std::move(f));
    }
    session.add_suite(rff_junit_suite(fig, out.context()));
    out.add(fig);
  }
  session.write_junit_report(a.junit);
  return out.finish(stop_signal() ? 128 + stop_signal() : found ? kFound : kNothingFound);
}

}  // namespace omega::cli
