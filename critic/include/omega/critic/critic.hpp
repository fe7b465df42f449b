#pragma once
// The critic: findings from ledgers alone (never the scenario's code), each with evidence that
// points into the ledger (event indices, as `show` numbers them) and structured repairs.
//
// Detectors (rule ids; docs/critic.md):
//   omega.deadlock          the wait-for cycle of a deadlocked run: fiber -> resource -> holder,
//                           with the event at which each holder took its resource
//   omega.lock-order        over all ledgers of a scenario, "held A while taking B" edges forming a
//                           cycle, even where no run deadlocked; a gate lock held around every
//                           edge of the cycle suppresses it (as Linux lockdep does)
//   omega.duplicate-oracle  one oracle and key executed more than once in a run: overlapping calls
//                           are a check-then-act race (singleflight), sequential ones a missing memo
//   omega.data-race         two accesses to one Shared cell, at least one a write, unordered by
//                           happens-before (vector clocks: spawn, join/wake, every operation on a
//                           synchronising object), found even when the values came out right
//   omega.livelock          a run out of budget with no progress in its last 200 events (a fiber
//                           finished, a value passed, a lock taken after waiting, an oracle
//                           answered): the fibers and the operations they repeat
//   omega.starvation        under a fair policy, a fiber ready but not chosen for 1 000 decisions

#include <omega/sim/events.hpp>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace omega::critic {

struct Repair {
  std::string kind;                  // impose_lock_order, introduce_singleflight, add_memo, wrap_with_serializer
  std::vector<std::string> targets;  // as the scenario names them: "mutex accounts", "oracle model", "shared counter"
  std::string explanation;
  bool checked = false;  // explore --critic ran the scenario with the repair imposed (the critic over files cannot)
  std::string verdict;   // when checked: what those runs showed, over how many schedules
};

struct Finding {
  std::string rule;      // "omega.lock-order", ...
  std::string level;     // "error" (the run failed because of it) or "warning" (a latent bug)
  std::string scenario;
  std::string source;    // the ledger its (first) evidence comes from
  std::string message;   // one line
  std::vector<std::string> evidence;  // "FILE: event 12: fiber 1 (transfer) takes mutex audit holding mutex accounts"
  std::vector<Repair> repairs;
  std::string signature;  // de-duplicates findings across ledgers
};

// One ledger to criticise: its scenario, where it came from (a file name, "run"), its events, and
// the policy it ran under (starvation is judged only under a fair one: round-robin, fair-rr:Q).
struct Ledger {
  std::string scenario, source;
  std::vector<sim::Event> events;
  std::string policy;
};

// Every detector over every ledger (lock order across the ledgers of each scenario), findings
// de-duplicated by signature, in a stable order (rule, then signature). Linear in the events,
// except the lock-order cycle search over the (small) graph of locks.
std::vector<Finding> criticize(const std::vector<Ledger>& ledgers);

// The parts, for callers that see ledgers one at a time (explore --critic, in worker processes):
// every detector that judges one run alone...
std::vector<Finding> criticize_run(const Ledger& ledger);

// ...and the lock-order graph, fed edge by edge from any number of runs of one scenario.
struct LockEdge {
  std::string held, taken;      // "held A while taking B", as the scenario names them ("mutex accounts")
  std::string evidence, source; // the first sighting
  std::set<std::string> gates;  // the locks held around every sighting
};
// One edge per (held, taken) pair of the ledger, gates intersected over its sightings.
std::vector<LockEdge> lock_edges(const Ledger& ledger);

class LockOrderGraph {
 public:
  // Adds a sighting; true when it changed the graph (a new edge, or fewer gates on a known one).
  bool add(const LockEdge& edge);
  // The cycles no gate lock covers, as omega.lock-order findings with impose_lock_order repairs.
  std::vector<Finding> cycles(const std::string& scenario) const;

 private:
  std::map<std::pair<std::string, std::string>, LockEdge> edges_;
};

// Both of one run at once (its names read once): what explore --critic does per schedule.
struct RunCritique {
  std::vector<Finding> findings;
  std::vector<LockEdge> edges;
};
RunCritique critique_run(const Ledger& ledger);

// One finding per signature (the first keeps its evidence), sorted by scenario, rule, signature.
std::vector<Finding> deduplicated(std::vector<Finding> findings);

}  // namespace omega::critic
