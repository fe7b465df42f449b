#include "cli_input.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <limits>

namespace omega::cli {

namespace {

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();

// Quotes at most 40 characters of the offending input.
std::string quoted(std::string_view text) {
  return "'" + (text.size() <= 40 ? std::string(text) : std::string(text.substr(0, 37)) + "...") + "'";
}

std::uint64_t env_number(const char* name, std::uint64_t min, std::uint64_t max) {
  return number(name, std::getenv(name), min, max);
}

}  // namespace

std::optional<std::uint64_t> decimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (kU64Max - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

std::uint64_t number(std::string_view what, std::string_view text, std::uint64_t min, std::uint64_t max) {
  const auto v = decimal(text);
  if (!v || *v < min || *v > max)
    throw InputError(fmt::format("{} {} is not a whole number in {}..{}", what, quoted(text), min, max));
  return *v;
}

SeedRange seed_range(std::string_view text) {
  const auto at = text.find("..");
  const auto bad = [&] {
    return InputError(fmt::format("--seeds {} is not a range A..B of seeds 0..{} with A <= B (both inclusive)",
                                  quoted(text), kU64Max));
  };
  if (at == std::string_view::npos) throw bad();
  const auto first = decimal(text.substr(0, at)), last = decimal(text.substr(at + 2));
  if (!first || !last || *last < *first) throw bad();
  return {*first, *last};
}

sim::Shard shard(std::string_view text) {
  const auto at = text.find('/');
  const auto index = at == std::string_view::npos ? std::nullopt : decimal(text.substr(0, at));
  const auto count = at == std::string_view::npos ? std::nullopt : decimal(text.substr(at + 1));
  if (!index || !count || *count == 0 || *index >= *count)
    throw InputError(fmt::format("--shard {} is not I/N with 0 <= I < N", quoted(text)));
  return {*index, *count};
}

sim::Shard resolve_shard(const std::string& flag, std::uint64_t shards_flag) {
  if (!flag.empty()) return shard(flag);
  if (std::getenv("TEST_TOTAL_SHARDS") && std::getenv("TEST_SHARD_INDEX")) {
    const sim::Shard s{env_number("TEST_SHARD_INDEX", 0, kU64Max - 1), env_number("TEST_TOTAL_SHARDS", 1, kU64Max)};
    if (s.index >= s.count)
      throw InputError(fmt::format("TEST_SHARD_INDEX={} is not below TEST_TOTAL_SHARDS={}", s.index, s.count));
    if (const char* status = std::getenv("TEST_SHARD_STATUS_FILE")) std::ofstream(status, std::ios::app);
    return s;
  }
  if (std::getenv("JOB_COMPLETION_INDEX")) {
    if (shards_flag == 0) throw InputError("JOB_COMPLETION_INDEX is set: give the number of shards with --shards N");
    const sim::Shard s{env_number("JOB_COMPLETION_INDEX", 0, kU64Max - 1), shards_flag};
    if (s.index >= s.count)
      throw InputError(fmt::format("JOB_COMPLETION_INDEX={} is not below --shards {}", s.index, s.count));
    return s;
  }
  return {};
}

std::uint64_t duration_ms(std::string_view what, std::string_view text) {
  constexpr std::uint64_t kMaxMs = 30ull * 24 * 3600 * 1000;
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const auto amount = decimal(text.substr(0, digits));
  const std::string_view unit = text.substr(digits);
  std::uint64_t scale = 0;
  if (unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  if (!amount || scale == 0 || *amount == 0 || *amount > kMaxMs / scale)
    throw InputError(fmt::format("{} {} is not a duration such as 500ms, 90s, 10m or 2h (above 0, at most 30 days)",
                                 what, quoted(text)));
  return *amount * scale;
}

}  // namespace omega::cli
