// POS, partial order sampling (Yuan, Yang, Gu: "Partial Order Aware Concurrency Sampling",
// CAV'18). Every pending operation holds a random priority and the ready fiber whose pending
// operation has the highest one runs. After an operation runs, the pending operations of the other
// ready fibers that race with it (same object, not both reads) draw fresh priorities, and so does
// the next operation of the fiber that ran. Unlike uniform random choice, this samples the
// partial orders of racing operations close to uniformly, however many independent steps lie
// between them.

#include <omega/sim/policies.hpp>
#include <omega/sim/prng.hpp>

#include <string_view>
#include <vector>

namespace omega::sim {
namespace {

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
  void forced(FiberId chosen) override {
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

  bool races(PendingOp a, PendingOp b) { return a.object == b.object && !(is_read(a.op) && is_read(b.op)); }

  bool is_local(PendingOp p) {
    if (p.object != PendingOp::kNoObject) return false;
    if (p.op == PendingOp::kStart) return true;
    if (p.op >= locals_.size()) locals_.resize(p.op + 1, -1);
    if (locals_[p.op] < 0) {
      const std::string name = op_name(p.op);
      locals_[p.op] = name == "fiber.spawn" || name == "fiber.join" ? 1 : 0;
    }
    return locals_[p.op] == 1;
  }

  // Reads commute with reads: loads and gets that change nothing.
  bool is_read(OpId op) {
    if (op == PendingOp::kStart) return false;
    if (op >= reads_.size()) reads_.resize(op + 1, -1);
    if (reads_[op] < 0) {
      const std::string name = op_name(op);
      const std::string_view n(name);
      const bool read = n.ends_with(".load") || n.ends_with(".get") || n.ends_with(".try_get") || n.ends_with(".read");
      reads_[op] = read ? 1 : 0;
    }
    return reads_[op] == 1;
  }

  Prng prng_;
  std::vector<std::uint64_t> priority_;  // by fiber id; 0: none drawn yet
  std::vector<signed char> reads_;       // by op id: -1 unknown, 0 no, 1 a read
  std::vector<signed char> locals_;      // by op id: -1 unknown, 0 no, 1 races with nothing
  bool ran_ = false;                     // the last decision chose ran_fiber_, which did ran_op_
  FiberId ran_fiber_;
  PendingOp ran_op_;
};

}  // namespace

std::unique_ptr<ChoiceSource> make_pos_source(std::uint64_t seed) { return std::make_unique<PosSource>(seed); }

}  // namespace omega::sim
