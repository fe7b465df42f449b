// explore --policy dfs:pb=N | dfs: the bounded exhaustive search over each selected scenario, in
// this process (one search is one sequence of runs: it has no seeds to share out among workers).

#include "explore_command.hpp"

#include "cli_input.hpp"
#include "interrupt.hpp"
#include "report.hpp"

#include <omega/corpus/store.hpp>
#include <omega/scenario.hpp>
#include <omega/sim/choice_text.hpp>
#include <omega/sim/dfs.hpp>
#include <omega/sim/errors.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace omega::cli {

namespace {

void reject_unsupported(const ExploreArgs& a) {
  auto no = [&](bool given, const char* what, const char* why) {
    if (given) throw InputError(fmt::format("--policy {} does not take {}: {}", a.policy, what, why));
  };
  no(a.seeds_given, "--seeds", "it explores every schedule within its bound, not a seed range");
  no(a.shard_given, "--shard", "one search cannot be split into shards");
  no(a.jobs_given && a.jobs > 1, "--jobs above 1", "the search runs its schedules one after another in this process");
  no(a.critic, "--critic", "run the critic over its failures with `critic` on the corpus files it saves");
  no(a.check_determinism, "--check-determinism", "every run replays the last one's prefix and checks it is the same");
  const sim::Shard env_shard = resolve_shard("", 0);
  if (env_shard.count > 1)
    throw InputError(fmt::format("--policy {} cannot run as shard {}/{} (set by the environment): one search cannot "
                                 "be split into shards", a.policy, env_shard.index, env_shard.count));
}

}  // namespace

int cmd_explore_dfs(const ExploreArgs& a, const std::string& prog) {
  sim::DfsOptions base = sim::parse_dfs(a.policy);
  reject_unsupported(a);
  const auto selected = match_scenarios(a.scenario);
  if (selected.empty())
    throw InputError(fmt::format("no scenario matches '{}' ({} list shows them)", a.scenario, prog));
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> deadline;
  if (!a.max_time.empty()) deadline = Clock::now() + std::chrono::milliseconds(duration_ms("--max-time", a.max_time));  // lint: allow(wall-clock) time box only
  std::optional<std::filesystem::path> corpus_dir;
  if (!a.no_save) corpus_dir = corpus::corpus_dir(a.corpus);
  InterruptGuard guard;
  const auto stop = [&] { return stop_signal() != 0 || (deadline && Clock::now() >= *deadline); };  // lint: allow(wall-clock) time box only
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  bool found = false;
  for (const Scenario* s : selected) {
    if (stop()) {
      std::printf("%s: not explored (stopped early)\n", s->name.c_str());
      continue;
    }
    sim::DfsOptions o = base;
    o.max_schedules = a.max_schedules;
    o.stop_at_first_failure = a.stop_after <= 1;
    o.stop_requested = stop;
    std::uint64_t failures_seen = 0;
    if (a.stop_after > 1)
      o.on_schedule = [&](const sim::RunResult& r) {
        if (!r.passed() && ++failures_seen >= a.stop_after) o.max_schedules = 0;  // ends the search after this run
      };
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
      std::printf("      reproduce: %s run --scenario %s --choices %s\n", prog.c_str(), shell_quote(s->name).c_str(),
                  shell_quote(choices_with_digest(r.first_failure_choices, f.ledger.hash())).c_str());
      std::vector<std::uint64_t> to_save = r.first_failure_choices;
      if (!a.no_shrink && !stop()) {
        Shrunk sh = shrunk_report(*s, r.first_failure_choices, {a.max_runs, a.trace == "full", stop}, prog, "      ");
        std::fputs(sh.text.c_str(), stdout);
        if (!sh.minimal.empty()) to_save = std::move(sh.minimal);
      }
      if (corpus_dir) {
        sim::RunOptions saved;
        saved.policy = sim::vector_of(to_save);
        std::printf("      corpus: %s\n", save_to_corpus(*corpus_dir, *s, saved).c_str());
      }
    }
    std::fflush(stdout);
  }
  if (stop_signal()) return 128 + stop_signal();
  return found ? kFound : kNothingFound;
}

}  // namespace omega::cli
