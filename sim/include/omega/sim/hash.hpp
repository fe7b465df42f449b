#pragma once
// Our own hashes over bytes we define (never std::hash, whose values differ between libraries).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace omega::sim {

inline constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;
inline constexpr std::uint64_t kFnvPrime = 0x100000001b3ull;

constexpr std::uint64_t fnv1a64(std::span<const std::uint8_t> bytes,
                                std::uint64_t h = kFnvOffset) noexcept {
  for (std::uint8_t b : bytes) h = (h ^ b) * kFnvPrime;
  return h;
}

constexpr std::uint64_t fnv1a64(std::string_view s, std::uint64_t h = kFnvOffset) noexcept {
  for (char c : s) h = (h ^ static_cast<std::uint8_t>(c)) * kFnvPrime;
  return h;
}

constexpr std::uint64_t fnv1a64_u32le(std::uint32_t v, std::uint64_t h) noexcept {
  for (int i = 0; i < 4; ++i) h = (h ^ ((v >> (8 * i)) & 0xffu)) * kFnvPrime;
  return h;
}

}  // namespace omega::sim
