#include <omega/sim/policies.hpp>

#include <omega/sim/errors.hpp>

#include <fmt/format.h>

#include <charconv>

namespace omega::sim {

Policy replay_of(const std::vector<Event>& recorded) {
  return policy::Replay{std::make_shared<const std::vector<Event>>(recorded)};
}

std::string describe(const Policy& p) {
  if (const auto* f = std::get_if<policy::FairRR>(&p))
    return f->quantum == 1 ? std::string("round-robin") : fmt::format("fair-rr:{}", f->quantum);
  if (std::holds_alternative<policy::Random>(p)) return "random";
  if (std::holds_alternative<policy::POS>(p)) return "pos";
  if (std::holds_alternative<policy::Replay>(p)) return "replay";
  if (const auto* c = std::get_if<policy::PCT>(&p)) return fmt::format("pct:{}", c->depth);
  if (const auto* c = std::get_if<policy::Custom>(&p)) return c->name;
  return "vector";
}

std::unique_ptr<ChoiceSource> make_source(const Policy& p, std::uint64_t seed) {
  if (const auto* f = std::get_if<policy::FairRR>(&p)) return make_fair_rr_source(f->quantum, seed);
  if (std::holds_alternative<policy::Random>(p)) return make_random_source(seed);
  if (std::holds_alternative<policy::POS>(p)) return make_pos_source(seed);
  if (const auto* r = std::get_if<policy::Replay>(&p)) return make_replay_source(r->recorded);
  if (const auto* c = std::get_if<policy::PCT>(&p)) return make_pct_source(c->depth, c->steps, seed);
  if (const auto* c = std::get_if<policy::Custom>(&p)) return c->make(seed);
  return make_vector_source(std::get<policy::Vector>(p).choices);
}

namespace {

std::uint64_t parse_count(std::string_view text, std::string_view whole) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v == 0 || v > 1'000'000)
    throw UsageError(fmt::format("bad policy '{}': '{}' is not a positive integer", whole, text));
  return v;
}

}  // namespace

Policy parse_policy(std::string_view text, std::uint64_t pct_steps) {
  if (text == "random") return random_policy();
  if (text == "round-robin") return round_robin();
  if (text == "pos") return pos_policy();
  if (text.substr(0, 8) == "fair-rr:")
    return fair_rr(static_cast<std::uint32_t>(parse_count(text.substr(8), text)));
  if (text.substr(0, 4) == "pct:")
    return pct(static_cast<std::uint32_t>(parse_count(text.substr(4), text)), pct_steps);
  throw UsageError(fmt::format(
      "unknown policy '{}' (expected random, round-robin, fair-rr:Q, pct:D, pos or portfolio)", text));
}

}  // namespace omega::sim
