// PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte: "A randomized scheduler with probabilistic
// guarantees of finding bugs", ASPLOS 2010) with depth d over k steps: every fiber gets a random
// initial priority >= d when first seen; d-1 change points are drawn uniformly over steps 1..k;
// at the i-th change point the running fiber's priority drops to d-1-i (below every initial one).
// The highest-priority runnable fiber always runs. A bug of depth d is found with probability at
// least 1/(n k^(d-1)) for n fibers. k must be fixed per scenario (not learned from the run), so a
// seed's schedule never depends on other runs.

#include <omega/sim/policies.hpp>
#include <omega/sim/prng.hpp>

#include <algorithm>
#include <vector>

namespace omega::sim {
namespace {

class PctSource final : public ChoiceSource {
 public:
  PctSource(std::uint32_t depth, std::uint64_t steps, std::uint64_t seed)
      : depth_(depth == 0 ? 1 : depth), prng_(seed) {
    const std::uint64_t k = steps == 0 ? 1 : steps;
    for (std::uint32_t i = 0; i + 1 < depth_; ++i) change_steps_.push_back(1 + prng_.below(k));
  }

  std::optional<std::uint64_t> choose_fiber(const ScheduleQuery& q) override {
    // A change point lowers the fiber that would run this step (not one that just blocked).
    FiberId best = highest(q);
    if (apply_change_points(q.step, best)) best = highest(q);
    return q.index_of(best);
  }

  std::optional<std::uint64_t> choose_data(const DataQuery& q) override { return prng_.below(q.bound); }

  void forced(FiberId chosen, PendingOp) override { (void)priority(chosen); }

 private:
  FiberId highest(const ScheduleQuery& q) {
    FiberId best = q.ready.front();
    for (FiberId f : q.ready)
      if (priority(f) > priority(best)) best = f;
    return best;
  }

  // Change points are counted in scheduling steps; each one lowers the fiber about to run.
  bool apply_change_points(std::uint64_t step, FiberId about_to_run) {
    bool changed = false;
    for (std::size_t i = 0; i < change_steps_.size(); ++i) {
      if (change_steps_[i] != 0 && change_steps_[i] <= step) {
        change_steps_[i] = 0;  // used
        (void)priority(about_to_run);
        priorities_[about_to_run.value] = depth_ - 1 - static_cast<std::uint64_t>(i);  // d-1-i >= 1
        changed = true;
      }
    }
    return changed;
  }

  // Initial priorities: distinct random values above every change-point priority, drawn when a
  // fiber is first seen (fibers are created during the run).
  std::uint64_t priority(FiberId f) {
    if (f.value >= priorities_.size()) priorities_.resize(f.value + 1, 0);
    std::uint64_t& p = priorities_[f.value];
    if (p == 0) p = depth_ + 1 + (prng_.next() >> 16) * 64 + f.value % 64;  // distinct, > d
    return p;
  }

  std::uint32_t depth_;
  Prng prng_;
  std::vector<std::uint64_t> change_steps_;  // 0 once applied
  std::vector<std::uint64_t> priorities_;    // by fiber id; 0 = not yet seen
};

}  // namespace

std::unique_ptr<ChoiceSource> make_pct_source(std::uint32_t depth, std::uint64_t steps, std::uint64_t seed) {
  return std::make_unique<PctSource>(depth, steps, seed);
}

}  // namespace omega::sim
