#pragma once
// Dense integer ids in spawn order. Never ordered or hashed by pointer (that breaks replay).

#include <compare>
#include <cstdint>

namespace omega {

struct FiberId {
  std::uint32_t value = kNone;

  static constexpr std::uint32_t kNone = 0xffffffffu;

  constexpr bool valid() const noexcept { return value != kNone; }
  friend constexpr auto operator<=>(FiberId, FiberId) = default;
};

}  // namespace omega
