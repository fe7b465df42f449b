// explore --policy dfs:pb=N | dfs | rff: the searches whose runs depend on the runs before them,
// in this process: the bounded exhaustive search (one sequence of runs, no seeds to share out) and
// reads-from guided fuzzing (its corpus changes between epochs; workers would need it shipped).

#include "explore_command.hpp"
#include "log.hpp"

#include "cli_input.hpp"
#include "interrupt.hpp"
#include "report.hpp"

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
  no(a.junit.has_value(), "--junit", "not supported for it yet (explore with a sampling policy writes one)");
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
  bool skipped(const Scenario& s) {
    if (!stop_()) return false;
    std::printf("%s: not explored (stopped early)\n", s.name.c_str());
    return true;
  }

 private:
  InterruptGuard guard_;
  std::optional<Clock::time_point> deadline_;
  std::optional<std::filesystem::path> corpus_dir_;
  std::function<bool()> stop_;
  bool tty_ = false;
};

// Prints a found schedule's reproduce command (by choices: these searches' seeds do not reproduce
// alone), shrinks it unless --no-shrink, and saves it (shrunk) to the corpus.
void report_found(const Scenario& s, const std::vector<std::uint64_t>& choices, const sim::RunResult& r,
                  const ExploreArgs& a, const std::string& prog, const std::function<bool()>& stop,
                  const std::optional<std::filesystem::path>& corpus_dir) {
  std::printf("      reproduce: %s run --scenario %s --choices %s\n", prog.c_str(), shell_quote(s.name).c_str(),
              shell_quote(choices_with_digest(choices, r.ledger.hash())).c_str());
  std::vector<std::uint64_t> to_save = choices;
  if (!a.no_shrink && !stop()) {
    Shrunk sh = shrunk_report(s, choices, {a.max_runs, a.trace == "full", stop}, prog, "      ");
    std::fputs(sh.text.c_str(), stdout);
    if (!sh.minimal.empty()) to_save = std::move(sh.minimal);
  }
  if (corpus_dir) {
    sim::RunOptions saved;
    saved.policy = sim::vector_of(to_save);
    std::printf("      corpus: %s\n", save_to_corpus(*corpus_dir, s, saved).c_str());
  }
}

}  // namespace

int cmd_explore_dfs(const ExploreArgs& a, const std::string& prog) {
  sim::DfsOptions base = sim::parse_dfs(a.policy);
  reject_unsupported(a, false);
  const auto selected = selected_scenarios(a, prog);
  Session session(a);
  auto [deadline, corpus_dir, stop, tty] = session.parts();
  bool found = false;
  for (const Scenario* s : selected) {
    if (session.skipped(*s)) continue;
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
    const sim::DfsReport r = sim::explore_dfs(o, s->body);
    spdlog::info("explore {}: {} runs, {} schedules, {} redundant, complete {}", s->name, r.runs, r.schedules,
                 r.redundant, r.complete);
    if (!a.quiet && tty) std::fprintf(stderr, "\r\033[K");

    std::printf("%s: %s\n", s->name.c_str(), sim::describe_dfs(base).c_str());
    std::printf("  %llu schedules (%llu runs, %llu redundant), up to %llu decision points per run, %llu failures\n",
                static_cast<unsigned long long>(r.schedules), static_cast<unsigned long long>(r.runs),
                static_cast<unsigned long long>(r.redundant), static_cast<unsigned long long>(r.max_depth),
                static_cast<unsigned long long>(r.failures));
    std::printf("  data choices: enumerated where the domain is at most %llu (%llu decision points), fixed to the "
                "default 0 elsewhere (%llu)\n",
                static_cast<unsigned long long>(base.data_domain_max),
                static_cast<unsigned long long>(r.data_points_enumerated),
                static_cast<unsigned long long>(r.data_points_fixed));
    const std::string bound = base.preemption_bound ? fmt::format("pb={}", *base.preemption_bound) : "any number of preemptions";
    if (r.complete && r.failures == 0) {
      std::printf("  complete: no failure within %s%s\n", bound.c_str(),
                  r.data_points_fixed ? " (with the data choices above fixed)" : "");
    } else if (r.failures == 0) {
      const std::string why = stop_signal() ? "interrupted"
                              : (deadline && Clock::now() >= *deadline) ? fmt::format("time box reached (--max-time {})", a.max_time)  // lint: allow(wall-clock) time box only
                                                                         : fmt::format("--max-schedules {} reached", a.max_schedules);
      std::printf("  incomplete: %s; no failure in the %llu schedules run, which proves nothing about the rest\n",
                  why.c_str(), static_cast<unsigned long long>(r.schedules));
    }
    if (r.first_failure) {
      found = true;
      const sim::RunResult& f = *r.first_failure;
      std::printf("  [1] %s with %llu preemption%s: %s\n", std::string(sim::to_string(f.outcome)).c_str(),
                  static_cast<unsigned long long>(f.preemptions), f.preemptions == 1 ? "" : "s", f.message.c_str());
      report_found(*s, r.first_failure_choices, f, a, prog, stop, corpus_dir);
    }
    std::fflush(stdout);
  }
  if (stop_signal()) return 128 + stop_signal();
  return found ? kFound : kNothingFound;
}

int cmd_explore_rff(const ExploreArgs& a, const std::string& prog) {
  reject_unsupported(a, true);
  const auto selected = selected_scenarios(a, prog);
  const SeedRange range = seed_range(a.seeds);
  Session session(a);
  auto [deadline, corpus_dir, stop, tty] = session.parts();
  bool found = false;
  for (const Scenario* s : selected) {
    if (session.skipped(*s)) continue;
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
    const sim::RffReport r = sim::explore_rff(o, s->body);
    spdlog::info("explore {}: {} runs, {} reads-from pairs, corpus {}", s->name, r.runs, r.pairs, r.corpus);
    if (!a.quiet && tty) std::fprintf(stderr, "\r\033[K");
    std::printf("%s: %llu schedules (rff, seeds %llu..%llu, epochs of %llu), %llu reads-from pairs, %llu in corpus, "
                "%llu failures, %zu signatures\n",
                s->name.c_str(), static_cast<unsigned long long>(r.runs), static_cast<unsigned long long>(range.first),
                static_cast<unsigned long long>(range.last), static_cast<unsigned long long>(o.epoch),
                static_cast<unsigned long long>(r.pairs), static_cast<unsigned long long>(r.corpus),
                static_cast<unsigned long long>(r.failures), r.signatures.size());
    if (r.stopped_early)
      std::printf("  stopped after %llu failures (--stop-after)\n", static_cast<unsigned long long>(a.stop_after));
    if (r.interrupted) std::printf("  stopped early (interrupted or --max-time): %llu schedules run\n",
                                   static_cast<unsigned long long>(r.runs));
    for (std::size_t i = 0; i < r.signatures.size(); ++i) {
      found = true;
      const sim::RffSignature& sig = r.signatures[i];
      std::printf("  [%zu] %s x%llu, first at seed %llu (found by rff): %s\n", i + 1,
                  std::string(sim::to_string(sig.first.outcome)).c_str(), static_cast<unsigned long long>(sig.count),
                  static_cast<unsigned long long>(sig.first_seed), sig.first.message.c_str());
      // Not the seed: an rff seed's schedule depends on the corpus the earlier epochs built.
      report_found(*s, sig.choices, sig.first, a, prog, stop, corpus_dir);
    }
    std::fflush(stdout);
  }
  if (stop_signal()) return 128 + stop_signal();
  return found ? kFound : kNothingFound;
}

}  // namespace omega::cli
