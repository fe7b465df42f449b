#pragma once
// Every bound has a default, an option (a field here) and an OMEGA_* environment variable.
// Precedence: a field set in code > the environment > the built-in default.

#include <cstddef>
#include <cstdint>

namespace omega::sim {

struct Budgets {
  std::uint64_t steps_max = 1'000'000;      // OMEGA_MAX_STEPS: scheduling points in one run
  std::uint64_t fiber_steps_max = 10'000;   // OMEGA_MAX_FIBER_STEPS: scheduling points per fiber
  std::uint64_t time_max_ns = 3'600'000'000'000;  // OMEGA_MAX_TIME_MS: virtual time (1 hour)
  // Operations per run, by family (governance):
  std::uint64_t spawns_max = 100;          // OMEGA_MAX_SPAWNS: fiber.spawn
  std::uint64_t yields_max = 10'000;       // OMEGA_MAX_YIELDS: fiber.yield
  std::uint64_t mutex_ops_max = 10'000;    // OMEGA_MAX_MUTEX_OPS: mutex.*
  std::uint64_t ivar_ops_max = 10'000;     // OMEGA_MAX_IVAR_OPS: ivar.*
  std::uint64_t oracle_calls_max = 1'000;  // OMEGA_MAX_ORACLE_CALLS: oracle.call

  // Defaults with OMEGA_* overrides applied; throws UsageError on a malformed value.
  static Budgets from_env();
};

// Stack size of each fiber (OMEGA_STACK_KB, default 256 KiB), excluding the guard page.
std::size_t default_stack_bytes();

}  // namespace omega::sim
