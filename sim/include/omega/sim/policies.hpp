#pragma once
// Policies are descriptions of choice sources; make_source turns one into a source for a run.
// Where a policy has no rule for data choices (FairRR), they come from a PRNG seeded with the run seed.

#include <omega/sim/choice_source.hpp>
#include <omega/sim/events.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace omega::sim {

namespace policy {

// A FIFO ready queue; a fiber keeps running for `quantum` consecutive scheduling points, then
// goes to the back. Spawned and woken fibers join at the back. A block or a fiber's end ends its
// stretch. RoundRobin is FairRR{1}.
struct FairRR {
  std::uint32_t quantum = 1;
};

// Uniform choices from our own PRNG seeded with the run seed.
struct Random {};

// Strict: follows a recorded ledger's choices and checks the ready set at every decision; a
// mismatch or running out is a divergence.
struct Replay {
  std::shared_ptr<const std::vector<Event>> recorded;
};

// The shrinker's source: the i-th choice is choices[i], zero past the end.
struct Vector {
  std::vector<std::uint64_t> choices;
};

// PCT with depth `depth` over `steps` scheduling steps (see policy_pct.cpp).
struct PCT {
  std::uint32_t depth = 2;
  std::uint64_t steps = 0;
};

// Partial order sampling (policy_pos.cpp): random priorities on pending operations, redrawn for
// the operations that race with the one that ran.
struct POS {};

// Any other source (the shrinker's fiber scripts, user experiments): made fresh for each run.
struct Custom {
  std::string name;
  std::function<std::unique_ptr<ChoiceSource>(std::uint64_t seed)> make;
};

}  // namespace policy

using Policy =
    std::variant<policy::FairRR, policy::Random, policy::Replay, policy::Vector, policy::PCT, policy::Custom,
                 policy::POS>;

inline Policy round_robin() { return policy::FairRR{1}; }
inline Policy fair_rr(std::uint32_t quantum) { return policy::FairRR{quantum}; }
inline Policy random_policy() { return policy::Random{}; }
inline Policy pos_policy() { return policy::POS{}; }
Policy replay_of(const std::vector<Event>& recorded);
inline Policy vector_of(std::vector<std::uint64_t> choices) {
  return policy::Vector{std::move(choices)};
}

// Drift-tolerant replay (policy_follow.cpp): follows `recorded` by fiber identity (name path and
// index among same-named siblings) where the program still offers the fiber recorded, the default
// elsewhere. `stats` says, after the run, how many recorded scheduling decisions it matched.
struct FollowStats {
  std::uint64_t matched = 0, recorded = 0;
};
Policy follow_fibers_of(const std::vector<Event>& recorded, std::shared_ptr<FollowStats> stats);

inline Policy pct(std::uint32_t depth, std::uint64_t steps) { return policy::PCT{depth, steps}; }

// "fair-rr:3", "round-robin", "random", "pct:2", "pos", "replay", "vector"
std::string describe(const Policy& p);

// Parses what users type: random | round-robin | fair-rr:Q | pct:D | pos. PCT takes `pct_steps`.
// Throws UsageError naming the bad text.
Policy parse_policy(std::string_view text, std::uint64_t pct_steps);

std::unique_ptr<ChoiceSource> make_source(const Policy& p, std::uint64_t seed);

// One factory per policy file.
std::unique_ptr<ChoiceSource> make_fair_rr_source(std::uint32_t quantum, std::uint64_t seed);
std::unique_ptr<ChoiceSource> make_random_source(std::uint64_t seed);
std::unique_ptr<ChoiceSource> make_replay_source(std::shared_ptr<const std::vector<Event>> rec);
std::unique_ptr<ChoiceSource> make_vector_source(std::vector<std::uint64_t> choices);
std::unique_ptr<ChoiceSource> make_pos_source(std::uint64_t seed);
std::unique_ptr<ChoiceSource> make_pct_source(std::uint32_t depth, std::uint64_t steps, std::uint64_t seed);

}  // namespace omega::sim
