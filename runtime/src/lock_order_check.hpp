#pragma once
// Lock-order enforcement for the critic's repair check (RunOptions::checks.lock_order): taking a
// mutex while holding one that comes later in the imposed order fails the run at once, naming
// both. Inactive (one load and a branch) when no order is imposed.

#include <omega/sim/ids.hpp>

#include <string>

namespace omega::detail {

void lock_order_before_take(const std::string& mutex_name, FiberId fiber);
void lock_order_taken(const std::string& mutex_name, FiberId fiber);
void lock_order_released(const std::string& mutex_name, FiberId fiber);

}  // namespace omega::detail
