// FairRR{quantum}: a FIFO ready queue. The running fiber keeps the processor for `quantum`
// consecutive scheduling points (yields count as points), then goes to the back of the queue.
// A block or a fiber's end ends its stretch. Fibers that became runnable since the last decision
// (spawned or woken) join at the back in ascending id order. RoundRobin is FairRR{1}.

#include <omega/sim/policies.hpp>
#include <omega/sim/prng.hpp>

#include <algorithm>
#include <deque>

namespace omega::sim {
namespace {

class FairRRSource final : public ChoiceSource {
 public:
  FairRRSource(std::uint32_t quantum, std::uint64_t seed)
      : quantum_(quantum == 0 ? 1 : quantum), data_(seed) {}

  std::optional<std::uint64_t> choose_fiber(const ScheduleQuery& q) override {
    sync_queue(q);
    if (q.current_runnable && q.current == running_ && stretch_ < quantum_) {
      ++stretch_;
      return q.index_of(q.current);
    }
    if (q.current_runnable) queue_.push_back(q.current);
    const FiberId next = queue_.front();
    queue_.pop_front();
    running_ = next;
    stretch_ = 1;
    return q.index_of(next);
  }

  std::optional<std::uint64_t> choose_data(const DataQuery& q) override {
    return data_.below(q.bound);
  }

  void forced(FiberId chosen) override {
    if (chosen == running_) {
      ++stretch_;
    } else {
      running_ = chosen;
      stretch_ = 1;
    }
    std::erase(queue_, chosen);
  }

 private:
  // Drop fibers no longer runnable, then append newcomers; the current fiber is never queued.
  void sync_queue(const ScheduleQuery& q) {
    std::erase_if(queue_, [&](FiberId f) {
      return f == q.current || !std::binary_search(q.ready.begin(), q.ready.end(), f);
    });
    for (FiberId f : q.ready) {
      if (f == q.current) continue;
      if (std::find(queue_.begin(), queue_.end(), f) == queue_.end()) queue_.push_back(f);
    }
    if (running_ != q.current) {  // e.g. the first decision of a run
      running_ = q.current;
      stretch_ = 1;
    }
  }

  std::uint32_t quantum_;
  Prng data_;
  std::deque<FiberId> queue_;  // runnable fibers waiting, in arrival order; never the current one
  FiberId running_{0};         // the fiber whose stretch is counted (the root runs first)
  std::uint32_t stretch_ = 1;  // consecutive points running_ has been chosen at, >= 1
};

}  // namespace

std::unique_ptr<ChoiceSource> make_fair_rr_source(std::uint32_t quantum, std::uint64_t seed) {
  return std::make_unique<FairRRSource>(quantum, seed);
}

}  // namespace omega::sim
