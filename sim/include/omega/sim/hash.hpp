#pragma once
// Our own hashes over bytes we define (never std::hash, whose values differ between libraries).

#include <cstddef>
#include <cstdint>
#include <cstring>
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

// A fast 64-bit fingerprint of bytes, 8 at a time (FNV-1a takes one): tells ledgers apart within
// one machine (distinct schedules, the determinism check between worker processes). Never printed
// or stored: digests, corpus headers and reproduce strings use fnv1a64.
inline std::uint64_t fingerprint64(std::span<const std::uint8_t> bytes) noexcept {
  constexpr std::uint64_t kMul = 0xbf58476d1ce4e5b9ull;
  const std::uint8_t* p = bytes.data();
  const std::size_t n = bytes.size();
  std::uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  if (i < n) {
    std::uint64_t w = 0;
    std::memcpy(&w, p + i, n - i);
    h = (h ^ w) * kMul;
  }
  h = (h ^ (h >> 30)) * kMul;  // splitmix64's finaliser
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

}  // namespace omega::sim
