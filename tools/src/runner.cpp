// The scenario runner's command line. CLI11 is slow to compile: it stays in this one file.

#include <omega/runner.hpp>
#include <omega/scenario.hpp>
#include <omega/sim/choice_text.hpp>
#include <omega/sim/errors.hpp>
#include <omega/shrink.hpp>
#include <omega/sim/explore.hpp>
#include <omega/sim/interleaving.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

namespace omega {

namespace {

constexpr int kFound = 1, kUsage = 2;

struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-:") ==
                        std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string reproduce_seed(const std::string& prog, const std::string& scenario, std::uint64_t seed,
                           const std::string& policy, std::uint64_t pct_steps) {
  std::string cmd = fmt::format("{} run --scenario {} --seed {} --policy {}", prog, shell_quote(scenario), seed, policy);
  if (policy.substr(0, 4) == "pct:") cmd += fmt::format(" --pct-steps {}", pct_steps);
  return cmd;
}

const Scenario& require_scenario(const std::string& name, const std::string& prog) {
  const Scenario* s = find_scenario(name);
  if (!s) throw Usage(fmt::format("unknown scenario '{}' ({} list shows them)", name, prog));
  return *s;
}

// "A<sep>B" with two unsigned numbers; nullopt on anything else.
std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_pair(const std::string& text, const std::string& sep) {
  const auto at = text.find(sep);
  if (at == std::string::npos || at == 0) return std::nullopt;
  try {
    std::size_t used = 0;
    const std::uint64_t a = std::stoull(text.substr(0, at), &used);
    if (used != at || text[0] == '-') return std::nullopt;
    const std::string rest = text.substr(at + sep.size());
    const std::uint64_t b = std::stoull(rest, &used);
    if (used != rest.size() || rest.empty() || rest[0] == '-') return std::nullopt;
    return std::pair{a, b};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::pair<std::uint64_t, std::uint64_t> parse_seed_range(const std::string& text) {
  const auto range = parse_pair(text, "..");
  if (!range || range->second < range->first)
    throw Usage(fmt::format("--seeds '{}' is not a range A..B with A <= B (both inclusive)", text));
  return *range;
}

sim::Shard parse_shard(const std::string& text) {
  const auto shard = parse_pair(text, "/");
  if (!shard || shard->second == 0 || shard->first >= shard->second)
    throw Usage(fmt::format("--shard '{}' is not I/N with 0 <= I < N", text));
  return {shard->first, shard->second};
}

std::uint64_t env_number(const char* name) {
  const char* v = std::getenv(name);
  try {
    std::size_t used = 0;
    const std::uint64_t n = std::stoull(v, &used);
    if (used != std::string(v).size()) throw std::invalid_argument("junk");
    return n;
  } catch (const std::exception&) {
    throw Usage(fmt::format("{}={} is not a number", name, v));
  }
}

// --shard wins; then GoogleTest/Bazel's variables; then a Kubernetes Indexed Job's index with
// the total from --shards.
sim::Shard resolve_shard(const std::string& flag, std::uint64_t shards_flag) {
  if (!flag.empty()) return parse_shard(flag);
  if (std::getenv("TEST_TOTAL_SHARDS") && std::getenv("TEST_SHARD_INDEX")) {
    const sim::Shard s{env_number("TEST_SHARD_INDEX"), env_number("TEST_TOTAL_SHARDS")};
    if (s.count == 0 || s.index >= s.count)
      throw Usage(fmt::format("TEST_SHARD_INDEX={} is not below TEST_TOTAL_SHARDS={}", s.index, s.count));
    if (const char* status = std::getenv("TEST_SHARD_STATUS_FILE")) std::ofstream(status, std::ios::app);
    return s;
  }
  if (std::getenv("JOB_COMPLETION_INDEX")) {
    if (shards_flag == 0) throw Usage("JOB_COMPLETION_INDEX is set: give the number of shards with --shards N");
    const sim::Shard s{env_number("JOB_COMPLETION_INDEX"), shards_flag};
    if (s.index >= s.count)
      throw Usage(fmt::format("JOB_COMPLETION_INDEX={} is not below --shards {}", s.index, s.count));
    return s;
  }
  return {};
}

// Shrinks a failing choice vector and prints the report: preemptions and decisions before and
// after, re-runs used, the reproduce command for the minimal vector, and its interleaving.
void print_shrunk(const Scenario& s, const std::vector<std::uint64_t>& failing, std::uint64_t max_runs,
                  bool trace_full, const std::string& prog, const std::string& indent) {
  prop::ShrinkOptions o;
  o.max_runs = max_runs;
  const prop::ShrinkResult r = prop::shrink(s.body, failing, o);
  std::printf("%sshrunk: preemptions %llu -> %llu, decisions %zu -> %zu, %llu re-runs%s\n", indent.c_str(),
              static_cast<unsigned long long>(r.original_run.preemptions),
              static_cast<unsigned long long>(r.minimal_run.preemptions), r.original.size(), r.minimal.size(),
              static_cast<unsigned long long>(r.runs),
              r.bound_reached ? fmt::format(" (bound of {} re-runs reached: may not be minimal)", max_runs).c_str() : "");
  std::printf("%sminimal: %s\n", indent.c_str(), r.minimal_run.message.c_str());
  std::printf("%sreproduce minimal: %s run --scenario %s --choices %s\n", indent.c_str(), prog.c_str(),
              shell_quote(s.name).c_str(), sim::encode_choices(r.minimal).c_str());
  auto print_table = [&](const std::string& title, const sim::Ledger& ledger) {
    std::printf("%s%s\n", indent.c_str(), title.c_str());
    const std::string table = sim::interleaving_table(ledger);
    std::size_t start = 0;
    while (start < table.size()) {
      const std::size_t end = table.find('\n', start);
      std::printf("%s  %s\n", indent.c_str(), table.substr(start, end - start).c_str());
      start = end == std::string::npos ? table.size() : end + 1;
    }
  };
  print_table("interleaving (shrunk):", r.minimal_run.ledger);
  if (trace_full) print_table("interleaving (as found):", r.original_run.ledger);
}

int cmd_list() {
  for (const auto& s : scenarios()) std::printf("%s\n", s.name.c_str());
  return 0;
}

struct RunArgs {
  std::string scenario, policy = "random", choices, trace = "short";
  std::uint64_t seed = 0, pct_steps = 0, max_runs = 2000;
  bool events = false;
};

int cmd_run(const RunArgs& a, const std::string& prog, bool shrink) {
  const Scenario& s = require_scenario(a.scenario, prog);
  sim::RunOptions o;
  std::string how, reproduce;
  if (!a.choices.empty()) {
    o.policy = sim::vector_of(sim::decode_choices(a.choices));
    how = "choices " + a.choices;
    reproduce = fmt::format("{} run --scenario {} --choices {}", prog, shell_quote(s.name), a.choices);
  } else {
    std::uint64_t k = a.pct_steps;
    if (sim::spec_uses_pct(a.policy) && k == 0) {
      sim::RunOptions calibration;
      k = std::max<std::uint64_t>(1, sim::run(calibration, s.body).steps);
    }
    if (a.policy == "portfolio") throw Usage("run takes one policy; portfolio is for explore");
    o.policy = sim::parse_policy(a.policy, k);
    o.seed = a.seed;
    how = fmt::format("seed {}, policy {}", a.seed, a.policy);
    reproduce = reproduce_seed(prog, s.name, a.seed, a.policy, k);
  }
  const sim::RunResult r = sim::run(o, s.body);
  if (shrink) {
    if (r.passed()) throw Usage(fmt::format("{} ({}) passes: nothing to shrink", s.name, how));
    std::printf("%s (%s): %s — %s\n", s.name.c_str(), how.c_str(), std::string(sim::to_string(r.outcome)).c_str(),
                r.message.c_str());
    print_shrunk(s, r.choices(), a.max_runs, a.trace == "full", prog, "  ");
    return kFound;
  }
  if (a.events)
    for (const auto& e : r.ledger.events()) std::printf("  %s\n", sim::describe(e).c_str());
  std::printf("%s (%s): %s%s%s\n", s.name.c_str(), how.c_str(), std::string(sim::to_string(r.outcome)).c_str(),
              r.passed() ? "" : " — ", r.message.c_str());
  std::printf("  steps %llu, decisions %llu, preemptions %llu, choices %s\n",
              static_cast<unsigned long long>(r.steps), static_cast<unsigned long long>(r.decisions),
              static_cast<unsigned long long>(r.preemptions), sim::encode_choices(r.choices()).c_str());
  if (!r.passed()) std::printf("  reproduce: %s\n", reproduce.c_str());
  return r.passed() ? 0 : kFound;
}

struct ExploreArgs {
  std::string scenario = "*", seeds = "0..999", policy = "random", shard, trace = "short";
  std::uint64_t pct_steps = 0, stop_after = 0, shards = 0, max_runs = 2000;
  unsigned jobs = 1;
  bool quiet = false, check_determinism = false, no_shrink = false;
};

int cmd_explore(const ExploreArgs& a, const std::string& prog) {
  const auto selected = match_scenarios(a.scenario);
  if (selected.empty()) throw Usage(fmt::format("no scenario matches '{}' ({} list shows them)", a.scenario, prog));
  const auto [first, last] = parse_seed_range(a.seeds);
  const sim::Shard shard = resolve_shard(a.shard, a.shards);
  if (a.jobs == 0 || a.jobs > 256) throw Usage("--jobs must be between 1 and 256");
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  bool found = false;
  for (const Scenario* s : selected) {
    sim::ExploreOptions o;
    o.first_seed = first;
    o.end_seed = last + 1;
    o.policy = a.policy;
    o.pct_steps = a.pct_steps;
    o.jobs = a.jobs;
    o.stop_after = a.stop_after;
    o.shard = shard;
    o.check_determinism = a.check_determinism;
    double last_line = 0;
    if (!a.quiet) {
      o.progress = [&](const sim::ExploreProgress& p) {
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
    const sim::ExploreReport r = sim::explore(o, s->body);
    if (!a.quiet && tty) std::fprintf(stderr, "\r\033[K");
    const std::string shard_text = shard.count > 1 ? fmt::format(", shard {}/{}", shard.index, shard.count) : "";
    std::printf("%s: %llu schedules (%s, seeds %llu..%llu%s%s), %llu distinct, %llu failures, %zu signatures, %.0f schedules/s\n",
                s->name.c_str(), static_cast<unsigned long long>(r.schedules), a.policy.c_str(),
                static_cast<unsigned long long>(first), static_cast<unsigned long long>(last), shard_text.c_str(),
                r.pct_steps ? fmt::format(", pct steps {}", r.pct_steps).c_str() : "",
                static_cast<unsigned long long>(r.distinct_schedules), static_cast<unsigned long long>(r.failures),
                r.signatures.size(), r.seconds > 0 ? static_cast<double>(r.schedules) / r.seconds : 0.0);
    if (r.stopped_early) std::printf("  stopped after %llu failures (--stop-after)\n", static_cast<unsigned long long>(a.stop_after));
    for (std::size_t i = 0; i < r.signatures.size(); ++i) {
      const auto& sig = r.signatures[i];
      std::printf("  [%zu] %s x%llu, first at seed %llu (found by %s): %s\n", i + 1,
                  std::string(sim::to_string(sig.outcome)).c_str(), static_cast<unsigned long long>(sig.count),
                  static_cast<unsigned long long>(sig.first_seed), sig.policy.c_str(), sig.message.c_str());
      std::printf("      reproduce: %s\n", reproduce_seed(prog, s->name, sig.first_seed, sig.policy, r.pct_steps).c_str());
      if (!a.no_shrink) {
        sim::RunOptions again;
        again.seed = sig.first_seed;
        again.policy = sim::policy_for_seed(a.policy, sig.first_seed, r.pct_steps);
        print_shrunk(*s, sim::run(again, s->body).choices(), a.max_runs, a.trace == "full", prog, "      ");
      }
    }
    for (const auto& n : r.nondeterminism)
      std::printf("  uncontrolled nondeterminism at seed %llu (%s): the same schedule gave a different ledger; %s\n",
                  static_cast<unsigned long long>(n.seed), n.policy.c_str(), n.detail.c_str());
    found = found || r.failures > 0 || !r.nondeterminism.empty();
  }
  return found ? kFound : 0;
}

}  // namespace

int run_main(int argc, char** argv) {
  const std::string prog = argc > 0 ? argv[0] : "omega-runner";
  CLI::App app{"Omega scenario runner: list, run and explore scenarios under the deterministic simulator.\n"
               "Exit status: 0 nothing found, 1 a failure or uncontrolled nondeterminism found, 2 bad usage."};
  app.require_subcommand(1);

  app.add_subcommand("list", "print the registered scenarios");

  // run and shrink select one schedule the same way: a seed and policy, or a choice vector.
  auto add_schedule_options = [](CLI::App* cmd, RunArgs& args) {
    cmd->add_option("--scenario", args.scenario, "scenario name (see list)")->required();
    auto* seed = cmd->add_option("--seed", args.seed, "seed of the policy (default 0)");
    auto* policy = cmd->add_option("--policy", args.policy, "random | round-robin | fair-rr:Q | pct:D (default random)");
    cmd->add_option("--pct-steps", args.pct_steps, "PCT's k (default: measured by one round-robin run)");
    cmd->add_option("--choices", args.choices, "a choice vector instead (as printed by run/explore)")
        ->excludes(seed)
        ->excludes(policy);
  };
  RunArgs run_args;
  auto* run = app.add_subcommand("run", "run one schedule of a scenario and print its outcome");
  add_schedule_options(run, run_args);
  run->add_flag("--events", run_args.events, "print the run's ledger events");

  RunArgs shrink_args;
  auto* shrink = app.add_subcommand("shrink", "shrink a failing schedule to the fewest preemptions and print it");
  add_schedule_options(shrink, shrink_args);
  shrink->add_option("--max-runs", shrink_args.max_runs, "bound on re-runs while shrinking (default 2000)");
  shrink->add_option("--trace", shrink_args.trace, "short: the shrunk interleaving; full: the original too")
      ->check(CLI::IsMember({"short", "full"}));

  ExploreArgs ex;
  auto* explore = app.add_subcommand("explore", "explore scenarios over a range of seeds");
  explore->add_option("--scenario", ex.scenario, "scenario name or glob pattern (default *)");
  explore->add_option("--seeds", ex.seeds, "seed range A..B, both inclusive (default 0..999)");
  explore->add_option("--policy", ex.policy, "random | round-robin | fair-rr:Q | pct:D | portfolio (default random)");
  explore->add_option("--pct-steps", ex.pct_steps, "PCT's k (default: measured by one round-robin run)");
  explore->add_option("--jobs", ex.jobs, "worker threads (default 1); results do not depend on it");
  explore->add_option("--stop-after", ex.stop_after, "stop after K failing schedules, in seed order");
  explore->add_option("--shard", ex.shard, "explore shard I/N of the range (or TEST_SHARD_INDEX/TEST_TOTAL_SHARDS)");
  explore->add_option("--shards", ex.shards, "number of shards N when JOB_COMPLETION_INDEX gives the index");
  explore->add_flag("--quiet", ex.quiet, "no progress line");
  explore->add_flag("--check-determinism", ex.check_determinism,
                    "re-run every failing and one in twenty passing schedules and compare ledgers");
  explore->add_flag("--no-shrink", ex.no_shrink, "report failures as found, without shrinking");
  explore->add_option("--max-runs", ex.max_runs, "bound on re-runs per shrink (default 2000)");
  explore->add_option("--trace", ex.trace, "short: shrunk interleavings; full: the unshrunk ones too")
      ->check(CLI::IsMember({"short", "full"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kUsage;
  }
  try {
    if (app.got_subcommand("list")) return cmd_list();
    if (run->parsed()) return cmd_run(run_args, prog, false);
    if (shrink->parsed()) return cmd_run(shrink_args, prog, true);
    return cmd_explore(ex, prog);
  } catch (const Usage& e) {
    std::fprintf(stderr, "%s: error: %s\n", prog.c_str(), e.what());
    return kUsage;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s: error: %s\n", prog.c_str(), e.what());
    return kUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", prog.c_str(), e.what());
    return kUsage;
  }
}

}  // namespace omega
