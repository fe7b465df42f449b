#pragma once
// Strict parsing of the runner's command-line and environment input. Every function throws
// InputError with a one-line message naming the flag or variable, the value and what is accepted:
// no sign, no spaces, no wrap-around, no silent defaults.

#include <omega/sim/explore.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace omega::cli {

struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Decimal digits only, at most 2^64-1; nullopt otherwise.
std::optional<std::uint64_t> decimal(std::string_view text);

// `what` names the input in the error: "--jobs", "TEST_TOTAL_SHARDS", ...
std::uint64_t number(std::string_view what, std::string_view text, std::uint64_t min, std::uint64_t max);

struct SeedRange {
  std::uint64_t first = 0, last = 0;  // both inclusive
};
SeedRange seed_range(std::string_view text);  // "A..B", A <= B

sim::Shard shard(std::string_view text);  // "I/N", I < N
// --shard wins; then GoogleTest/Bazel's TEST_SHARD_INDEX / TEST_TOTAL_SHARDS (touching
// TEST_SHARD_STATUS_FILE); then a Kubernetes Indexed Job's JOB_COMPLETION_INDEX with --shards N.
sim::Shard resolve_shard(const std::string& flag, std::uint64_t shards_flag);

// "500ms", "90s", "10m", "2h": a positive duration of at most 30 days, in milliseconds.
std::uint64_t duration_ms(std::string_view what, std::string_view text);

}  // namespace omega::cli
