#pragma once
// A heartbeat for a supervisor in another process (the runner's worker watchdog): while a beacon
// is installed, the kernel publishes the step and the deciding fiber at every scheduling point
// with one relaxed store into memory the supervisor maps too, and the fibers' names at spawn.
// Nothing reads it inside the process, so it cannot influence a run.

#include <atomic>
#include <cstdint>

namespace omega::sim {

struct Beacon {
  // (step << 20) | fiber of the current run, at its latest scheduling point; 0 before the first.
  std::atomic<std::uint64_t> position{0};
  std::atomic<std::uint32_t> overflow{0};  // set by the SIGSEGV handler: a fiber overflowed its stack
  static constexpr std::uint32_t kNames = 64, kNameBytes = 48;
  char names[kNames][kNameBytes] = {};  // fibers 0..63 of the current run, truncated, NUL-terminated

  static constexpr std::uint64_t step_of(std::uint64_t position) noexcept { return position >> 20; }
  static constexpr std::uint32_t fiber_of(std::uint64_t position) noexcept {
    return static_cast<std::uint32_t>(position & 0xfffff);
  }
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

// Process-wide: a worker process runs one simulation at a time. nullptr turns it off.
void install_beacon(Beacon* beacon) noexcept;

}  // namespace omega::sim
