#pragma once
// Integer-only PRNG (splitmix64 seeding xoshiro256**): identical output on every standard library,
// unlike <random>'s distributions.

#include <cstdint>

namespace omega::sim {

constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

class Prng {
 public:
  explicit constexpr Prng(std::uint64_t seed) noexcept {
    std::uint64_t sm = seed;
    for (auto& word : s_) word = splitmix64(sm);
  }

  // The antithetic twin of Prng(seed): every output complemented (u -> 1 - u), so whatever the
  // twin's run sorts by these draws it sorts in reverse, and below() mirrors too.
  static constexpr Prng mirror_of(std::uint64_t seed) noexcept {
    Prng p(seed);
    p.flip_ = ~std::uint64_t{0};
    return p;
  }

  constexpr std::uint64_t next() noexcept {
    const std::uint64_t result = (rotl(s_[1] * 5, 7) * 9) ^ flip_;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, bound) by multiply-shift (Lemire); bound 0 yields 0.
  constexpr std::uint64_t below(std::uint64_t bound) noexcept {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * bound) >> 64);
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  std::uint64_t s_[4]{};
  std::uint64_t flip_ = 0;
};

}  // namespace omega::sim
