#include <omega/sim/choice_text.hpp>
#include <omega/sim/errors.hpp>

#include <fmt/format.h>

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

std::uint64_t parse_base36(std::string_view token, std::size_t index, std::string_view whole) {
  if (token.empty() || token.size() > 13)
    throw UsageError(fmt::format("bad choice vector '{}': token {} '{}' is not a base-36 number", whole, index, token));
  std::uint64_t v = 0;
  for (char c : token) {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 10;
    if (d < 0)
      throw UsageError(fmt::format("bad choice vector '{}': token {} '{}' is not a base-36 number", whole, index, token));
    v = v * 36 + static_cast<std::uint64_t>(d);
  }
  return v;
}

}  // namespace

std::string encode_choices(const std::vector<std::uint64_t>& choices) {
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
  if (text.empty()) return out;
  std::size_t index = 0;
  for (std::size_t start = 0; start <= text.size(); ++index) {
    const std::size_t end = std::min(text.find('.', start), text.size());
    const std::string_view token = text.substr(start, end - start);
    if (!token.empty() && token[0] == '~') {
      const std::uint64_t n = parse_base36(token.substr(1), index, text);
      if (n > 100'000'000) throw UsageError(fmt::format("bad choice vector '{}': run of {} zeros is too long", text, n));
      out.insert(out.end(), n, 0);
    } else {
      out.push_back(parse_base36(token, index, text));
    }
    start = end + 1;
  }
  return out;
}

}  // namespace omega::sim
