#pragma once
// A compact printable form of a choice vector, for command lines and reports: base-36 values
// separated by '.', with a run of n >= 2 zeros written "~n". [0,0,0,1,0,35] -> "~3.1.0.z".

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace omega::sim {

std::string encode_choices(const std::vector<std::uint64_t>& choices);
// Throws UsageError naming the bad token.
std::vector<std::uint64_t> decode_choices(std::string_view text);

}  // namespace omega::sim
