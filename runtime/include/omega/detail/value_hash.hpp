#pragma once
// Hash of a value for ledger events: our own FNV over a byte form, for types that have an obvious
// one (integers, enums, strings); 0 otherwise. Never std::hash (it differs between libraries).

#include <omega/sim/hash.hpp>

#include <cstdint>
#include <string_view>
#include <type_traits>

namespace omega::detail {

template <class T>
std::uint64_t value_hash(const T& v) {
  if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
    std::uint64_t h = sim::kFnvOffset;
    const auto u = static_cast<std::uint64_t>(v);
    for (int i = 0; i < 8; ++i) h = (h ^ ((u >> (8 * i)) & 0xffu)) * sim::kFnvPrime;
    return h;
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return sim::fnv1a64(std::string_view(v));
  } else {
    return 0;
  }
}

// The Op argument for a cell's value: small integers as themselves (so traces can show
// "load counter=1"), anything else as its hash.
template <class T>
std::uint64_t value_arg(const T& v) {
  if constexpr (std::is_integral_v<T> || std::is_enum_v<T>)
    return static_cast<std::uint64_t>(v);
  else
    return value_hash(v);
}

}  // namespace omega::detail
