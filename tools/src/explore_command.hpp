#pragma once
// `explore`: many schedules of each selected scenario, in worker processes (or threads), with
// failures shrunk and saved to the corpus; with --critic, the critic over every ledger too.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

namespace omega::cli {

struct ExploreArgs {
  std::string scenario = "*", seeds = "0..999", policy = "random", shard, trace = "short", max_time;
  std::string format = "text";  // or json: one document on stdout at the end
  std::optional<std::string> corpus, junit;
  bool no_save = false;
  std::uint64_t pct_steps = 0, stop_after = 0, shards = 0, max_runs = 0,
                jobs = std::max(1u, std::thread::hardware_concurrency());
  bool quiet = false, check_determinism = false, no_shrink = false, no_fork = false;
  bool critic = false;
  std::uint64_t check_seeds = 200;  // schedules per checked repair
  std::uint64_t max_schedules = 1'000'000;  // dfs: stop (incomplete) after this many runs
  std::uint64_t data_domain_max = 4;        // dfs: enumerate data choices with a domain up to this
  bool seeds_given = false, shard_given = false, jobs_given = false;  // on the command line (dfs rejects them)
  bool dfs_option_given = false;  // --max-schedules or --data-domain-max (only dfs takes them)
};

// Exit status: 0 nothing found, 1 a failure, nondeterminism or critic finding, 128+signal when interrupted.
int cmd_explore(const ExploreArgs& a, const std::string& prog);

// explore --policy dfs | dfs:pb=N: the bounded exhaustive search (sim/dfs.hpp), in this process.
int cmd_explore_dfs(const ExploreArgs& a, const std::string& prog);

// explore --policy rff: reads-from guided fuzzing (sim/rff.hpp), in this process.
int cmd_explore_rff(const ExploreArgs& a, const std::string& prog);

}  // namespace omega::cli
