// POS, partial order sampling (Yuan, Yang, Gu: "Partial Order Aware Concurrency Sampling",
// CAV'18). Every pending operation holds a random priority and the ready fiber whose pending
// operation has the highest one runs. After an operation runs, the pending operations of the other
// ready fibers that race with it (same object, not both reads) draw fresh priorities, and so does
// the next operation of the fiber that ran. Unlike uniform random choice, this samples the
// partial orders of racing operations close to uniformly, however many independent steps lie
// between them.

#include <omega/sim/policies.hpp>
#include <omega/sim/prng.hpp>

#include "op_kinds.hpp"

#include <string_view>
#include <vector>

namespace omega::sim {
namespace {

using internal::OpKinds;

class PosSource final : public ChoiceSource {
 public:
  explicit PosSource(std::uint64_t seed) : prng_(seed) {}

  std::optional<std::uint64_t> choose_fiber(const ScheduleQuery& q) override {
    if (ran_) reprioritise_racing(q);
    // A fiber's start, a spawn and a join race with nothing: they commute with every other
    // fiber's operations, so running them at once loses no order of racing operations, and the
    // fibers a spawner creates all compete from the start instead of the first ones running to
    // their end before the others exist (a checker spawned first then ran first half the time).
    if (is_local(q.pending_of(q.current)) && q.index_of(q.current) < q.size()) {
      ran(q.current, q.pending_of(q.current));
      return q.index_of(q.current);
    }
    for (FiberId f : q.ready)
      if (is_local(q.pending_of(f))) {
        ran(f, q.pending_of(f));
        return q.index_of(f);
      }
    FiberId best;
    std::uint64_t best_priority = 0;
    for (FiberId f : q.ready) {
      std::uint64_t& p = priority(f);
      if (p == 0) p = prng_.next() | 1;  // nonzero: 0 means "draw one"
      if (p > best_priority) {
        best_priority = p;
        best = f;
      }
    }
    ran(best, q.pending_of(best));
    return q.index_of(best);
  }

  std::optional<std::uint64_t> choose_data(const DataQuery& q) override { return prng_.below(q.bound); }

  // The only ready fiber runs; no other fiber was ready, so nothing raced with its operation.
  void forced(FiberId chosen, PendingOp) override {
    priority(chosen) = 0;
    ran_ = false;
  }

 private:
  std::uint64_t& priority(FiberId f) {
    if (f.value >= priority_.size()) priority_.resize(f.value + 1, 0);
    return priority_[f.value];
  }

  void ran(FiberId f, PendingOp op) {
    priority(f) = 0;  // its operation is done: the next one draws a fresh priority
    ran_ = true;
    ran_fiber_ = f;
    ran_op_ = op;
  }

  void reprioritise_racing(const ScheduleQuery& q) {
    if (ran_op_.object == PendingOp::kNoObject) return;  // a fiber verb: races with nothing
    for (FiberId f : q.ready)
      if (f != ran_fiber_ && races(q.pending_of(f), ran_op_)) priority(f) = 0;
  }

  // A fiber's start, a spawn and a join: they race with nothing.
  bool is_local(PendingOp p) {
    const auto k = kinds_.kind(p);
    return k == OpKinds::Kind::start || k == OpKinds::Kind::spawn || k == OpKinds::Kind::join;
  }

  bool races(PendingOp a, PendingOp b) { return kinds_.race_on_object(a, b); }

  Prng prng_;
  std::vector<std::uint64_t> priority_;  // by fiber id; 0: none drawn yet
  OpKinds kinds_;
  bool ran_ = false;                     // the last decision chose ran_fiber_, which did ran_op_
  FiberId ran_fiber_;
  PendingOp ran_op_;
};

}  // namespace

std::unique_ptr<ChoiceSource> make_pos_source(std::uint64_t seed) { return std::make_unique<PosSource>(seed); }

}  // namespace omega::sim
