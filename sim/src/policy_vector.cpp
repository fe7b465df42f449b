// Vector: the shrinker's source. Choice i is choices[i], zero (the default) past the end, so a
// shorter vector is a schedule closer to the default one. Never diverges.

#include <omega/sim/policies.hpp>

namespace omega::sim {
namespace {

class VectorSource final : public ChoiceSource {
 public:
  explicit VectorSource(std::vector<std::uint64_t> choices) : choices_(std::move(choices)) {}

  std::optional<std::uint64_t> choose_fiber(const ScheduleQuery& q) override {
    return at(q.decision_index);
  }
  std::optional<std::uint64_t> choose_data(const DataQuery& q) override {
    return at(q.decision_index);
  }

 private:
  std::uint64_t at(std::uint64_t i) const { return i < choices_.size() ? choices_[i] : 0; }
  std::vector<std::uint64_t> choices_;
};

}  // namespace

std::unique_ptr<ChoiceSource> make_vector_source(std::vector<std::uint64_t> choices) {
  return std::make_unique<VectorSource>(std::move(choices));
}

}  // namespace omega::sim
