#pragma once
// A compact printable form of a choice vector, for command lines and reports: base-36 values
// separated by '.', with a run of n >= 2 zeros written "~n". [0,0,0,1,0,35] -> "~3.1.0.z".

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace omega::sim {

// A decoded vector holds at most this many choices (32 MiB); a longer text is rejected before it
// is expanded, so a few bytes of "~zzzz" cannot take minutes and gigabytes.
inline constexpr std::size_t kMaxChoices = std::size_t{1} << 22;

std::string encode_choices(const std::vector<std::uint64_t>& choices);
// Throws UsageError naming the bad token: empty text or token, a digit outside base 36, a value
// above 2^64-1, or more than kMaxChoices choices in all. The empty vector is "~0".
std::vector<std::uint64_t> decode_choices(std::string_view text);

}  // namespace omega::sim
