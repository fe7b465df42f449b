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

#include <string>
#include <vector>

namespace omega::critic {

struct Repair {
  std::string kind;                  // impose_lock_order, introduce_singleflight, add_memo, wrap_with_serializer
  std::vector<std::string> targets;  // as the scenario names them: "mutex accounts", "oracle model", "shared counter"
  std::string explanation;
  bool checked = false;  // a simulation confirmed it (the critic over files cannot: always false here)
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

}  // namespace omega::critic
