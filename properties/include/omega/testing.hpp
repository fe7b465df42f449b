#pragma once
// Small helpers shared by the project's tests.

#include <omega/sim/run.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <variant>

namespace omega::testing {

inline sim::RunOptions options(sim::Policy policy = sim::vector_of({}), std::uint64_t seed = 0) {
  sim::RunOptions o;
  o.policy = std::move(policy);
  o.seed = seed;
  return o;
}

// Runs `body` under Random for seeds [first, last) and returns the first seed whose outcome is
// not pass, or -1.
inline std::int64_t first_failing_seed(const std::function<void()>& body, std::uint64_t first,
                                       std::uint64_t last, sim::RunResult* failure = nullptr) {
  for (std::uint64_t seed = first; seed < last; ++seed) {
    sim::RunResult r = sim::run(options(sim::random_policy(), seed), body);
    if (!r.passed()) {
      if (failure) *failure = std::move(r);
      return static_cast<std::int64_t>(seed);
    }
  }
  return -1;
}

// The events of one type in a run's ledger, in order.
template <class E>
std::vector<E> events_of(const sim::RunResult& r) {
  std::vector<E> out;
  for (const auto& e : r.ledger.events())
    if (const auto* x = std::get_if<E>(&e)) out.push_back(*x);
  return out;
}

}  // namespace omega::testing
