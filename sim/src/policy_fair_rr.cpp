// FairRR{quantum}: a FIFO ready queue. The running fiber keeps the processor for `quantum`
// consecutive scheduling points (yields count as points), then goes to the back of the queue.
// A block or a fiber's end ends its stretch. Fibers that became runnable since the previous
// decision (spawned or woken) join at the back in ascending id order. RoundRobin is FairRR{1}.
//
// The queue is kept as arrival stamps rather than a container: a fiber's place in line is the
// stamp it got when it last joined the back, and the front is the runnable fiber with the
// smallest stamp. A fiber is a newcomer if it was not runnable at the previous decision (forced
// decisions included: only the running fiber can block, and a blocked fiber needs another fiber
// to run, i.e. a decision, before it can be woken). This costs one pass over the ready set and no
// allocation per decision.

#include <omega/sim/policies.hpp>
#include <omega/sim/prng.hpp>

#include <optional>
#include <vector>

namespace omega::sim {
namespace {

class FairRRSource final : public ChoiceSource {
 public:
  FairRRSource(std::uint32_t quantum, std::uint64_t seed)
      : quantum_(quantum == 0 ? 1 : quantum), seed_(seed) {}

  std::optional<std::uint64_t> choose_fiber(const ScheduleQuery& q) override {
    ++round_;
    if (running_ != q.current) {  // e.g. the first decision of a run
      running_ = q.current;
      stretch_ = 1;
    }
    // Ascending ids: the last is the largest, so one size check covers the pass.
    if (q.ready.back().value >= slots_.size()) slots_.resize(q.ready.back().value + 1);
    Slot* const slots = slots_.data();
    std::size_t front = q.size(), current = q.size();
    std::uint64_t front_stamp = ~std::uint64_t{0};
    for (std::size_t i = 0; i < q.size(); ++i) {
      const FiberId f = q.ready[i];
      Slot& s = slots[f.value];
      if (f == q.current) {
        current = i;
        s.seen_round = round_;
        continue;
      }
      if (s.seen_round + 1 != round_) s.stamp = ++clock_;  // joins the back
      s.seen_round = round_;
      if (s.stamp < front_stamp) {
        front = i;
        front_stamp = s.stamp;
      }
    }
    if (q.current_runnable && stretch_ < quantum_) {
      ++stretch_;
      return q.index_at(current);
    }
    if (q.current_runnable) slots[q.current.value].stamp = ++clock_;  // its stretch is over: to the back
    running_ = q.ready[front];
    stretch_ = 1;
    return q.index_at(front);
  }

  std::optional<std::uint64_t> choose_data(const DataQuery& q) override {
    if (!data_) data_.emplace(seed_);  // seeded on first use: most runs under rr draw no data
    return data_->below(q.bound);
  }

  void forced(FiberId chosen, PendingOp) override {
    ++round_;
    slot(chosen).seen_round = round_;
    if (chosen == running_) {
      ++stretch_;
    } else {
      running_ = chosen;
      stretch_ = 1;
    }
  }

 private:
  struct Slot {
    std::uint64_t stamp = 0;       // place in line: smaller is nearer the front
    std::uint64_t seen_round = 0;  // the last decision at which this fiber was runnable
  };

  Slot& slot(FiberId f) {
    if (f.value >= slots_.size()) slots_.resize(f.value + 1);
    return slots_[f.value];
  }

  std::uint32_t quantum_;
  std::uint64_t seed_;
  std::optional<Prng> data_;
  std::vector<Slot> slots_;    // by fiber id
  std::uint64_t clock_ = 0;    // last stamp handed out
  std::uint64_t round_ = 0;    // decisions seen, forced ones included
  FiberId running_{0};         // the fiber whose stretch is counted (the root runs first)
  std::uint32_t stretch_ = 1;  // consecutive points running_ has been chosen at, >= 1
};

}  // namespace

std::unique_ptr<ChoiceSource> make_fair_rr_source(std::uint32_t quantum, std::uint64_t seed) {
  return std::make_unique<FairRRSource>(quantum, seed);
}

}  // namespace omega::sim
