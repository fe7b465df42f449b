#pragma once
// Assertions inside a simulation: a failed check ends the run with outcome `assertion`, naming the
// fiber and step. Unlike assert(), the schedule that failed is kept and can be replayed.

#include <string>

namespace omega {

void check(bool condition, const std::string& message);

}  // namespace omega
