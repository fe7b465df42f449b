#pragma once
// Program randomness that the simulator controls: a recorded data choice, 0 being the default.

#include <cstdint>

namespace omega {

// A value in [0, bound); bound <= 1 returns 0 without consuming a choice.
std::uint64_t random(std::uint64_t bound);

}  // namespace omega
