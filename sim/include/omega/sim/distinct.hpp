#pragma once
// Counts distinct 64-bit values (ledger hashes) in memory independent of how many are added:
// exact up to `exact_limit` values, then a HyperLogLog estimate (2^14 one-byte registers, about
// 0.8% standard error), reported as approximate.

#include <array>
#include <cstdint>
#include <set>

namespace omega::sim {

class DistinctCounter {
 public:
  explicit DistinctCounter(std::size_t exact_limit = std::size_t{1} << 16) : exact_limit_(exact_limit) {}

  void add(std::uint64_t value);
  std::uint64_t count() const;
  bool approximate() const noexcept { return approximate_; }

 private:
  static constexpr int kPrecision = 14;
  std::size_t exact_limit_;
  std::set<std::uint64_t> exact_;
  bool approximate_ = false;
  std::array<std::uint8_t, std::size_t{1} << kPrecision> registers_{};
};

}  // namespace omega::sim
