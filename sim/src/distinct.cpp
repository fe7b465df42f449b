#include <omega/sim/distinct.hpp>
#include <omega/sim/prng.hpp>

#include <bit>
#include <cmath>

namespace omega::sim {

void DistinctCounter::add(std::uint64_t value) {
  // Ledger hashes are FNV-1a: mix them so every bit is usable by the sketch.
  std::uint64_t state = value;
  const std::uint64_t h = splitmix64(state);
  const std::size_t index = h >> (64 - kPrecision);
  const std::uint64_t rest = h << kPrecision;
  const auto rank = static_cast<std::uint8_t>(rest == 0 ? 64 - kPrecision + 1 : std::countl_zero(rest) + 1);
  if (rank > registers_[index]) registers_[index] = rank;
  if (approximate_) return;
  exact_.insert(value);
  if (exact_.size() > exact_limit_) {
    approximate_ = true;
    std::set<std::uint64_t>().swap(exact_);
  }
}

std::uint64_t DistinctCounter::count() const {
  if (!approximate_) return exact_.size();
  constexpr double m = static_cast<double>(std::size_t{1} << kPrecision);
  double sum = 0;
  std::size_t zeros = 0;
  for (std::uint8_t r : registers_) {
    sum += std::ldexp(1.0, -static_cast<int>(r));
    zeros += r == 0;
  }
  double estimate = 0.7213 / (1.0 + 1.079 / m) * m * m / sum;
  if (estimate <= 2.5 * m && zeros > 0) estimate = m * std::log(m / static_cast<double>(zeros));  // small range
  return static_cast<std::uint64_t>(estimate + 0.5);
}

}  // namespace omega::sim
