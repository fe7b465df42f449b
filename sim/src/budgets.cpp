#include <omega/sim/budgets.hpp>
#include <omega/sim/errors.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace omega::sim {
namespace {

// Shows a malformed value as typed, or quoted and escaped when it holds anything a reader could
// miss (a space, a control character), so the message stays one line and shows what is wrong.
std::string shown(std::string_view text) {
  for (const char c : text)
    if (c <= ' ' || c == '"' || c == '\\' || c == 0x7f) return fmt::format("{:?}", text);
  return std::string(text);
}

// Reads OMEGA_* variable `name`: decimal digits only, within [min, max]; unset or empty keeps
// `fallback`. Everything else is a UsageError naming the variable, the value and the bounds.
// std::from_chars alone would accept what follows a valid prefix ("64k") and reports overflow
// separately; we check the characters first, so a sign, a space or "0x" is malformed and a
// number too large for 64 bits is simply out of range.
std::uint64_t env_in(const char* name, std::uint64_t fallback, std::uint64_t min, std::uint64_t max,
                     std::string_view unit) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  const std::string_view value(text);
  bool digits = true;
  for (const char c : value) digits = digits && c >= '0' && c <= '9';
  if (!digits) throw UsageError(fmt::format("{}={} is not a positive integer", name, shown(value)));
  std::uint64_t n = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || ptr != value.data() + value.size() || n < min || n > max)
    throw UsageError(fmt::format("{}={} is out of range: give {}..{} ({})", name, value, min, max, unit));
  return n;
}

std::uint64_t env_count(const char* name, std::uint64_t fallback, std::string_view unit) {
  return env_in(name, fallback, 1, kEnvCountMax, unit);
}

}  // namespace

Budgets Budgets::from_env() {
  Budgets b;
  b.steps_max = env_count("OMEGA_MAX_STEPS", b.steps_max, "scheduling points per run");
  b.fiber_steps_max = env_count("OMEGA_MAX_FIBER_STEPS", b.fiber_steps_max, "scheduling points per fiber");
  // kEnvCountMax * 10^6 < 2^64: the product cannot overflow.
  b.time_max_ns = env_count("OMEGA_MAX_TIME_MS", b.time_max_ns / 1'000'000, "ms of virtual time") * 1'000'000;
  b.spawns_max = env_count("OMEGA_MAX_SPAWNS", b.spawns_max, "spawns per run");
  b.yields_max = env_count("OMEGA_MAX_YIELDS", b.yields_max, "yields per run");
  b.mutex_ops_max = env_count("OMEGA_MAX_MUTEX_OPS", b.mutex_ops_max, "mutex operations per run");
  b.ivar_ops_max = env_count("OMEGA_MAX_IVAR_OPS", b.ivar_ops_max, "ivar operations per run");
  b.oracle_calls_max = env_count("OMEGA_MAX_ORACLE_CALLS", b.oracle_calls_max, "oracle calls per run");
  return b;
}

static_assert(kEnvCountMax <= UINT64_MAX / 1'000'000, "OMEGA_MAX_TIME_MS * 10^6 must fit in 64 bits");
static_assert(kStackKbMax <= SIZE_MAX / 1024, "OMEGA_STACK_KB * 1024 must fit in size_t");

std::size_t default_stack_bytes() {
  return static_cast<std::size_t>(env_in("OMEGA_STACK_KB", 256, kStackKbMin, kStackKbMax, "KiB") * 1024);
}

void check_stack_bytes(std::size_t bytes) {
  if (bytes < kStackKbMin * 1024 || bytes > kStackKbMax * 1024)
    throw UsageError(fmt::format(
        "RunOptions::stack_bytes={} is out of range: give {}..{} (bytes; OMEGA_STACK_KB {}..{} KiB)",
        bytes, kStackKbMin * 1024, kStackKbMax * 1024, kStackKbMin, kStackKbMax));
}

}  // namespace omega::sim
