#pragma once
// Internal to the critic: each detector appends its findings.

#include <omega/critic/critic.hpp>

#include "names.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace omega::critic::detail {

std::vector<LockEdge> lock_edges(const Ledger& l, const Names& n);
void per_run(const Ledger& l, const Names& n, std::vector<Finding>& out);

void deadlock(const Ledger& l, const Names& n, std::vector<Finding>& out);
void duplicate_oracle_calls(const Ledger& l, const Names& n, std::vector<Finding>& out);
void data_races(const Ledger& l, const Names& n, std::vector<Finding>& out);
// A run that ran out of a budget with no progress in its last `window` events.
void livelock(const Ledger& l, const Names& n, std::vector<Finding>& out, std::size_t window);
// A fiber ready but passed over for `bound` decisions in a row, in a run under a fair policy.
void starvation(const Ledger& l, const Names& n, std::vector<Finding>& out, std::size_t bound);

}  // namespace omega::critic::detail
