#pragma once
// Guard-paged fiber stacks, pooled per OS thread and reused across runs.

#include <cstddef>
#include <cstdint>

namespace omega::sim {

struct StackPoolStats {
  std::uint64_t mapped = 0;       // stacks ever mapped on this thread
  std::uint64_t in_use = 0;       // stacks held by live fibers now
  std::uint64_t peak_in_use = 0;  // most stacks held at once
  std::uint64_t pooled = 0;       // free stacks kept for reuse
};

StackPoolStats stack_pool_stats() noexcept;  // this thread's pool
void reset_stack_pool_peak() noexcept;       // peak_in_use := in_use (for tests and benches)

}  // namespace omega::sim
