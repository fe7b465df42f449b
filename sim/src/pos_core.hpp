#pragma once
// The partial-order sampler behind `pos` (policy_pos.cpp) and `rff` (rff.cpp): POS (Yuan, Yang,
// Gu: "Partial Order Aware Concurrency Sampling", CAV'18). Every pending operation holds a random
// priority and the ready fiber whose pending operation has the highest one runs. After an
// operation runs, the pending operations of the other ready fibers that race with it (same
// object, not both reads) draw fresh priorities, and so does the next operation of the fiber that
// ran, unless its operation was on an object no other ready fiber had pending (see ran()). One
// deliberate bias: after a write that other ready fibers had operations pending on, the writer's
// next priority is the lowest of several draws, so the fibers it raced with usually act on what it
// wrote before it goes on: the window atomicity violations and half-done updates need (a read
// between two writes, a write between a write and its check).
// Unlike uniform random choice, this samples the partial orders of racing operations close to
// uniformly, however many independent steps lie between them.

#include <omega/sim/choice_source.hpp>
#include <omega/sim/prng.hpp>

#include "op_kinds.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace omega::sim::internal {

// A sampler's PRNG for a run seed. Seeds pair up: an odd seed runs the mirror of the even one
// before it (every draw complemented, so the racing operations that went first there tend to go
// last). Each run alone is still the plain sampler; a pair covers opposite orders more often than
// two independent runs (bug bench, pos, 500 trials: account 3.0 -> 2.6, twostage 2.1 -> 1.6
// schedules to the first bug; the rest unchanged).
inline Prng pos_prng(std::uint64_t seed) { return seed % 2 == 0 ? Prng(seed) : Prng::mirror_of(seed - 1); }

class PosCore {
 public:
  explicit PosCore(Prng& prng) : prng_(prng) {}

  // The fiber to run. `allowed(f)` narrows the choice (a fiber it rejects runs only when it
  // rejects them all).
  template <class Allowed>
  FiberId pick(const ScheduleQuery& q, Allowed allowed) {
    if (ran_) reprioritise_racing(q);
    // A fiber's start, a spawn and a join race with nothing: they commute with every other
    // fiber's operations, so running them at once loses no order of racing operations, and the
    // fibers a spawner creates all compete from the start instead of the first ones running to
    // their end before the others exist (a checker spawned first then ran first half the time).
    if (is_local(q.pending_of(q.current)) && q.index_of(q.current) < q.size()) return ran(q.current, q);
    for (FiberId f : q.ready)
      if (is_local(q.pending_of(f))) return ran(f, q);
    FiberId best, best_any;
    std::uint64_t best_priority = 0, best_any_priority = 0;
    for (FiberId f : q.ready) {
      std::uint64_t& p = priority(f);
      if (p == 0) p = prng_.next() | 1;  // nonzero: 0 means "draw one"
      if (p > best_any_priority) {
        best_any_priority = p;
        best_any = f;
      }
      if (p > best_priority && allowed(f)) {
        best_priority = p;
        best = f;
      }
    }
    return ran(best.valid() ? best : best_any, q);
  }

  // The only ready fiber runs; no other fiber was ready, so nothing raced with its operation and
  // it keeps its priority (as in ran()).
  void forced(FiberId /*chosen*/) {
    ran_ = false;  // keeps its priority, as any operation that raced with nothing (ran())
  }

  OpKinds& kinds() { return kinds_; }

 private:
  std::uint64_t& priority(FiberId f) {
    if (f.value >= priority_.size()) priority_.resize(f.value + 1, 0);
    return priority_[f.value];
  }

  FiberId ran(FiberId f, const ScheduleQuery& q) {
    // Its operation is done: the next one draws a fresh priority, unless no other ready fiber
    // has an operation pending on the same object (or it had none). Then nothing could have come
    // between it and its next operation that the next one could race with there, and the fiber
    // keeps its priority: a run of independent steps (an uncontended lock, a private cell) is one
    // step of the sampler, not a chain of fresh draws a racing operation elsewhere must win each
    // time. Not "races with none": a read beside another fiber's pending read races with nothing,
    // but its fiber's write next does, and the other read must still be able to come between.
    const PendingOp mine = q.pending_of(f);
    bool raced = false;
    for (FiberId g : q.ready)
      if (g != f && mine.has_object() && q.pending_of(g).object == mine.object) raced = true;
    if (raced) {
      const auto kind = kinds_.kind(mine);
      // Lowest of 6 draws after a data store, of 3 after another write (a lock, a send): measured
      // on the bug benchmark (wronglock 7.0 -> 2.5, reorder_20 12 -> 1.9 schedules, 300 trials).
      const int draws = kind == OpKinds::Kind::store ? 6 : kind == OpKinds::Kind::write ? 3 : 0;
      std::uint64_t p = 0;
      for (int i = 0; i < draws; ++i) p = i == 0 ? prng_.next() : std::min(p, prng_.next());
      priority(f) = draws == 0 ? 0 : p | 1;  // 0: a fresh (uniform) draw when next needed
    }
    ran_ = true;
    ran_fiber_ = f;
    ran_op_ = q.pending_of(f);
    return f;
  }

  void reprioritise_racing(const ScheduleQuery& q) {
    if (!ran_op_.has_object()) return;  // a fiber verb: races with nothing
    for (FiberId f : q.ready)
      if (f != ran_fiber_ && kinds_.race_on_object(q.pending_of(f), ran_op_)) priority(f) = 0;
  }

  // A fiber's start, a spawn and a join: they race with nothing.
  bool is_local(PendingOp p) {
    const auto k = kinds_.kind(p);
    return k == OpKinds::Kind::start || k == OpKinds::Kind::spawn || k == OpKinds::Kind::join;
  }

  Prng& prng_;
  OpKinds kinds_;
  std::vector<std::uint64_t> priority_;  // by fiber id; 0: none drawn yet
  bool ran_ = false;                     // the last decision chose ran_fiber_, which did ran_op_
  FiberId ran_fiber_;
  PendingOp ran_op_;
};

}  // namespace omega::sim::internal
