// Random: every choice uniform from our own PRNG, seeded with the run seed.

#include <omega/sim/policies.hpp>
#include <omega/sim/prng.hpp>

namespace omega::sim {
namespace {

class RandomSource final : public ChoiceSource {
 public:
  explicit RandomSource(std::uint64_t seed) : prng_(seed) {}

  std::optional<std::uint64_t> choose_fiber(const ScheduleQuery& q) override {
    return prng_.below(q.size());
  }
  std::optional<std::uint64_t> choose_data(const DataQuery& q) override {
    return prng_.below(q.bound);
  }

 private:
  Prng prng_;
};

}  // namespace

std::unique_ptr<ChoiceSource> make_random_source(std::uint64_t seed) {
  return std::make_unique<RandomSource>(seed);
}

}  // namespace omega::sim
