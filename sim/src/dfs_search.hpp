#pragma once
// The state of a bounded exhaustive search (dfs.hpp): the path of the current run, one node per
// scheduling point (forced ones included: DPOR needs every operation) and per data choice. A run
// replays the path's nodes and extends it with the first alternative at each new node; next() then
// moves the deepest node with something left to its next alternative and drops the nodes below it.
// Unbounded: DPOR with sleep sets; with a preemption bound: BPOR, or plain depth-first search.

#include <omega/sim/choice_source.hpp>
#include <omega/sim/dfs.hpp>

#include "op_kinds.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace omega::sim::internal {

struct Sleeper {
  FiberId fiber;
  PendingOp op;  // what it does next: asleep fibers do not run, so it stays the same below
};

struct Node {
  bool data = false;
  // A scheduling point: the alternatives in the kernel's order (the default first), what each
  // does next, the one taken.
  std::vector<FiberId> alts;
  std::vector<PendingOp> pending;  // parallel to alts
  FiberId current;
  bool preemptible = false;  // the current fiber could go on: any other choice preempts it
  bool free = false;         // two or more alternatives: a decision of the choice vector
  std::size_t taken = 0;     // index into alts
  std::uint64_t preemptions_before = 0;
  std::vector<FiberId> backtrack;  // DPOR, BPOR: fibers to run from here
  std::vector<Sleeper> sleep;      // DPOR: not to run from here (explored, or equivalent to explored)
  std::vector<FiberId> done;       // BPOR: run from here already (no sleep sets under a bound)
  // A data choice.
  std::uint64_t domain = 1, value = 0;

  FiberId chosen() const { return alts[taken]; }
  PendingOp event() const { return pending[taken]; }
  bool costs_preemption(std::size_t alt) const { return preemptible && alts[alt] != current; }
  bool asleep(FiberId f) const {
    return std::any_of(sleep.begin(), sleep.end(), [&](const Sleeper& s) { return s.fiber == f; });
  }
  std::size_t index_of(FiberId f) const {
    return static_cast<std::size_t>(std::find(alts.begin(), alts.end(), f) - alts.begin());
  }
};

class Search {
 public:
  explicit Search(const DfsOptions& o)
      : o_(o), dpor_(!o.preemption_bound), bpor_(o.preemption_bound && o.partial_order_reduction) {
    kinds_.ignore_compounds = o.ignore_compounds;
  }

  void begin_run() {
    depth_ = 0;
    preemptions_ = 0;
    blocked_at_.reset();
    divergence_.clear();
  }
  bool blocked() const { return blocked_at_.has_value(); }
  const std::string& divergence() const { return divergence_; }
  std::uint64_t depth() const { return depth_; }

  std::optional<std::uint64_t> schedule(const ScheduleQuery& q) {
    if (blocked()) return std::nullopt;  // redundant: end the run here
    Node* n = at_schedule_point(q.ready, q.current, q.current_runnable && !q.is_yield, q.size(),
                                [&](std::size_t i) { return q.alternative(i); },
                                [&](FiberId f) { return q.pending_of(f); });
    if (n == nullptr) return std::nullopt;
    return q.index_of(n->chosen());
  }

  void forced(FiberId chosen, PendingOp op) {
    if (blocked()) return;
    const FiberId one[] = {chosen};
    (void)at_schedule_point(one, chosen, false, 1, [&](std::size_t) { return chosen; },
                            [&](FiberId) { return op; });
  }

  std::optional<std::uint64_t> data(const DataQuery& q) {
    if (blocked()) return 0;
    if (depth_ < path_.size()) {
      const Node& n = path_[depth_];
      if (!n.data) return diverged(fmt::format("a data choice where a scheduling point was at decision {}", depth_));
      ++depth_;
      return n.value;
    }
    Node n;
    n.data = true;
    n.domain = q.bound <= o_.data_domain_max ? q.bound : 1;
    ++(n.domain > 1 ? data_enumerated_ : data_fixed_);
    n.sleep = inherited_sleep();
    path_.push_back(std::move(n));
    ++depth_;
    return 0;
  }

  // DPOR over the run just done: races between dependent operations of different fibers, and
  // for each a fiber to try where the earlier one ran (Search::analyse).
  void analyse();

  template <class ForEachInitial>
  void add_initial(std::size_t node, ForEachInitial for_each_initial);

  // Moves to the next run's path; false when the tree (within the bound) is exhausted.
  bool next();

  std::uint64_t data_enumerated() const { return data_enumerated_; }
  std::uint64_t data_fixed() const { return data_fixed_; }

 private:
  template <class Alt, class Pending>
  Node* at_schedule_point(std::span<const FiberId> ready, FiberId current, bool preemptible, std::size_t size,
                          Alt alternative, Pending pending_of) {
    Node* n = nullptr;
    if (depth_ < path_.size()) {
      n = &path_[depth_];
      if (n->data || n->alts.size() != size || !std::is_permutation(n->alts.begin(), n->alts.end(), ready.begin())) {
        diverged(fmt::format("the ready fibers differ from the last run's at scheduling point {}", depth_));
        return nullptr;
      }
    } else {
      Node fresh;
      fresh.current = current;
      fresh.preemptible = preemptible;
      fresh.free = size > 1;
      fresh.preemptions_before = preemptions_;
      for (std::size_t i = 0; i < size; ++i) {
        fresh.alts.push_back(alternative(i));
        fresh.pending.push_back(pending_of(fresh.alts.back()));
      }
      if (dpor_) {
        fresh.sleep = inherited_sleep();
        std::erase_if(fresh.sleep, [&](const Sleeper& s) { return fresh.index_of(s.fiber) == size; });
        std::size_t i = 0;
        while (i < size && fresh.asleep(fresh.alts[i])) ++i;
        if (i == size) {  // every ready fiber is asleep: all that follows was explored already
          blocked_at_ = depth_;
          return nullptr;
        }
        fresh.taken = i;
        fresh.backtrack.push_back(fresh.alts[i]);
      } else if (bpor_) {
        fresh.backtrack.push_back(fresh.alts[0]);  // the default: the current fiber goes on if it can
      }
      path_.push_back(std::move(fresh));
      n = &path_.back();
    }
    if (n->costs_preemption(n->taken)) ++preemptions_;
    ++depth_;
    return n;
  }

  // The sleep set a new node starts with: its parent's, less the fibers whose next operation is
  // dependent with the one the parent ran (a data choice passes its own on).
  std::vector<Sleeper> inherited_sleep() {
    if (depth_ == 0) return {};
    const Node& parent = path_[depth_ - 1];
    if (parent.data) return parent.sleep;
    std::vector<Sleeper> out;
    for (const Sleeper& s : parent.sleep)
      if (!kinds_.dependent(s.fiber, s.op, parent.chosen(), parent.event())) out.push_back(s);
    return out;
  }

  std::nullopt_t diverged(std::string why) {
    if (divergence_.empty()) divergence_ = std::move(why);
    blocked_at_ = depth_;
    return std::nullopt;
  }

  // BPOR: where node's fiber block starts (the first of the consecutive scheduling points that ran
  // the same fiber as node), the last place a fiber could start without preempting that one.
  std::size_t block_start(std::size_t node) const;
  // BPOR (Flanagan-Godefroid's rule, sound without sleep sets): the racing fiber where it is
  // ready, else every ready fiber.
  void add_racing(std::size_t node, FiberId fiber);

  const DfsOptions& o_;
  const bool dpor_, bpor_;
  OpKinds kinds_;
  std::vector<Node> path_;
  std::vector<std::uint32_t> clock_, fiber_clock_;  // analyse(): vector clocks, kept for their storage
  std::size_t depth_ = 0;
  std::uint64_t preemptions_ = 0;
  std::optional<std::size_t> blocked_at_;
  std::string divergence_;
  std::uint64_t data_enumerated_ = 0, data_fixed_ = 0;
};

}  // namespace omega::sim::internal
