#include <omega/sim/policies.hpp>

#include <fmt/format.h>

namespace omega::sim {

Policy replay_of(const std::vector<Event>& recorded) {
  return policy::Replay{std::make_shared<const std::vector<Event>>(recorded)};
}

std::string describe(const Policy& p) {
  if (const auto* f = std::get_if<policy::FairRR>(&p))
    return f->quantum == 1 ? std::string("round-robin") : fmt::format("fair-rr:{}", f->quantum);
  if (std::holds_alternative<policy::Random>(p)) return "random";
  if (std::holds_alternative<policy::Replay>(p)) return "replay";
  return "vector";
}

std::unique_ptr<ChoiceSource> make_source(const Policy& p, std::uint64_t seed) {
  if (const auto* f = std::get_if<policy::FairRR>(&p)) return make_fair_rr_source(f->quantum, seed);
  if (std::holds_alternative<policy::Random>(p)) return make_random_source(seed);
  if (const auto* r = std::get_if<policy::Replay>(&p)) return make_replay_source(r->recorded);
  return make_vector_source(std::get<policy::Vector>(p).choices);
}

}  // namespace omega::sim
