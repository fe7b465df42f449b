#pragma once
// Virtual time. It starts at 0 in every run and moves only when no fiber can run and some sleep
// or wait with a timeout: it then jumps to the earliest deadline. Ties wake in (deadline, fiber
// id) order, sleepers before timeouts, so an operation landing on the tick of a timeout wins.

#include <omega/detail/primitive.hpp>

#include <chrono>

namespace omega {

// Virtual time since the run started.
std::chrono::nanoseconds now();

// Blocks the current fiber for `d` of virtual time (a plain scheduling point if d <= 0).
template <class Rep, class Period>
void sleep_for(std::chrono::duration<Rep, Period> d, std::source_location where = std::source_location::current()) {
  sim::kernel::require("omega::sleep_for");
  sim::kernel::at(where);
  sim::kernel::sleep_until(detail::deadline_after(detail::to_ns(d)));
  sim::kernel::at({});  // the sleep is over: no later event takes its site
}

}  // namespace omega
