#pragma once
// Every bound has a default, an option (a field here) and an OMEGA_* environment variable.
// Precedence: a field set in code > the environment > the built-in default.
//
// An OMEGA_* value is decimal digits only (no sign, space, "0x" or unit suffix) within the bounds
// below; anything else is a UsageError naming the variable, the value and the bounds, e.g.
// "OMEGA_STACK_KB=1 is out of range: give 32..1048576 (KiB)". An empty value counts as unset.
//
//   variable                 bounds               unit
//   OMEGA_MAX_STEPS          1..10^12             scheduling points per run
//   OMEGA_MAX_FIBER_STEPS    1..10^12             scheduling points per fiber
//   OMEGA_MAX_TIME_MS        1..10^12             ms of virtual time (x 10^6 still fits in 64 bits)
//   OMEGA_MAX_SPAWNS, OMEGA_MAX_YIELDS, OMEGA_MAX_MUTEX_OPS, OMEGA_MAX_IVAR_OPS,
//   OMEGA_MAX_ORACLE_CALLS   1..10^12             operations of that family per run
//   OMEGA_STACK_KB           32..1048576 (1 GiB)  KiB per fiber; RunOptions::stack_bytes set in
//                                                 code must lie in the same range (in bytes)

#include <cstddef>
#include <cstdint>

namespace omega::sim {

// Upper bound of every OMEGA_* count and of OMEGA_MAX_TIME_MS: far beyond any run that ends, and
// small enough that nothing derived from it overflows (10^12 ms * 10^6 ns/ms = 10^18 < 2^64).
inline constexpr std::uint64_t kEnvCountMax = 1'000'000'000'000;

// Fiber stack bounds, in KiB. The minimum is over twice what the kernel's own code needs in a
// fiber (deciding, fmt messages, throwing, joining, unwinding), measured with GCC 12: 6 KiB at
// -O0 and -O2, 10 KiB with ASan+UBSan at -O0, 14 KiB with ASan+UBSan at -O2. Above 1 GiB a
// mapping per fiber is a mistake, not a need.
inline constexpr std::uint64_t kStackKbMin = 32;
inline constexpr std::uint64_t kStackKbMax = 1'048'576;

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

  // Defaults with OMEGA_* overrides applied; throws UsageError on a malformed or out-of-range
  // value (see the table above).
  static Budgets from_env();
  friend bool operator==(const Budgets&, const Budgets&) = default;
};

// Stack size of each fiber (OMEGA_STACK_KB, default 256 KiB), excluding the guard page. Throws
// UsageError on a malformed or out-of-range OMEGA_STACK_KB.
std::size_t default_stack_bytes();

// Throws UsageError unless `bytes` (RunOptions::stack_bytes) lies in kStackKbMin..kStackKbMax
// KiB; sim::run checks it before starting a fiber.
void check_stack_bytes(std::size_t bytes);

}  // namespace omega::sim
