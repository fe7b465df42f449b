#pragma once
// The kernel's alternatives order (choice_source.hpp: the default, then the other ready fibers
// ascending), for the ledger encodings that leave the chosen fiber out: both the in-memory
// relative ScheduleChoose (ledger_codec.cpp's decoder) and the compact file encoding (ledger_compact.cpp)
// recompute it from the ready set, the current fiber, the default rule and the choice.

#include <omega/sim/choice_source.hpp>
#include <omega/sim/ids.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>

namespace omega::sim::detail {

// The fiber a ScheduleChoose with this ready set, current fiber and choice takes, when the default
// (alternative 0) is `current` or the next ready fiber after it (cyclic); nullopt when that
// default is not ready or the choice is out of range.
inline std::optional<FiberId> derived_chosen(std::span<const FiberId> ready, FiberId current,
                                             bool default_is_current, std::uint64_t choice) {
  if (ready.empty() || choice >= ready.size()) return std::nullopt;
  FiberId def = current;
  if (!default_is_current) {
    auto it = std::upper_bound(ready.begin(), ready.end(), current);
    def = it != ready.end() ? *it : ready.front();
  }
  const auto pos = static_cast<std::size_t>(std::find(ready.begin(), ready.end(), def) - ready.begin());
  if (pos == ready.size()) return std::nullopt;  // the default must be one of the alternatives
  ScheduleQuery q;
  q.ready = ready;
  q.default_fiber = def;
  q.default_position = pos;
  return q.alternative(static_cast<std::size_t>(choice));
}

}  // namespace omega::sim::detail
