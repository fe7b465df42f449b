#include <omega/sim/choice_text.hpp>
#include <omega/sim/errors.hpp>

#include <fmt/format.h>

#include <limits>

namespace omega::sim {

namespace {

constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";

std::string base36(std::uint64_t v) {
  if (v == 0) return "0";
  std::string out;
  while (v > 0) {
    out.insert(out.begin(), kDigits[v % 36]);
    v /= 36;
  }
  return out;
}

// Error messages quote at most 40 characters of the input.
std::string clip(std::string_view text) {
  return text.size() <= 40 ? std::string(text) : std::string(text.substr(0, 37)) + "...";
}

std::uint64_t parse_base36(std::string_view token, std::size_t index, std::string_view whole) {
  if (token.empty())
    throw UsageError(fmt::format("bad choice vector '{}': token {} is empty", clip(whole), index));
  std::uint64_t v = 0;
  for (char c : token) {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 10;
    if (d < 0)
      throw UsageError(
          fmt::format("bad choice vector '{}': token {} '{}' is not a base-36 number", clip(whole), index, clip(token)));
    if (v > (std::numeric_limits<std::uint64_t>::max() - static_cast<std::uint64_t>(d)) / 36)
      throw UsageError(fmt::format("bad choice vector '{}': token {} '{}' is above 2^64-1", clip(whole), index,
                                   clip(token)));
    v = v * 36 + static_cast<std::uint64_t>(d);
  }
  return v;
}

UsageError too_long(std::string_view whole) {
  return UsageError(fmt::format("bad choice vector '{}': longer than {} choices", clip(whole), kMaxChoices));
}

}  // namespace

std::string encode_choices(const std::vector<std::uint64_t>& choices) {
  if (choices.empty()) return "~0";  // never "": that would not survive a command line
  std::string out;
  for (std::size_t i = 0; i < choices.size();) {
    if (!out.empty()) out += '.';
    std::size_t zeros = 0;
    while (i + zeros < choices.size() && choices[i + zeros] == 0) ++zeros;
    if (zeros >= 2) {
      out += "~" + base36(zeros);
      i += zeros;
    } else {
      out += base36(choices[i]);
      ++i;
    }
  }
  return out;
}

std::vector<std::uint64_t> decode_choices(std::string_view text) {
  std::vector<std::uint64_t> out;
  if (text.empty()) throw UsageError("bad choice vector '': it is empty (a run that makes no choice is \"~0\")");
  std::size_t index = 0;
  for (std::size_t start = 0; start <= text.size(); ++index) {
    const std::size_t end = std::min(text.find('.', start), text.size());
    const std::string_view token = text.substr(start, end - start);
    if (!token.empty() && token[0] == '~') {
      const std::uint64_t n = parse_base36(token.substr(1), index, text);
      if (n > kMaxChoices - out.size()) throw too_long(text);
      out.insert(out.end(), n, 0);
    } else {
      if (out.size() == kMaxChoices) throw too_long(text);
      out.push_back(parse_base36(token, index, text));
    }
    start = end + 1;
  }
  return out;
}

}  // namespace omega::sim
