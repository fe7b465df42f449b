// `pos`: partial order sampling (pos_core.hpp), with data choices uniform from the same PRNG.

#include <omega/sim/policies.hpp>
#include <omega/sim/prng.hpp>

#include "pos_core.hpp"

namespace omega::sim {
namespace {

class PosSource final : public ChoiceSource {
 public:
  explicit PosSource(std::uint64_t seed) : prng_(internal::pos_prng(seed)), core_(prng_) {}

  std::optional<std::uint64_t> choose_fiber(const ScheduleQuery& q) override {
    return q.index_of(core_.pick(q, [](FiberId) { return true; }));
  }
  std::optional<std::uint64_t> choose_data(const DataQuery& q) override { return prng_.below(q.bound); }
  void forced(FiberId chosen, PendingOp) override { core_.forced(chosen); }

 private:
  Prng prng_;
  internal::PosCore core_;
};

}  // namespace

std::unique_ptr<ChoiceSource> make_pos_source(std::uint64_t seed) { return std::make_unique<PosSource>(seed); }

}  // namespace omega::sim
