// The scenario runner's command line. CLI11 is slow to compile: it stays in this one file.

#include <omega/runner.hpp>
#include <omega/scenario.hpp>
#include <omega/sim/choice_text.hpp>
#include <omega/sim/interleaving.hpp>
#include <omega/sim/errors.hpp>
#include <omega/sim/explore.hpp>

#include "cli_input.hpp"
#include "interrupt.hpp"
#include "ledger_commands.hpp"
#include "critic_command.hpp"
#include "explore_command.hpp"
#include "log.hpp"
#include "replay.hpp"
#include "run_command.hpp"
#include "trace_out.hpp"

#include <omega/corpus/store.hpp>
#include "report.hpp"
#include "results.hpp"
#include "worker.hpp"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define OMEGA_ON_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#else
#define OMEGA_ON_VALGRIND() false
#endif

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <thread>

namespace omega {

namespace {

// The exit status convention, the same for every subcommand.
using cli::kFound;
using cli::kNothingFound;
constexpr int kUsage = 2, kInternal = 3;
constexpr char kExitStatus[] =
    "Exit status: 0 nothing found; 1 a failure found (including nondeterminism); 2 bad usage or bad input;\n"
    "3 internal error of the harness; 130 / 143 interrupted by SIGINT / SIGTERM (what was found is printed).\n";
constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();

using cli::InputError;

// CLI11 would accept "-1" for an unsigned option and wrap it; this checks the text first.
CLI::Validator whole_number(std::uint64_t min, std::uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        const auto v = cli::decimal(text);
        if (v && *v >= min && *v <= max) return {};
        return fmt::format("'{}' is not a whole number in {}..{}", text.size() > 40 ? text.substr(0, 37) + "..." : text,
                           min, max);
      },
      fmt::format("UINT in {}..{}", min, max));
}

int cmd_list() {
  for (const auto& s : scenarios()) std::printf("%s\n", s.name.c_str());
  return kNothingFound;
}

}  // namespace

int run_main(int argc, char** argv) {
  const std::string prog = argc > 0 ? argv[0] : "omega-runner";
  CLI::App app{"Omega scenario runner: list, run, shrink and explore scenarios under the deterministic simulator; "
               "save, show, replay and criticise their ledgers."};
  app.footer(kExitStatus);
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("omega ") + OMEGA_VERSION);
  std::string log_level;
  app.add_option("--log-level", log_level,
                 "diagnostics on stderr: trace, debug, info, warn (default, or OMEGA_LOG_LEVEL), error, off");
  app.fallthrough();  // --log-level also after the subcommand

  app.add_subcommand("list", "print the registered scenarios")->footer(kExitStatus);

  // run and shrink select one schedule the same way: a seed and policy, or a choice vector.
  auto add_schedule_options = [](CLI::App* cmd, cli::RunArgs& args) {
    cmd->footer(kExitStatus);
    cmd->add_option("--scenario", args.scenario, "scenario name (see list)")->required();
    auto* seed = cmd->add_option("--seed", args.seed, "seed of the policy (default 0)")->check(whole_number(0, kU64Max));
    auto* policy = cmd->add_option("--policy", args.policy, "random | round-robin | fair-rr:Q | pct:D | pos (default random)");
    cmd->add_option("--pct-steps", args.pct_steps, "PCT's k (default: the longest of one round-robin and 8 random runs)")
        ->check(whole_number(1, kU64Max));
    cmd->add_option("--choices", args.choices, "a choice vector instead (as printed by run/explore; '~0' is empty)")
        ->excludes(seed)
        ->excludes(policy);
  };
  cli::RunArgs run_args;
  auto* run = app.add_subcommand("run", "run one schedule of a scenario and print its outcome");
  add_schedule_options(run, run_args);
  run->add_flag("--events", run_args.events, "print the run's ledger events");
  run->add_flag("--trace", run_args.table, "print the run's interleaving table (one column per fiber)");
  run->add_option("--save", run_args.save, "write the run's ledger file (zstd; read it with show and stats)");
  run->add_option("--format", run_args.format,
                  "text (default) or json: one JSON object with the same figures (with --events and --trace too)")
      ->check(CLI::IsMember({"text", "json"}));
  run->add_option("--junit", run_args.junit,
                  "also write a JUnit XML report to FILE: one test case, failing with the reproduce command and "
                  "interleaving (replaced if it exists)");
  run->add_option("--trace-out", run_args.trace_out,
                  "also write the run to FILE in the Chrome trace-event format (JSON), for https://ui.perfetto.dev "
                  "or chrome://tracing: a track per fiber, 1 us per step (replaced if it exists)");

  std::string show_file, show_format = "text";
  auto* show = app.add_subcommand("show", "print a ledger file's header and events, names resolved");
  show->footer(kExitStatus);
  show->add_option("FILE", show_file, "a ledger file (.omega)")->required();
  show->add_option("--format", show_format, "text (default) or json (JSON Lines: the header, then one object per event)")
      ->check(CLI::IsMember({"text", "json"}));

  std::vector<std::string> stats_paths;
  std::string stats_format = "text";
  auto* stats = app.add_subcommand("stats", "events per kind, decisions, bytes per decision and compression of ledger files");
  stats->footer(kExitStatus);
  stats->add_option("PATH", stats_paths, "ledger files or folders of them")->required();
  stats->add_option("--format", stats_format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));

  cli::RunArgs shrink_args;
  auto* shrink = app.add_subcommand("shrink", "shrink a failing schedule to the fewest preemptions and print it");
  add_schedule_options(shrink, shrink_args);
  shrink->add_option("--max-runs", shrink_args.max_runs, "bound on re-runs while shrinking (default: 40 per decision of the failing run, at least 2000)")
      ->check(whole_number(1, 1'000'000'000));
  shrink->add_option("--trace", shrink_args.trace, "short: the shrunk interleaving; full: the original too")
      ->check(CLI::IsMember({"short", "full"}));
  shrink->add_option("--format", shrink_args.format, "text (default) or json: one JSON object with the same figures")
      ->check(CLI::IsMember({"text", "json"}));

  cli::ExploreArgs ex;
  auto* explore = app.add_subcommand("explore", "explore scenarios over a range of seeds");
  explore->footer(kExitStatus);
  explore->add_option("--scenario", ex.scenario, "scenario name or glob pattern (default *)");
  explore->add_option("--seeds", ex.seeds, "seed range A..B, both inclusive, up to 18446744073709551615 (default 0..999)");
  explore->add_option("--policy", ex.policy,
                      "random | round-robin | fair-rr:Q | pct:D | pos | portfolio (default random); rff (reads-from guided "
                      "fuzzing, in this process); or the exhaustive dfs:pb=N (all schedules with at most N preemptions, with BPOR) | "
                      "dfs (unbounded, with DPOR)");
  explore->add_option("--max-schedules", ex.max_schedules, "dfs: stop, incomplete, after this many runs (default 1000000)")
      ->check(whole_number(1, kU64Max));
  explore->add_option("--data-domain-max", ex.data_domain_max,
                      "dfs: enumerate the data choices (oracle faults and latency, omega::random) whose domain is at most "
                      "N (default 4); larger ones stay at their default, 0")
      ->check(whole_number(1, kU64Max));
  explore->add_option("--pct-steps", ex.pct_steps, "PCT's k (default: the longest of one round-robin and 8 random runs)")
      ->check(whole_number(1, kU64Max));
  explore->add_option("--jobs", ex.jobs,
                      "worker processes (default: the hardware threads); results do not depend on it")
      ->check(whole_number(1, 256));
  explore->add_flag("--no-fork", ex.no_fork,
                    "run in this process with threads (for a debugger; a crash or hang then ends the exploration)");
  explore->add_option("--stop-after", ex.stop_after, "stop after K failing schedules, in seed order")
      ->check(whole_number(1, kU64Max));
  explore->add_option("--max-time", ex.max_time,
                      "time box for the whole command (500ms, 90s, 10m, 2h): stops cleanly, says how many seeds it "
                      "covered, exits 0 or 1 by what it found");
  explore->add_option("--shard", ex.shard, "explore shard I/N of the range (or TEST_SHARD_INDEX/TEST_TOTAL_SHARDS)");
  explore->add_option("--shards", ex.shards, "number of shards N when JOB_COMPLETION_INDEX gives the index")
      ->check(whole_number(1, kU64Max));
  explore->add_flag("--quiet", ex.quiet, "no progress line");
  explore->add_option("--format", ex.format,
                      "text (default) or json: one JSON document on stdout once every scenario is explored (the "
                      "progress line stays on stderr)")
      ->check(CLI::IsMember({"text", "json"}));
  explore->add_flag("--check-determinism", ex.check_determinism,
                    "re-run every failing and one in twenty passing schedules and compare ledgers");
  explore->add_flag("--no-shrink", ex.no_shrink, "report failures as found, without shrinking");
  explore->add_option("--corpus", ex.corpus,
                      "save each failure signature's case here, shrunk once shrinking is done (default: OMEGA_CORPUS, "
                      "else ./omega-corpus)");
  explore->add_flag("--no-save", ex.no_save, "do not save failures to a corpus");
  explore->add_option("--junit", ex.junit,
                      "also write a JUnit XML report to FILE: a test suite per scenario, a failing test case per "
                      "failure signature with its reproduce command and interleaving (replaced if it exists)");
  explore->add_flag("--critic", ex.critic,
                    "run the critic over every explored ledger (passing ones too): lock-order cycles, data races, "
                    "duplicate oracle calls, livelocks, starvation; repairs checked by exploring again with them imposed");
  explore->add_option("--check-seeds", ex.check_seeds, "schedules explored per checked repair (default 200)")
      ->check(whole_number(1, 1'000'000));
  explore->add_option("--max-runs", ex.max_runs, "bound on re-runs per shrink (default: 40 per decision of the failing run, at least 2000)")
      ->check(whole_number(1, 1'000'000'000));
  explore->add_option("--trace", ex.trace, "short: shrunk interleavings; full: the unshrunk ones too")
      ->check(CLI::IsMember({"short", "full"}));

  cli::ReplayArgs replay_args;
  auto* replay = app.add_subcommand("replay", "replay corpus cases (files or folders) and check each one's expectation");
  replay->footer(kExitStatus);
  replay->add_option("PATH", replay_args.paths, "ledger files or corpus folders")->required();
  replay->add_option("--junit", replay_args.junit, "also write a JUnit XML report to FILE (replaced if it exists)");
  std::string follow;
  replay->add_option("--follow", follow,
                     "fibers: for a case whose schedule moved, also follow the recording by fiber identity (name and "
                     "spawn path) and say how many decisions still matched and whether the failure reproduces")
      ->check(CLI::IsMember({"fibers"}));

  std::vector<std::string> critic_paths;
  std::string critic_format = "text";
  auto* critic_cmd = app.add_subcommand(
      "critic", "findings from ledger files: deadlocks, lock-order cycles, duplicate oracle calls, data races");
  critic_cmd->footer(kExitStatus);
  critic_cmd->add_option("PATH", critic_paths, "ledger files or corpus folders")->required();
  critic_cmd->add_option("--format", critic_format, "text (default), json, or sarif (SARIF 2.1.0, for code scanning)")
      ->check(CLI::IsMember({"text", "json", "sarif"}));

  std::string expect_value;
  std::vector<std::string> expect_files;
  auto* corpus_cmd = app.add_subcommand("corpus", "manage corpus cases");
  corpus_cmd->footer(kExitStatus);
  corpus_cmd->require_subcommand(1);
  auto* expect = corpus_cmd->add_subcommand("expect", "set what replaying the cases must show: fails or passes");
  expect->add_option("EXPECTATION", expect_value, "fails (a known bug, must reproduce) or passes (fixed, must pass)")
      ->required()
      ->check(CLI::IsMember({"fails", "passes"}));
  expect->add_option("FILE", expect_files, "corpus case files")->required();

  // The worker mode of explore's worker processes (not for users: no help text).
  cli::WorkerSetup worker_setup;
  std::string worker_seeds, worker_shard;
  long worker_parent = 0;
  auto* worker = app.add_subcommand("__worker", "")->group("");
  worker->add_option("--scenario", worker_setup.scenario)->required();
  worker->add_option("--policy", worker_setup.policy);
  worker->add_option("--pct-steps", worker_setup.pct_steps);
  worker->add_option("--seeds", worker_seeds)->required();
  worker->add_option("--shard", worker_shard)->required();
  worker->add_option("--max-runs", worker_setup.max_runs);
  worker->add_option("--parent", worker_parent)->required();
  worker->add_flag("--check-determinism", worker_setup.check_determinism);
  worker->add_flag("--trace-full", worker_setup.trace_full);
  worker->add_flag("--critic", worker_setup.critic);
  worker->add_option("--lock-order", worker_setup.checks.lock_order);
  worker->add_option("--dedupe-oracle", worker_setup.checks.dedupe_oracles);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::fprintf(stderr, "%s: error: %s (--help shows the usage)\n", prog.c_str(), e.what());
    return kUsage;
  }
  int status = kInternal;
  try {
    cli::setup_logging(log_level);
    if (worker->parsed()) {
      const cli::SeedRange range = cli::seed_range(worker_seeds);
      worker_setup.first_seed = range.first;
      worker_setup.last_seed = range.last;
      worker_setup.shard = cli::shard(worker_shard);
      cli::worker_main(worker_setup, prog, worker_parent);
    }
    if (app.got_subcommand("list")) status = cmd_list();
    else if (run->parsed()) status = cli::cmd_run(run_args, prog, false);
    else if (shrink->parsed()) status = cli::cmd_run(shrink_args, prog, true);
    else if (show->parsed()) status = cli::cmd_show(show_file, show_format);
    else if (replay->parsed()) {
      replay_args.follow_fibers = follow == "fibers";
      status = cli::cmd_replay(replay_args);
    }
    else if (critic_cmd->parsed()) status = cli::cmd_critic(critic_paths, critic_format);
    else if (expect->parsed()) status = cli::cmd_expect(expect_value, expect_files);
    else if (stats->parsed()) status = cli::cmd_stats(stats_paths, stats_format);
    else {
      ex.seeds_given = explore->count("--seeds") > 0;
      ex.shard_given = explore->count("--shard") > 0 || explore->count("--shards") > 0;
      ex.jobs_given = explore->count("--jobs") > 0;
      ex.dfs_option_given = explore->count("--max-schedules") > 0 || explore->count("--data-domain-max") > 0;
      status = cli::cmd_explore(ex, prog);
    }
  } catch (const InputError& e) {
    std::fprintf(stderr, "%s: error: %s\n", prog.c_str(), e.what());
    return kUsage;
  } catch (const corpus::FileError& e) {
    std::fprintf(stderr, "%s: error: %s\n", prog.c_str(), e.what());
    return kUsage;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s: error: %s\n", prog.c_str(), e.what());
    return kUsage;
  } catch (const HarnessError& e) {  // the scenario broke a rule the harness relies on: a finding
    std::fprintf(stderr, "%s: error in the scenario: %s\n", prog.c_str(), e.what());
    return kFound;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: internal error: %s\n", prog.c_str(), e.what());
    return kInternal;
  }
  // A report that did not reach its reader is not a result.
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "%s: internal error: could not write the report to standard output: %s\n", prog.c_str(),
                 std::strerror(errno));
    return kInternal;
  }
  return status;
}

}  // namespace omega
