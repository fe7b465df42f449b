#include <omega/sim/budgets.hpp>
#include <omega/sim/errors.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace omega::sim {
namespace {

// Reads a positive integer from the environment; unset keeps `fallback`.
std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  std::uint64_t value = 0;
  const char* end = text + std::strlen(text);
  auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || ptr != end || value == 0)
    throw UsageError(fmt::format("{}={} is not a positive integer", name, text));
  return value;
}

}  // namespace

Budgets Budgets::from_env() {
  Budgets b;
  b.steps_max = env_or("OMEGA_MAX_STEPS", b.steps_max);
  b.fiber_steps_max = env_or("OMEGA_MAX_FIBER_STEPS", b.fiber_steps_max);
  b.time_max_ns = env_or("OMEGA_MAX_TIME_MS", b.time_max_ns / 1'000'000) * 1'000'000;
  b.spawns_max = env_or("OMEGA_MAX_SPAWNS", b.spawns_max);
  b.yields_max = env_or("OMEGA_MAX_YIELDS", b.yields_max);
  b.mutex_ops_max = env_or("OMEGA_MAX_MUTEX_OPS", b.mutex_ops_max);
  b.ivar_ops_max = env_or("OMEGA_MAX_IVAR_OPS", b.ivar_ops_max);
  b.oracle_calls_max = env_or("OMEGA_MAX_ORACLE_CALLS", b.oracle_calls_max);
  return b;
}

std::size_t default_stack_bytes() { return env_or("OMEGA_STACK_KB", 256) * 1024; }

}  // namespace omega::sim
